"""What every service class is made of: its database (with outbox relay), instrumentation, and
the `/live`, `/ready` and `/metrics` endpoints."""

from __future__ import annotations

import logging
from typing import Any

from kombu import Connection
from nameko import config
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from nameko.web.handlers import http
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import MetaData
from sqlalchemy.orm import sessionmaker
from werkzeug.wrappers import Request, Response

from services.chassis.config import load_settings
from services.chassis.db import create_db_engine
from services.chassis.http import json_response
from services.chassis.messaging import dead_letter_queue
from services.chassis.observability import Instrumentation, service_metric, setup_tracing
from services.chassis.outbox import OutboxRelay
from services.chassis.publisher import EventPublisher
from services.chassis.uow import DatabaseAccess, UnitOfWork
from services.chassis.warm import warm_start
from services.contracts import SUBSCRIPTIONS

log = logging.getLogger(__name__)
# The relay, a timer or two and /ready share the platform engine: a few connections suffice.
PLATFORM_POOL_SIZE = 3


class Database(DependencyProvider):
    """The service's own database, and the relay that publishes what its outbox holds.

    `unit_of_work` is the service's `UnitOfWork` subclass, which opens its repositories.
    """

    def __init__(self, metadata: MetaData, unit_of_work: type[UnitOfWork] = UnitOfWork) -> None:
        self.metadata = metadata
        self.unit_of_work_type = unit_of_work

    def setup(self) -> None:
        service = self.container.service_name
        settings = load_settings(service)
        setup_tracing(service, settings.otlp_endpoint)
        self.engine = create_db_engine(settings.database_url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # The cross-office path (PostgreSQL: the platform role, which row-level security lets
        # past office boundaries on the few tables it is granted): the outbox relay, roll-ups,
        # `db.platform_work()`. One URL (SQLite, an un-walled PostgreSQL) means one engine:
        # a second engine on one SQLite file would be a second writer.
        if settings.platform_database_url == settings.database_url:
            self.platform_engine = self.engine
        else:
            self.platform_engine = create_db_engine(
                settings.platform_database_url, pool_size=PLATFORM_POOL_SIZE
            )
        self.platform_sessions = sessionmaker(self.platform_engine, expire_on_commit=False)
        publisher = EventPublisher(config.get(AMQP_URI_CONFIG_KEY, settings.amqp_uri))
        self.relay = OutboxRelay(
            self.platform_sessions,
            self.metadata.tables["outbox"],
            publisher,
            service=service,
            batch_size=settings.outbox_batch_size,
            interval_seconds=settings.outbox_interval_seconds,
        )
        self.access: DatabaseAccess[Any] = DatabaseAccess(
            self.sessions,
            self.metadata,
            self.relay.wake,
            service=service,
            unit_of_work_type=self.unit_of_work_type,
            platform_sessions=self.platform_sessions,
        )
        # Every service declares the whole topology before consuming or publishing, so a
        # consume-only service still has its dead-letter queues and early events have a queue:
        # the warm start opens the relay's connection, which declares it. Here in `setup`,
        # which every extension finishes before any starts: no consumer takes an event first.
        warm_start(service, publisher)

    def start(self) -> None:
        self.container.spawn_managed_thread(self.relay.run, identifier="outbox_relay")

    def stop(self) -> None:
        self.relay.stop()
        self.relay.close()
        self.engine.dispose()
        self.platform_engine.dispose()

    def kill(self) -> None:
        self.relay.stop()
        self.relay.abandon()

    def get_dependency(self, worker_ctx: Any) -> DatabaseAccess[Any]:
        return self.access


def broker_reachable(amqp_uri: str) -> bool:
    try:
        with Connection(amqp_uri, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


class ServiceBase:
    """Health and metrics endpoints; subclasses set `name` and `db = Database(...)`.

    The endpoints are attached to each subclass, never to this class, so `nameko run <module>`
    does not mistake the imported base for a service of its own. Their method names are
    prefixed so a dependency such as `metrics = ServiceRpc("metrics")` cannot shadow them.
    """

    name: str
    db: Any
    instrumentation = Instrumentation()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for path, implementation in (
            ("/live", _live),
            ("/ready", _ready),
            ("/metrics", _metrics),
        ):
            name = f"health_{implementation.__name__.lstrip('_')}"

            def endpoint(self: Any, request: Request, _impl: Any = implementation) -> Response:
                return _impl(self, request)  # type: ignore[no-any-return]

            endpoint.__name__ = name
            setattr(cls, name, http("GET", path)(endpoint))


def _live(service: Any, request: Request) -> Response:
    return json_response(200, {"status": "live", "service": service.name})


def _ready(service: Any, request: Request) -> Response:
    checks: dict[str, str] = {}
    try:
        service.db.ping()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = type(exc).__name__
    checks["broker"] = "ok" if broker_reachable(config[AMQP_URI_CONFIG_KEY]) else "unreachable"
    ready = all(value == "ok" for value in checks.values())
    return json_response(
        200 if ready else 503,
        {"status": "ready" if ready else "not_ready", "service": service.name, "checks": checks},
    )


def _metrics(service: Any, request: Request) -> Response:
    observe_dead_letters(service.name, config[AMQP_URI_CONFIG_KEY])
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)


def observe_dead_letters(service: str, amqp_uri: str) -> None:
    """Messages waiting in this service's dead-letter queues, read at scrape time."""
    gauge = service_metric(
        "gauge", service, "dead_letter_messages", "Messages in dead-letter queues", ["queue"]
    )
    try:
        with Connection(amqp_uri, connect_timeout=2) as connection:
            channel = connection.channel()
            for subscription in SUBSCRIPTIONS:
                if subscription.consumer == service:
                    queue = dead_letter_queue(subscription)
                    _, count, _ = queue(channel).queue_declare(passive=True)
                    gauge.labels(queue.name).set(count)
    except Exception as exc:
        log.warning("could not read dead-letter queue depths (%s)", type(exc).__name__)
