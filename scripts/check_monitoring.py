"""The monitoring part of scripts/check_deploy.py: Prometheus scrapes every service and web
process and has the alerts the runbook explains (each alert's runbook anchor exists), Grafana's
dashboard reads the provisioned datasource, and, with promtool, the rules, their unit tests and
the dashboard's queries are valid PromQL."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml
from deploy_facts import (
    DEPLOY,
    PORTS,
    ROOT,
    WEB_PROCESSES,
    Problems,
    load_yaml,
)

REQUIRED_ALERTS = {
    "CaseworkServiceDown",
    "CaseworkOutboxStuck",
    "CaseworkEventsDeadLettered",
    "CaseworkEntrypointErrorRatioHigh",
}
DATASOURCE_UID = "casework-prometheus"


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
