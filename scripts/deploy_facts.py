"""What the deployment checks share: where the files are, the six services' fixed ports, and
how problems are collected (scripts/check_deploy.py, scripts/check_k8s.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PORTS = {
    "gateway": 8000,
    "intake": 8001,
    "cases": 8002,
    "agencies": 8003,
    "notify": 8004,
    "metrics": 8005,
}


class Problems(list[str]):
    def check(self, condition: Any, message: str) -> bool:
        if not condition:
            self.append(message)
        return bool(condition)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def nameko_command(service: str) -> str:
    return f"nameko run services.{service}.service --config services/{service}/config.yaml"
