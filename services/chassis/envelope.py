"""The wire form of events: exchanges, durable queues with their dead-letter queues, the
envelope every event travels in, and reading it back into a typed `IncomingEvent`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from kombu import Exchange, Queue
from marshmallow import ValidationError

from services.chassis.errors import CaseworkError, PermanentMessageError
from services.chassis.events import IncomingEvent
from services.chassis.schemas import is_office_id
from services.contracts import SUBSCRIPTIONS, EventContract, Subscription

EVENTS_EXCHANGE = Exchange("casework.events", type="topic", durable=True)
DEAD_LETTER_EXCHANGE = Exchange("casework.dlx", type="direct", durable=True)

# Redeliveries before RabbitMQ dead-letters a message itself. Every return of an unacked
# message counts (a consumer killed or restarted with up to PREFETCH_COUNT messages in hand),
# so this is well above what restarts add up to; a handler that fails dead-letters the
# message itself at once. Must be identical in every declarer, so not configurable.
DELIVERY_LIMIT = 50

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


def decode_event(body: Any, contract: EventContract) -> IncomingEvent[Any]:
    """Read an envelope and its payload; anything malformed is a permanent failure."""
    try:
        return _decode_event(body, contract)
    except InvalidMessage:
        raise
    except Exception as exc:
        # Whatever else a malformed envelope trips over, it must be dead-lettered, never crash
        # the consumer (which would redeliver it, and its neighbours, forever).
        raise InvalidMessage(f"malformed envelope ({type(exc).__name__})") from None


TRACE_ID_LENGTH = 64


def _short(value: Any) -> str | None:
    return str(value)[:TRACE_ID_LENGTH] if value else None


def _decode_event(body: Any, contract: EventContract) -> IncomingEvent[Any]:
    if not isinstance(body, Mapping):
        raise InvalidMessage("body is not a JSON object")
    missing = [
        name
        for name in ("event_id", "event_type", "office_id", "occurred_at")
        if not body.get(name)
    ]
    if missing:
        raise InvalidMessage(f"envelope lacks {', '.join(missing)}")
    if not isinstance(body["office_id"], str) or not is_office_id(body["office_id"]):
        # Every consumer works in the event's office: without a valid one there is no tenant.
        raise InvalidMessage("envelope office_id is not an office id")
    if body["event_type"] != contract.event_type:
        raise InvalidMessage(f"expected {contract.event_type}, got {body['event_type']}")
    try:
        occurred_at = datetime.fromisoformat(str(body["occurred_at"]))
    except ValueError:
        raise InvalidMessage("occurred_at is not an ISO 8601 timestamp") from None
    try:
        payload = contract.load_typed(body.get("payload") or {})
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
        # Cut to what the outbox keeps (64): a foreign producer's long id must not make every
        # event it causes fail for good.
        correlation_id=str(body.get("correlation_id") or body["event_id"])[:TRACE_ID_LENGTH],
        causation_id=_short(body.get("causation_id")),
        traceparent=_short(body.get("traceparent")),
        payload=payload,
    )


def safe_reason(exc: BaseException) -> str:
    """A dead-letter reason without personal data: our own messages, else the type only."""
    if isinstance(exc, CaseworkError | PermanentMessageError):
        return f"{type(exc).__name__}: {exc}"[:250]
    return type(exc).__name__
