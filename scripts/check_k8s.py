"""The Kubernetes part of scripts/check_deploy.py: every service's Deployment and Service (and
those of the web processes beside a service's worker: intake-web), the migrate Job that alone
holds the owner roles, the per-service database Secrets, and network policies (a default
deny, a policy for every workload, ingress only to intake-web's public port and the gateway,
each process's egress to RabbitMQ and its own service's database)."""

from __future__ import annotations

import json
from typing import Any

import yaml
from deploy_facts import (
    DEPLOY,
    PORTS,
    PUBLIC_PORTS,
    WEB_PROCESSES,
    Problems,
    load_yaml,
    nameko_command,
)


def check_kubernetes(problems: Problems) -> None:
    base = DEPLOY / "k8s" / "base"
    kustomization = load_yaml(base / "kustomization.yaml")
    resources = kustomization.get("resources", [])
    for resource in resources:
        problems.check((base / resource).is_file(), f"k8s: kustomization lists missing {resource}")
    documents = [
        doc
        for resource in resources
        for doc in yaml.safe_load_all((base / resource).read_text())
        if doc
    ]
    by_kind: dict[tuple[str, str], dict[str, Any]] = {
        (doc["kind"], doc["metadata"]["name"]): doc for doc in documents
    }
    problems.check(("ConfigMap", "casework-config") in by_kind, "k8s: ConfigMap casework-config")
    processes = [
        (service, service, port, nameko_command(service)) for service, port in PORTS.items()
    ]
    processes += [(name, web.service, web.port, web.command) for name, web in WEB_PROCESSES.items()]
    for name, service, port, command in processes:
        deployment = by_kind.get(("Deployment", name))
        if deployment is None:
            problems.append(f"k8s: no Deployment {name}")
            continue
        pod = deployment["spec"]["template"]
        annotations = pod["metadata"].get("annotations", {})
        problems.check(
            annotations.get("prometheus.io/scrape") == "true"
            and annotations.get("prometheus.io/port") == str(port)
            and annotations.get("prometheus.io/path") == "/metrics",
            f"k8s: {name} needs prometheus.io scrape annotations for port {port}",
        )
        container = next((c for c in pod["spec"]["containers"] if c["name"] == name), None)
        if container is None:
            problems.append(f"k8s: Deployment {name} has no container {name}")
            continue
        problems.check(
            " ".join(container.get("args", [])) == command,
            f"k8s: {name} must run `{command}`",
        )
        problems.check(
            container.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/live",
            f"k8s: {name} liveness must be /live",
        )
        problems.check(
            container.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/ready",
            f"k8s: {name} readiness must be /ready",
        )
        problems.check(
            any(p.get("containerPort") == port for p in container.get("ports", [])),
            f"k8s: {name} must expose port {port}",
        )
        sources = env_sources(container)
        problems.check(
            {"casework-config", "casework-secrets", f"casework-{service}-database"} <= sources,
            f"k8s: {name} must take env from casework-config, casework-secrets and "
            f"casework-{service}-database",
        )
        init = pod["spec"].get("initContainers", [])
        problems.check(
            any(
                " ".join(c.get("args", []))
                == f"python -m services.chassis.migrate --wait {service}"
                for c in init
            ),
            f"k8s: {name} must wait for its migrations in an init container (migrate --wait)",
        )
        everything = set().union(*(env_sources(c) for c in [container, *init]))
        problems.check(
            not everything & {"casework-migration"}
            and not any(
                s.endswith("-database") and s != f"casework-{service}-database" for s in everything
            ),
            f"k8s: {name} may hold only its service's database roles, never casework-migration",
        )
        service_doc = by_kind.get(("Service", name))
        problems.check(
            service_doc and service_doc["spec"]["ports"][0]["port"] == port,
            f"k8s: no Service {name} on port {port}",
        )
        if name in WEB_PROCESSES:
            problems.check(
                deployment["spec"].get("replicas", 1) >= 2,
                f"k8s: {name} faces the public: run at least 2 replicas",
            )

    check_migrate_job(problems, by_kind)
    check_network_policies(problems, documents)


