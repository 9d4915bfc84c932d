"""Check that the deployment files agree with each other and with the services' fixed facts.

    python scripts/check_deploy.py

Procfile, docker-compose.yml, deploy/ (Dockerfile, PostgreSQL init, Prometheus, Grafana,
Kubernetes) and the operations runbook must name the same six services, ports, databases and
endpoints, and the same web processes beside them (intake-web, which must start without
RabbitMQ). Behind the tenant wall each service connects as its own roles (casework_<service>,
casework_<service>_platform) and only the migrate step holds the owner roles; in Kubernetes a
NetworkPolicy covers every workload behind a default deny. When promtool is installed (Debian
package `prometheus`) the alert rules, their unit tests (deploy/prometheus/alerts_test.yml) and
the dashboard's queries are checked too; when kubectl is installed, the kustomize base is built.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml
from check_k8s import check_kubernetes
from check_monitoring import check_grafana, check_prometheus, check_with_promtool, run_tool
from deploy_facts import (
    DEPLOY,
    PORTS,
    ROOT,
    WEB_PROCESSES,
    Problems,
    load_yaml,
    nameko_command,
)


def check_procfile(problems: Problems) -> None:
    processes = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip().removeprefix("exec ")
    for service in PORTS:
        problems.check(
            processes.get(service) == nameko_command(service),
            f"Procfile: {service} must run `{nameko_command(service)}`",
        )
    for name, web in WEB_PROCESSES.items():
        problems.check(
            processes.get(name) == web.command, f"Procfile: {name} must run `{web.command}`"
        )
    problems.check("smtp" in processes, "Procfile: the SMTP sink (smtp) is missing")


def check_compose(problems: Problems) -> None:
    compose = load_yaml(ROOT / "docker-compose.yml")
    services = compose.get("services", {})
    for name in ("rabbitmq", "postgres", "smtp-sink", "prometheus", "grafana"):
        problems.check(name in services, f"docker-compose.yml: service {name} is missing")
    processes = [
        (service, service, port, f"CASEWORK_{service.upper()}_HTTP_ADDRESS")
        for service, port in PORTS.items()
    ] + [(name, web.service, web.port, web.address_variable) for name, web in WEB_PROCESSES.items()]
    for name, service, port, address_variable in processes:
        spec = services.get(name)
        if not problems.check(spec, f"docker-compose.yml: service {name} is missing"):
            continue
        env = spec.get("environment", {})
        prefix = f"CASEWORK_{service.upper()}_"
        problems.check(
            spec.get("command") == [name],
            f"docker-compose.yml: {name} command != [{name}]",
        )
        problems.check(
            spec.get("build", {}).get("dockerfile") == "deploy/Dockerfile",
            f"docker-compose.yml: {name} must be built from deploy/Dockerfile",
        )
        problems.check(
            env.get(address_variable) == f"0.0.0.0:{port}",
            f"docker-compose.yml: {name} must listen on 0.0.0.0:{port} ({address_variable})",
        )
        problems.check(
            str(env.get(f"{prefix}DATABASE_URL", "")).endswith(
                f"@postgres:5432/casework_{service}"
            ),
            f"docker-compose.yml: {name} must use database casework_{service}",
        )
        for variable, role in (
            ("DATABASE_URL", f"casework_{service}"),
            ("PLATFORM_DATABASE_URL", f"casework_{service}_platform"),
        ):
            problems.check(
                role_url(env.get(f"{prefix}{variable}"), role, service),
                f"docker-compose.yml: {name}'s {prefix}{variable} must connect as {role} "
                f"to casework_{service}",
            )
        problems.check(
            f"{prefix}MIGRATION_DATABASE_URL" not in env,
            f"docker-compose.yml: {name} must not hold its owner role (only migrate does)",
        )
        problems.check(
            spec.get("depends_on", {}).get("migrate", {}).get("condition")
            == "service_completed_successfully",
            f"docker-compose.yml: {name} must wait for migrate to complete",
        )
        problems.check(
            "rabbitmq:5672" in str(env.get("CASEWORK_AMQP_URI", "")),
            f"docker-compose.yml: {name} must reach rabbitmq:5672",
        )
        problems.check(
            f"127.0.0.1:{port}/ready" in json.dumps(spec.get("healthcheck", {})),
            f"docker-compose.yml: {name}'s healthcheck must ask its own /ready",
        )
    for name, web in WEB_PROCESSES.items():
        spec = services.get(name, {})
        problems.check(
            "rabbitmq" not in spec.get("depends_on", {}),
            f"docker-compose.yml: {name} must start without RabbitMQ (no depends_on rabbitmq)",
        )
        problems.check(
            f"127.0.0.1:{web.port}:{web.port}" in spec.get("ports", []),
            f"docker-compose.yml: {name} must publish 127.0.0.1:{web.port}",
        )
        # The development master key (var/intake-master.key) is made by whichever intake
        # process starts first; the other must read the same file.
        var_volumes = {
            process: {
                v for v in services.get(process, {}).get("volumes", []) if v.endswith(":/app/var")
            }
            for process in (name, web.service)
        }
        problems.check(
            var_volumes[name] and var_volumes[name] == var_volumes[web.service],
            f"docker-compose.yml: {name} and {web.service} must share one volume on /app/var",
        )
    problems.check("redis" in services, "docker-compose.yml: service redis is missing")
    problems.check(
        str(
            services.get("intake-web", {})
            .get("environment", {})
            .get("CASEWORK_INTAKE_RATELIMIT_STORAGE_URI", "")
        ).startswith("redis://redis:6379/"),
        "docker-compose.yml: intake-web must count rate limits in redis "
        "(CASEWORK_INTAKE_RATELIMIT_STORAGE_URI=redis://redis:6379/0)",
    )
    migrate = services.get("migrate")
    if problems.check(migrate, "docker-compose.yml: the one-shot migrate service is missing"):
        env = migrate.get("environment", {})
        problems.check(
            migrate.get("command") == ["migrate"],
            "docker-compose.yml: migrate command != [migrate]",
        )
        problems.check(
            "CASEWORK_POSTGRES_ADMIN_URL" in env,
            "docker-compose.yml: migrate needs CASEWORK_POSTGRES_ADMIN_URL to create the roles",
        )
        for service in PORTS:
            variable = f"CASEWORK_{service.upper()}_MIGRATION_DATABASE_URL"
            problems.check(
                role_url(env.get(variable), f"casework_{service}_owner", service),
                f"docker-compose.yml: migrate's {variable} must connect as "
                f"casework_{service}_owner",
            )
    notify_env = services.get("notify", {}).get("environment", {})
    problems.check(
        notify_env.get("CASEWORK_SMTP_HOST") == "smtp-sink",
        "docker-compose.yml: notify must send mail to smtp-sink",
    )
    for spec in services.values():
        for volume in spec.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                problems.check(
                    (ROOT / source).exists(), f"docker-compose.yml mounts missing {source}"
                )
    home = (
        services.get("grafana", {})
        .get("environment", {})
        .get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH", "")
    )
    problems.check(
        (DEPLOY / "grafana" / "dashboards" / Path(home).name).is_file(),
        "docker-compose.yml: Grafana's home dashboard file does not exist",
    )


def role_url(url: Any, role: str, service: str) -> bool:
    """Whether a (compose-templated) database URL connects as `role` to the service's database."""
    return bool(
        re.fullmatch(
            rf"postgresql\+psycopg2://{role}:[^@]+@[\w.-]+:5432/casework_{service}", str(url or "")
        )
    )


