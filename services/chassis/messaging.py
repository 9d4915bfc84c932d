"""RabbitMQ plumbing: topology, the event envelope, publishing with confirms, and the
`event_handler` entrypoint that dead-letters what fails instead of dropping it."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

import eventlet
from amqp.exceptions import ChannelError
from kombu import Connection, Exchange, Producer, Queue
from marshmallow import ValidationError
from nameko import config
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer

from services.chassis.db import IncomingEvent, is_transient
from services.chassis.errors import CaseworkError, PermanentMessageError, TransientError
from services.chassis.observability import service_metric
from services.contracts import SUBSCRIPTIONS, EventContract, Subscription

log = logging.getLogger(__name__)

EVENTS_EXCHANGE = Exchange("casework.events", type="topic", durable=True)
DEAD_LETTER_EXCHANGE = Exchange("casework.dlx", type="direct", durable=True)

# Redeliveries before RabbitMQ dead-letters a message itself. Every return of an unacked
# message counts (a consumer killed or restarted with up to PREFETCH_COUNT messages in hand),
# so this is well above what restarts add up to; a handler that fails dead-letters the
# message itself at once. Must be identical in every declarer, so not configurable.
DELIVERY_LIMIT = 50
# Transient failures are re-published (not requeued) so they do not burn the delivery limit;
# backoff grows to MAX_BACKOFF_SECONDS, so this many retries ride out about 1.5 hours of a
# database or mail server being away before the message is dead-lettered with the reason.
TRANSIENT_RETRY_LIMIT = 200
MAX_BACKOFF_SECONDS = 30.0

ENVELOPE_FIELDS = (
    "event_id",
    "event_type",
    "schema_version",
    "office_id",
    "occurred_at",
    "correlation_id",
    "causation_id",
    "traceparent",
)
REASON_HEADER = "x-casework-reason"
RETRIES_HEADER = "x-casework-retries"


def consumer_queue(subscription: Subscription) -> Queue:
    return Queue(
        subscription.queue,
        exchange=EVENTS_EXCHANGE,
        routing_key=subscription.event_type,
        durable=True,
        queue_arguments={
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
            "x-dead-letter-routing-key": subscription.queue,
            "x-delivery-limit": DELIVERY_LIMIT,
            # The broker's own dead-lettering (delivery limit) must not lose the message either.
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        },
    )


def dead_letter_queue(subscription: Subscription) -> Queue:
    return Queue(
        f"{subscription.queue}.dlq",
        exchange=DEAD_LETTER_EXCHANGE,
        routing_key=subscription.queue,
        durable=True,
        # Replicated like the queues it backs: a dead letter survives a node outage.
        queue_arguments={"x-queue-type": "quorum"},
    )


def subscription_for(consumer: str, event_type: str) -> Subscription:
    for subscription in SUBSCRIPTIONS:
        if subscription.consumer == consumer and subscription.event_type == event_type:
            return subscription
    raise LookupError(
        f"{consumer} consumes {event_type} but services/contracts does not list that "
        "subscription; add it so producers declare the queue"
    )


def declare_topology(channel: Any, subscriptions: Iterable[Subscription] = SUBSCRIPTIONS) -> None:
    """Declare every exchange, consumer queue and dead-letter queue (idempotent).

    Every service declares the whole topology at start-up, so an event published before its
    consumer ever ran waits in a durable queue instead of being unroutable.
    """
    EVENTS_EXCHANGE(channel).declare()
    DEAD_LETTER_EXCHANGE(channel).declare()
    for subscription in subscriptions:
        consumer_queue(subscription)(channel).declare()
        dead_letter_queue(subscription)(channel).declare()


def envelope_headers(row: Mapping[str, Any]) -> dict[str, Any]:
    headers = {name: row[name] for name in ENVELOPE_FIELDS if row.get(name) is not None}
    headers["occurred_at"] = _iso(row["occurred_at"])
    return headers


def envelope_body(row: Mapping[str, Any], payload: Mapping[str, Any]) -> dict[str, Any]:
    body = {name: row.get(name) for name in ENVELOPE_FIELDS}
    body["occurred_at"] = _iso(row["occurred_at"])
    body["payload"] = dict(payload)
    return body


def new_envelope(
    contract: EventContract,
    payload: Mapping[str, Any],
    *,
    office_id: str,
    event_id: str | None = None,
) -> dict[str, Any]:
    """An event as its producer's relay sends it, for tools that publish without an outbox
    (tests, benchmarks). The payload is checked against its contract on the way."""
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "event_type": contract.event_type,
        "schema_version": contract.version,
        "office_id": office_id,
        "occurred_at": datetime.now(UTC).isoformat(),
        "correlation_id": str(uuid.uuid4()),
        "causation_id": None,
        "traceparent": None,
        "payload": contract.dump(payload),
    }


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


class InvalidMessage(PermanentMessageError):
    pass


def decode_event(body: Any, contract: EventContract) -> IncomingEvent:
    """Read an envelope and its payload; anything malformed is a permanent failure."""
    try:
        return _decode_event(body, contract)
    except InvalidMessage:
        raise
    except Exception as exc:
        # Whatever else a malformed envelope trips over, it must be dead-lettered, never crash
        # the consumer (which would redeliver it, and its neighbours, forever).
        raise InvalidMessage(f"malformed envelope ({type(exc).__name__})") from None


def _decode_event(body: Any, contract: EventContract) -> IncomingEvent:
    if not isinstance(body, Mapping):
        raise InvalidMessage("body is not a JSON object")
    missing = [
        name
        for name in ("event_id", "event_type", "office_id", "occurred_at")
        if not body.get(name)
    ]
    if missing:
        raise InvalidMessage(f"envelope lacks {', '.join(missing)}")
    if body["event_type"] != contract.event_type:
        raise InvalidMessage(f"expected {contract.event_type}, got {body['event_type']}")
    try:
        occurred_at = datetime.fromisoformat(str(body["occurred_at"]))
    except ValueError:
        raise InvalidMessage("occurred_at is not an ISO 8601 timestamp") from None
    try:
        payload = contract.load(body.get("payload") or {})
    except ValidationError as exc:
        # Field names only: values may be personal data and must not reach the DLQ reason.
        fields = sorted(exc.messages_dict) if isinstance(exc.messages, dict) else []
        raise InvalidMessage(f"invalid payload fields: {', '.join(fields)}") from None
    return IncomingEvent(
        event_id=str(body["event_id"]),
        event_type=str(body["event_type"]),
        schema_version=int(body.get("schema_version") or 1),
        office_id=str(body["office_id"]),
        occurred_at=occurred_at if occurred_at.tzinfo else occurred_at.replace(tzinfo=UTC),
        correlation_id=str(body.get("correlation_id") or body["event_id"]),
        causation_id=body.get("causation_id"),
        traceparent=body.get("traceparent"),
        payload=payload,
    )


def safe_reason(exc: BaseException) -> str:
    """A dead-letter reason without personal data: our own messages, else the type only."""
    if isinstance(exc, CaseworkError | PermanentMessageError):
        return f"{type(exc).__name__}: {exc}"[:250]
    return type(exc).__name__


class EventPublisher:
    """A long-lived confirmed channel for publishing events (used by the outbox relay)."""

    def __init__(self, amqp_uri: str) -> None:
        self._amqp_uri = amqp_uri
        self._connection: Connection | None = None
        self._producer: Producer | None = None

    def _ensure(self) -> Producer:
        if self._producer is None:
            connection = Connection(
                self._amqp_uri, transport_options={"confirm_publish": True}, connect_timeout=5
            )
            try:
                connection.ensure_connection(max_retries=1)
                channel = connection.channel()
                declare_topology(channel)
            except Exception:
                connection.release()
                raise
            self._connection = connection
            self._producer = Producer(channel, exchange=EVENTS_EXCHANGE)
        return self._producer

    def publish(self, body: Mapping[str, Any], headers: Mapping[str, Any]) -> None:
        """Publish one event; returns once the broker confirmed it. Raises if unroutable."""
        producer = self._ensure()
        try:
            producer.publish(
                dict(body),
                routing_key=body["event_type"],
                headers=dict(headers),
                delivery_mode=2,
                mandatory=True,
                serializer="json",
                message_id=body["event_id"],
                retry=False,
                # A broker that stops confirming (memory or disk alarm) must not hang the relay.
                confirm_timeout=10,
            )
        except ChannelError as exc:
            self.close()
            if "NO_ROUTE" in str(exc):
                raise UnroutableEvent(body["event_type"]) from None
            raise
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # it is being thrown away anyway
                self._connection.release()
        self._connection = None
        self._producer = None


class UnroutableEvent(Exception):
    pass


def _raw_publish(
    amqp_uri: str, message: Any, *, exchange: str, routing_key: str, headers: dict[str, Any]
) -> None:
    with (
        Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection,
        connection.channel() as channel,
    ):
        Producer(channel).publish(
            message.body,
            exchange=exchange,
            routing_key=routing_key,
            headers=headers,
            content_type=message.content_type,
            content_encoding=message.content_encoding,
            delivery_mode=2,
            # Unroutable (no such queue) must fail loudly so the caller requeues, not drop it.
            mandatory=True,
            retry=True,
            retry_policy={"max_retries": 3},
        )


class EventHandler(Consumer):
    """Consume one event type from this service's durable quorum queue.

    The method receives an `IncomingEvent`. On success the message is acked; on a transient
    failure it is re-published after a backoff; on any other failure it is dead-lettered with a
    reason and acked. Nothing is dropped.
    """

    def __init__(self, contract: EventContract, **kwargs: Any) -> None:
        self.contract = contract
        # A deliberate "not yet, retry later" is logged as a warning, not as a failure.
        kwargs.setdefault("expected_exceptions", (TransientError,))
        super().__init__(queue=None, **kwargs)

    def setup(self) -> None:
        self.subscription = subscription_for(self.container.service_name, self.contract.event_type)
        self.queue = consumer_queue(self.subscription)
        self.consumer_name = f"{self.container.service_name}.{self.method_name}"
        self._dead_lettered = service_metric(
            "counter",
            self.container.service_name,
            "events_dead_lettered_total",
            "Events moved to a dead-letter queue",
            ["event_type"],
        )
        self._retried = service_metric(
            "counter",
            self.container.service_name,
            "events_retried_total",
            "Events re-published after a transient failure",
            ["event_type"],
        )
        super().setup()

    def handle_message(self, body: Any, message: Any) -> None:
        try:
            incoming = decode_event(body, self.contract)
        except InvalidMessage as exc:
            self._dead_letter(message, safe_reason(exc))
            return

        context_data = {
            "traceparent": incoming.traceparent,
            "correlation_id": incoming.correlation_id,
        }
        handle_result = partial(self.handle_result, message)

        def spawn_worker() -> None:
            try:
                self.container.spawn_worker(
                    self,
                    (incoming,),
                    {},
                    context_data=context_data,
                    handle_result=handle_result,
                )
            except ContainerBeingKilled:
                self.consumer.requeue_message(message)

        # As in nameko's Consumer: never block the AMQP consumer thread on a full worker pool.
        self.container.spawn_managed_thread(
            spawn_worker, identifier=f"EventHandler.wait_for_worker_pool[{self.consumer_name}]"
        )

    def handle_message_processed(
        self, message: Any, result: Any = None, exc_info: Any = None
    ) -> None:
        if exc_info is None:
            self.consumer.ack_message(message)
            return
        exc = exc_info[1]
        retries = int((message.headers or {}).get(RETRIES_HEADER, 0))
        if (isinstance(exc, TransientError) or is_transient(exc)) and (
            retries < TRANSIENT_RETRY_LIMIT
        ):
            self._retry_later(message, retries)
        else:
            reason = safe_reason(exc)
            if retries >= TRANSIENT_RETRY_LIMIT:
                reason = f"still failing after {retries} retries: {reason}"
            log.error(
                "dead-lettering %s from %s: %s",
                self.contract.event_type,
                self.subscription.queue,
                reason,
            )
            self._dead_letter(message, reason)

    def _retry_later(self, message: Any, retries: int) -> None:
        eventlet.sleep(min(MAX_BACKOFF_SECONDS, 0.2 * 2**retries))
        headers = dict(message.headers or {})
        headers[RETRIES_HEADER] = retries + 1
        try:
            _raw_publish(
                config[AMQP_URI_CONFIG_KEY],
                message,
                exchange="",
                routing_key=self.subscription.queue,
                headers=headers,
            )
        except Exception:
            log.exception("could not re-publish for retry; requeueing instead")
            self.consumer.requeue_message(message)
            return
        self._retried.labels(self.contract.event_type).inc()
        self.consumer.ack_message(message)

    def _dead_letter(self, message: Any, reason: str) -> None:
        headers = dict(message.headers or {})
        headers[REASON_HEADER] = reason
        headers["x-casework-failed-at"] = datetime.now(UTC).isoformat()
        headers["x-casework-queue"] = self.subscription.queue
        try:
            _raw_publish(
                config[AMQP_URI_CONFIG_KEY],
                message,
                exchange=DEAD_LETTER_EXCHANGE.name,
                routing_key=self.subscription.queue,
                headers=headers,
            )
        except Exception:
            # Never drop: put it back; the delivery limit dead-letters it if this persists.
            log.exception("could not dead-letter; requeueing")
            self.consumer.requeue_message(message)
            return
        self._dead_lettered.labels(self.contract.event_type).inc()
        self.consumer.ack_message(message)


event_handler = EventHandler.decorator