def env_sources(container: dict[str, Any]) -> set[str]:
    """Names of the ConfigMaps and Secrets a container takes its environment from."""
    return {
        ref.get("name", "")
        for source in container.get("envFrom", [])
        for ref in (source.get("configMapRef"), source.get("secretRef"))
        if ref
    }


def check_migrate_job(problems: Problems, by_kind: dict[tuple[str, str], Any]) -> None:
    job = by_kind.get(("Job", "casework-migrate"))
    if job is None:
        problems.append("k8s: no Job casework-migrate (migrations as the owner roles)")
        return
    containers = job["spec"]["template"]["spec"].get("containers", [])
    problems.check(
        any(c.get("args") == ["migrate"] for c in containers),
        "k8s: Job casework-migrate must run the entrypoint's `migrate`",
    )
    sources = set().union(*(env_sources(c) for c in containers))
    needed = {"casework-config", "casework-migration"} | {
        f"casework-{service}-database" for service in PORTS
    }
    problems.check(
        needed <= sources,
        f"k8s: Job casework-migrate must take env from {', '.join(sorted(needed - sources))}",
    )


def _selects(policy: dict[str, Any], labels: dict[str, str]) -> bool:
    wanted = policy["spec"].get("podSelector", {}).get("matchLabels", {})
    return bool(wanted) and all(labels.get(key) == value for key, value in wanted.items())


def check_network_policies(problems: Problems, documents: list[dict[str, Any]]) -> None:
    """A default deny, and for every workload a policy of its own; ingress from outside only to
    intake-web's public port and the gateway; each process's egress to RabbitMQ, its own
    service's database (and, for notify, mail; for intake-web, Redis)."""
    policies = [doc for doc in documents if doc["kind"] == "NetworkPolicy"]
    problems.check(
        any(
            p["spec"].get("podSelector") == {}
            and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
            and not p["spec"].get("ingress")
            and not p["spec"].get("egress")
            for p in policies
        ),
        "k8s: no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)",
    )
    workloads = [doc for doc in documents if doc["kind"] in ("Deployment", "Job")]
    for workload in workloads:
        name = workload["metadata"]["name"]
        labels = workload["spec"]["template"]["metadata"].get("labels", {})
        # Its own policy, by name: the shared ones (DNS, Prometheus) do not say what it may reach.
        own_pods = {"app.kubernetes.io/name": labels.get("app.kubernetes.io/name", "?")}
        problems.check(
            any(_selects(p, labels) and _selects(p, own_pods) for p in policies),
            f"k8s: no NetworkPolicy of its own selects the pods of {workload['kind']} {name}",
        )
    public = PUBLIC_PORTS
    for policy in policies:
        name, spec = policy["metadata"]["name"], policy["spec"]
        for rule in spec.get("ingress", []):
            sources = json.dumps(rule.get("from", []))
            if '"prometheus"' in sources and '"monitoring"' in sources:
                continue  # scraping /metrics from Prometheus's namespace
            target = spec.get("podSelector", {}).get("matchLabels", {})
            service = target.get("app.kubernetes.io/name", "")
            ports = {p.get("port") for p in rule.get("ports", [])}
            problems.check(
                service in public and ports == {public[service]},
                f"k8s: NetworkPolicy {name} lets traffic in other than to intake-web's or the "
                f"gateway's port",
            )
    owners = {service: service for service in PORTS}
    owners.update({name: web.service for name, web in WEB_PROCESSES.items()})
    for process, service in owners.items():
        own = next((p for p in policies if _selects(p, {"app.kubernetes.io/name": process})), None)
        if own is None:
            continue  # reported above
        egress = json.dumps(own["spec"].get("egress", []))
        problems.check(
            '"rabbitmq"' in egress and f'"casework.io/database": "{service}"' in egress,
            f"k8s: NetworkPolicy {own['metadata']['name']} must let {process} reach RabbitMQ "
            f"and {service}'s database",
        )
        others = [s for s in PORTS if s != service and f'"casework.io/database": "{s}"' in egress]
        problems.check(
            not others, f"k8s: {process} may reach no other service's database ({others})"
        )