def check_dockerfile(problems: Problems) -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    problems.check(
        re.search(r"^FROM python:3\.11-slim\s*$", dockerfile, re.M),
        "deploy/Dockerfile: must build FROM python:3.11-slim",
    )
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    problems.check(
        users and users[-1] not in ("root", "0"), "deploy/Dockerfile: must run as a non-root USER"
    )
    entrypoint = (DEPLOY / "entrypoint.sh").read_text()
    for service in PORTS:
        problems.check(
            re.search(rf"^(\S+ \| )*{service}( \| \S+)*\)", entrypoint, re.M),
            f"deploy/entrypoint.sh does not know {service}",
        )
    for name, web in WEB_PROCESSES.items():
        problems.check(
            re.search(rf"^{name}\)", entrypoint, re.M) and f"exec {web.command}" in entrypoint,
            f"deploy/entrypoint.sh: `{name}` must `exec {web.command}`",
        )
    exposed = re.findall(r"^EXPOSE\s+(.+)$", dockerfile, re.M)
    for port in [*PORTS.values(), *(web.port for web in WEB_PROCESSES.values())]:
        problems.check(
            any(str(port) in line.split() for line in exposed),
            f"deploy/Dockerfile: EXPOSE {port}",
        )
    problems.check(
        "services.chassis.migrate" in entrypoint and "nameko run" in entrypoint,
        "deploy/entrypoint.sh must migrate and then `nameko run`",
    )
    problems.check(
        re.search(r"^migrate\)", entrypoint, re.M)
        and "services.chassis.tenant_wall create-roles" in entrypoint
        and "services.chassis.tenant_wall check" in entrypoint,
        "deploy/entrypoint.sh: `migrate` must create the roles, migrate and check the wall",
    )
    init = "\n".join(p.read_text() for p in (DEPLOY / "postgres").glob("*.sql"))
    for service in PORTS:
        problems.check(
            f"CREATE DATABASE casework_{service};" in init,
            f"deploy/postgres: no CREATE DATABASE casework_{service}",
        )


def main() -> int:
    problems = Problems()
    for check in (
        check_procfile,
        check_compose,
        check_dockerfile,
        check_prometheus,
        check_grafana,
        check_kubernetes,
    ):
        try:
            check(problems)
        except (OSError, KeyError, TypeError, yaml.YAMLError, json.JSONDecodeError) as exc:
            problems.append(f"{check.__name__}: {type(exc).__name__}: {exc}")
    skipped = []
    promtool = shutil.which("promtool")
    if promtool:
        check_with_promtool(problems, promtool)
    else:
        skipped.append("PromQL and rule tests (install Debian's `prometheus` for promtool)")
    kubectl = shutil.which("kubectl")
    if kubectl:
        run_tool(
            problems, "kubectl kustomize", [kubectl, "kustomize", str(DEPLOY / "k8s" / "base")]
        )
    else:
        skipped.append("kustomize build (no kubectl)")

    for problem in problems:
        print(f"PROBLEM: {problem}")
    for what in skipped:
        print(f"skipped: {what}")
    if problems:
        return 1
    print("deployment files agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
