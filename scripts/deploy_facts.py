"""What the deployment checks share: where the files are, the six services' fixed ports, the
processes that run beside a service's nameko worker, and how problems are collected
(scripts/check_deploy.py, scripts/check_k8s.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
# Each service's nameko process: its HTTP port (the gateway's staff app; /live, /ready and
# /metrics for every one).
PORTS = {
    "gateway": 8000,
    "intake": 8006,
    "cases": 8002,
    "agencies": 8003,
    "notify": 8004,
    "metrics": 8005,
}


@dataclass(frozen=True)
class WebProcess:
    """A process type of a service beside its nameko worker, on the service's own database
    and roles: it must start without RabbitMQ."""

    service: str
    port: int
    command: str
    address_variable: str


WEB_PROCESSES = {
    # The constituent portal and the public submission API.
    "intake-web": WebProcess(
        "intake", 8001, "python -m services.intake.portal", "CASEWORK_INTAKE_WEB_ADDRESS"
    ),
}
# The only ports that take traffic from outside the cluster: the public portal and API, and
# the staff app (through the staff network's ingress only).
PUBLIC_PORTS = {"intake-web": 8001, "gateway": 8000}


class Problems(list[str]):
    def check(self, condition: Any, message: str) -> bool:
        if not condition:
            self.append(message)
        return bool(condition)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def nameko_command(service: str) -> str:
    return f"nameko run services.{service}.service --config services/{service}/config.yaml"
