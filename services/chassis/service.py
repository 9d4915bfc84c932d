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
from services.chassis.db import DatabaseAccess, create_db_engine
from services.chassis.http import json_response
from services.chassis.messaging import EventPublisher, dead_letter_queue
from services.chassis.observability import Instrumentation, service_metric, setup_tracing
from services.chassis.outbox import OutboxRelay
from services.contracts import SUBSCRIPTIONS

log = logging.getLogger(__name__)


class Database(DependencyProvider):
    """The service's own database, and the relay that publishes what its outbox holds."""

    def __init__(self, metadata: MetaData) -> None:
        self.metadata = metadata

    def setup(self) -> None:
        service = self.container.service_name
        settings = load_settings(service)
        setup_tracing(service, settings.otlp_endpoint)
        self.engine = create_db_engine(settings.database_url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.relay = OutboxRelay(
            self.sessions,
            self.metadata.tables["outbox"],
            EventPublisher(config.get(AMQP_URI_CONFIG_KEY, settings.amqp_uri)),
            service=service,
            batch_size=settings.outbox_batch_size,
            interval_seconds=settings.outbox_interval_seconds,
        )
        self.access = DatabaseAccess(self.sessions, self.metadata, self.relay.wake)

    def start(self) -> None:
        self.container.spawn_managed_thread(self.relay.run, identifier="outbox_relay")

    def stop(self) -> None:
        self.relay.stop()
        self.engine.dispose()

    def kill(self) -> None:
        self.relay.stop()

    def get_dependency(self, worker_ctx: Any) -> DatabaseAccess:
        return self.access


def broker_reachable(amqp_uri: str) -> bool:
    try:
        with Connection(amqp_uri, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


class ServiceBase:
    """Health and metrics endpoints; subclasses set `name` and `db = Database(...)`."""

    name: str
    db: Any
    instrumentation = Instrumentation()

    @http("GET", "/live")
    def live(self, request: Request) -> Response:
        return json_response(200, {"status": "live", "service": self.name})

    @http("GET", "/ready")
    def ready(self, request: Request) -> Response:
        checks: dict[str, str] = {}
        try:
            self.db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = type(exc).__name__
        checks["broker"] = "ok" if broker_reachable(config[AMQP_URI_CONFIG_KEY]) else "unreachable"
        ready = all(value == "ok" for value in checks.values())
        return json_response(
            200 if ready else 503,
            {"status": "ready" if ready else "not_ready", "service": self.name, "checks": checks},
        )

    @http("GET", "/metrics")
    def metrics(self, request: Request) -> Response:
        observe_dead_letters(self.name, config[AMQP_URI_CONFIG_KEY])
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
