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
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from check_k8s import check_kubernetes
from deploy_facts import (
    DEPLOY,
    PORTS,
    ROOT,
    WEB_PROCESSES,
    Problems,
    load_yaml,
    nameko_command,
)

REQUIRED_ALERTS = {
    "CaseworkServiceDown",
    "CaseworkOutboxStuck",
    "CaseworkEventsDeadLettered",
    "CaseworkEntrypointErrorRatioHigh",
}
DATASOURCE_UID = "casework-prometheus"


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


def runbook_anchors() -> set[str]:
    text = (ROOT / "docs" / "operations.md").read_text()
    anchors = set()
    for heading in re.findall(r"^#+\s+(.+?)\s*$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


def check_prometheus(problems: Problems) -> None:
    config = load_yaml(DEPLOY / "prometheus" / "prometheus.yml")
    targets: dict[str, str] = {}
    for job in config.get("scrape_configs", []):
        if job.get("job_name") != "casework":
            continue
        problems.check(job.get("metrics_path") == "/metrics", "prometheus.yml: scrape /metrics")
        for static in job.get("static_configs", []):
            for target in static.get("targets", []):
                targets[static.get("labels", {}).get("service", "")] = target
    scraped = {**PORTS, **{name: web.port for name, web in WEB_PROCESSES.items()}}
    for name, port in scraped.items():
        problems.check(
            targets.get(name) == f"{name}:{port}",
            f"prometheus.yml: job casework must scrape {name}:{port} labelled service={name}",
        )
    for rule_file in config.get("rule_files", []):
        problems.check(
            (DEPLOY / "prometheus" / Path(rule_file).name).is_file(),
            f"prometheus.yml: rule file {rule_file} is not in deploy/prometheus/",
        )

    alerts = load_yaml(DEPLOY / "prometheus" / "alerts.yml")
    anchors = runbook_anchors()
    names = set()
    for group in alerts.get("groups", []):
        for rule in group.get("rules", []):
            name = rule.get("alert", "?")
            names.add(name)
            problems.check(
                rule.get("labels", {}).get("severity") in ("critical", "warning"),
                f"alerts.yml: {name} needs severity critical or warning",
            )
            annotations = rule.get("annotations", {})
            problems.check(annotations.get("summary"), f"alerts.yml: {name} needs a summary")
            runbook = str(annotations.get("runbook_url", ""))
            problems.check(
                runbook.startswith("docs/operations.md#") and runbook.split("#", 1)[1] in anchors,
                f"alerts.yml: {name}'s runbook_url {runbook!r} is not a heading of "
                "docs/operations.md",
            )
    missing = REQUIRED_ALERTS - names
    problems.check(not missing, f"alerts.yml: missing alerts {sorted(missing)}")


def dashboard_expressions() -> list[str]:
    dashboard = json.loads(
        (DEPLOY / "grafana" / "dashboards" / "casework-overview.json").read_text()
    )
    return [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if "expr" in target
    ]


def check_grafana(problems: Problems) -> None:
    provisioning = DEPLOY / "grafana" / "provisioning"
    datasources = load_yaml(provisioning / "datasources" / "prometheus.yml")["datasources"]
    problems.check(
        any(d.get("uid") == DATASOURCE_UID for d in datasources),
        f"grafana: no provisioned datasource with uid {DATASOURCE_UID}",
    )
    providers = load_yaml(provisioning / "dashboards" / "casework.yml")["providers"]
    problems.check(
        any(p["options"]["path"] == "/var/lib/grafana/dashboards" for p in providers),
        "grafana: the dashboard provider must read /var/lib/grafana/dashboards",
    )
    dashboards = list((DEPLOY / "grafana" / "dashboards").glob("*.json"))
    problems.check(dashboards, "grafana: no dashboard JSON")
    for path in dashboards:
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                problems.check(
                    target.get("datasource", {}).get("uid") == DATASOURCE_UID,
                    f"{path.name}: panel {panel['title']!r} must use datasource {DATASOURCE_UID}",
                )
    joined = "\n".join(dashboard_expressions())
    for needed in (
        "casework_metrics_office_submissions_received_total",
        "casework_metrics_office_cases_opened_total",
        "casework_metrics_office_acknowledgements_sent_total",
        "_entrypoint_seconds_bucket",
        "_outbox_pending",
        "_events_dead_lettered_total",
    ):
        problems.check(needed in joined, f"casework-overview.json: no panel shows {needed}")


def run_tool(problems: Problems, label: str, command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        problems.append(f"{label} failed:\n{result.stdout}{result.stderr}")


def check_with_promtool(problems: Problems, promtool: str) -> None:
    prometheus = DEPLOY / "prometheus"
    run_tool(
        problems,
        "promtool check rules",
        [promtool, "check", "rules", str(prometheus / "alerts.yml")],
    )
    run_tool(
        problems,
        "promtool test rules",
        [promtool, "test", "rules", str(prometheus / "alerts_test.yml")],
    )
    with tempfile.TemporaryDirectory() as scratch:
        # The config names the rule file by its path inside the container.
        config = (prometheus / "prometheus.yml").read_text().replace("/etc/prometheus/", "")
        Path(scratch, "prometheus.yml").write_text(config)
        shutil.copy(prometheus / "alerts.yml", scratch)
        run_tool(
            problems,
            "promtool check config",
            [promtool, "check", "config", f"{scratch}/prometheus.yml"],
        )
        # Each dashboard query, parsed as a recording rule.
        rules = {
            "groups": [
                {
                    "name": "dashboard",
                    "rules": [
                        {"record": f"dashboard:query_{n}", "expr": expr.replace("$office", ".*")}
                        for n, expr in enumerate(dashboard_expressions())
                    ],
                }
            ]
        }
        Path(scratch, "dashboard.yml").write_text(yaml.safe_dump(rules))
        run_tool(
            problems,
            "dashboard queries (promtool)",
            [promtool, "check", "rules", f"{scratch}/dashboard.yml"],
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
