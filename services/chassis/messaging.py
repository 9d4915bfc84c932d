"""RabbitMQ plumbing: publishing with confirms, and the `event_handler` entrypoint that
dead-letters what fails instead of dropping it. The wire form is in `envelope.py`."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

import eventlet
from amqp.exceptions import ChannelError
from kombu import Connection, Producer
from nameko import config
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer

from services.chassis.db import is_transient
from services.chassis.envelope import (
    DEAD_LETTER_EXCHANGE,
    ENVELOPE_FIELDS,
    EVENTS_EXCHANGE,
    REASON_HEADER,
    RETRIES_HEADER,
    InvalidMessage,
    consumer_queue,
    dead_letter_queue,
    declare_topology,
    decode_event,
    envelope_body,
    envelope_headers,
    new_envelope,
    safe_reason,
    subscription_for,
)
from services.chassis.errors import TransientError
from services.chassis.observability import service_metric
from services.contracts import EventContract

# Transient failures are re-published (not requeued) so they do not burn the delivery limit;
# backoff grows to MAX_BACKOFF_SECONDS, so this many retries ride out about 1.5 hours of a
# database or mail server being away before the message is dead-lettered with the reason.
TRANSIENT_RETRY_LIMIT = 200
MAX_BACKOFF_SECONDS = 30.0

__all__ = [
    "DEAD_LETTER_EXCHANGE",
    "ENVELOPE_FIELDS",
    "EVENTS_EXCHANGE",
    "REASON_HEADER",
    "RETRIES_HEADER",
    "EventHandler",
    "EventPublisher",
    "InvalidMessage",
    "UnroutableEvent",
    "consumer_queue",
    "dead_letter_queue",
    "declare_topology",
    "decode_event",
    "envelope_body",
    "envelope_headers",
    "event_handler",
    "new_envelope",
    "safe_reason",
    "subscription_for",
]

log = logging.getLogger(__name__)


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
