"""Service settings read from the environment, with defaults that run on a laptop."""

from __future__ import annotations

from dataclasses import dataclass

from environs import Env

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"

# One port per service so every process can run side by side on one machine.
DEFAULT_HTTP_PORTS = {
    "gateway": 8000,
    "intake": 8001,
    "cases": 8002,
    "agencies": 8003,
    "notify": 8004,
    "metrics": 8005,
}


@dataclass(frozen=True)
class ServiceSettings:
    service: str
    database_url: str
    amqp_uri: str
    http_address: str
    outbox_batch_size: int
    outbox_interval_seconds: float
    otlp_endpoint: str | None


def load_settings(service: str) -> ServiceSettings:
    """Read `CASEWORK_<SERVICE>_*` and shared `CASEWORK_*` variables at call time."""
    env = Env()
    prefix = f"CASEWORK_{service.upper()}_"
    port = DEFAULT_HTTP_PORTS.get(service, 8080)
    return ServiceSettings(
        service=service,
        database_url=env.str(f"{prefix}DATABASE_URL", f"sqlite:///var/{service}.db"),
        amqp_uri=env.str("CASEWORK_AMQP_URI", DEFAULT_AMQP_URI),
        http_address=env.str(f"{prefix}HTTP_ADDRESS", f"127.0.0.1:{port}"),
        outbox_batch_size=env.int("CASEWORK_OUTBOX_BATCH_SIZE", 200),
        outbox_interval_seconds=env.float("CASEWORK_OUTBOX_INTERVAL_SECONDS", 1.0),
        otlp_endpoint=env.str("OTEL_EXPORTER_OTLP_ENDPOINT", None) or None,
    )


def env_str(name: str, default: str) -> str:
    """A service-specific setting (SMTP host, sender address...) read the same way."""
    return Env().str(name, default)


def env_int(name: str, default: int) -> int:
    return Env().int(name, default)
