"""Service settings read from the environment, with defaults that run on a laptop."""

from __future__ import annotations

from dataclasses import dataclass

from environs import Env

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"

# One port per process so every process can run side by side on one machine. `intake` is
# intake's nameko worker (health and metrics only); `intake-web` (its constituent portal and
# public JSON API, CASEWORK_INTAKE_WEB_ADDRESS) keeps 8001, the address integrators use.
DEFAULT_HTTP_PORTS = {
    "gateway": 8000,
    "intake-web": 8001,
    "cases": 8002,
    "agencies": 8003,
    "notify": 8004,
    "metrics": 8005,
    "intake": 8006,
}


@dataclass(frozen=True)
class ServiceSettings:
    """`database_url` is what the service's units of work connect as (on PostgreSQL the
    service role, which row-level security confines to one office per transaction);
    `platform_database_url` the narrow cross-office path (outbox relay, roll-ups; the platform
    role); `migration_database_url` the tables' owner, used only by the migrations. Both
    default to `database_url`, so SQLite and an un-walled PostgreSQL need one URL."""

    service: str
    database_url: str
    amqp_uri: str
    http_address: str
    outbox_batch_size: int
    outbox_interval_seconds: float
    otlp_endpoint: str | None
    platform_database_url: str = ""
    migration_database_url: str = ""
    # Events consumed together in one transaction, and how long a consumer waits for a batch
    # to fill before it runs what it has (1 and 0: one event per transaction, at once).
    consume_batch_size: int = 50
    consume_batch_wait_seconds: float = 0.005


def load_settings(service: str) -> ServiceSettings:
    """Read `CASEWORK_<SERVICE>_*` and shared `CASEWORK_*` variables at call time."""
    env = Env()
    prefix = f"CASEWORK_{service.upper()}_"
    port = DEFAULT_HTTP_PORTS.get(service, 8080)
    database_url = env.str(f"{prefix}DATABASE_URL", f"sqlite:///var/{service}.db")
    return ServiceSettings(
        service=service,
        database_url=database_url,
        platform_database_url=env.str(f"{prefix}PLATFORM_DATABASE_URL", "") or database_url,
        migration_database_url=env.str(f"{prefix}MIGRATION_DATABASE_URL", "") or database_url,
        amqp_uri=env.str("CASEWORK_AMQP_URI", DEFAULT_AMQP_URI),
        http_address=env.str(f"{prefix}HTTP_ADDRESS", f"127.0.0.1:{port}"),
        outbox_batch_size=env.int("CASEWORK_OUTBOX_BATCH_SIZE", 200),
        outbox_interval_seconds=env.float("CASEWORK_OUTBOX_INTERVAL_SECONDS", 1.0),
        otlp_endpoint=env.str("OTEL_EXPORTER_OTLP_ENDPOINT", None) or None,
        consume_batch_size=max(
            1,
            env.int(f"{prefix}CONSUME_BATCH_SIZE", 0) or env.int("CASEWORK_CONSUME_BATCH_SIZE", 50),
        ),
        consume_batch_wait_seconds=env.float("CASEWORK_CONSUME_BATCH_WAIT_MS", 5.0) / 1000,
    )


def env_str(name: str, default: str) -> str:
    """A service-specific setting (SMTP host, sender address...) read the same way."""
    return Env().str(name, default)


def env_int(name: str, default: int) -> int:
    return Env().int(name, default)
