"""RabbitMQ plumbing: publishing with confirms, and the `event_handler` entrypoint that
dead-letters what fails instead of dropping it. The wire form is in `envelope.py`."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

import amqp
import eventlet
from kombu import Connection, Producer
from nameko import config
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer

from services.chassis.config import load_settings
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
from services.chassis.events import IncomingEvent
from services.chassis.observability import service_metric
from services.contracts import EventContract

# Transient failures are re-published (not requeued) so they do not burn the delivery limit;
# backoff grows to MAX_BACKOFF_SECONDS, so this many retries ride out about 1.5 hours of a
# database or mail server being away before the message is dead-lettered with the reason.
TRANSIENT_RETRY_LIMIT = 200
MAX_BACKOFF_SECONDS = 30.0
CONFIRM_TIMEOUT_SECONDS = 10.0

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
    """A long-lived confirmed channel for publishing events (used by the outbox relay).

    `publish_many` sends a batch and then waits for the broker's confirms once, instead of a
    round trip per event: one relay can then publish thousands of events a second.
    """

    def __init__(self, amqp_uri: str) -> None:
        self._amqp_uri = amqp_uri
        self._connection: Connection | None = None
        self._channel: Any = None
        self._tag = 0  # the channel's last delivery tag: confirms count publishes from 1
        self._waiting: dict[int, Exception | None] = {}  # tag -> its refusal, until confirmed
        self._settled: dict[int, Exception | None] = {}
        self._tags_by_event: dict[str, int] = {}

    def _ensure(self) -> Any:
        if self._channel is None:
            connection = Connection(self._amqp_uri, connect_timeout=5)
            try:
                connection.ensure_connection(max_retries=1)
                channel = connection.channel()
                declare_topology(channel)
                channel.confirm_select()
            except Exception:
                connection.release()
                raise
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            channel.events["basic_return"].add(self._on_return)
            self._connection, self._channel, self._tag = connection, channel, 0
        return self._channel

    def publish_many(
        self, messages: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]
    ) -> list[Exception | None]:
        """Publish `(body, headers)` pairs in order (`mandatory`, persistent), then wait for
        their confirms; returns, for each, None once the broker confirmed it or the reason it
        was not (unroutable, refused, or the connection lost before its confirm)."""
        tags: list[int] = []
        try:
            channel = self._ensure()
            for body, headers in messages:
                self._tag += 1
                tags.append(self._tag)
                self._waiting[self._tag] = None
                self._tags_by_event[body["event_id"]] = self._tag
                channel.basic_publish(
                    amqp.Message(
                        json.dumps(body, separators=(",", ":")),
                        content_type="application/json",
                        content_encoding="utf-8",
                        application_headers=dict(headers),
                        delivery_mode=2,
                        message_id=body["event_id"],
                    ),
                    exchange=EVENTS_EXCHANGE.name,
                    routing_key=body["event_type"],
                    mandatory=True,
                )
            # A broker that stops confirming (memory or disk alarm) must not hang the relay.
            deadline = time.monotonic() + CONFIRM_TIMEOUT_SECONDS
            while any(tag in self._waiting for tag in tags):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("the broker did not confirm in time")
                assert self._connection is not None
                self._connection.drain_events(timeout=remaining)
        except Exception as exc:
            self.close()
            unsent = [exc] * (len(messages) - len(tags))
            return [*(self._settled.pop(tag, exc) for tag in tags), *unsent]
        finally:
            self._tags_by_event.clear()
            self._waiting.clear()
        return [self._settled.pop(tag) for tag in tags]

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._confirm(delivery_tag, multiple, None)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._confirm(delivery_tag, multiple, RefusedByBroker("the broker refused the event"))

    def _confirm(self, delivery_tag: int, multiple: bool, refusal: Exception | None) -> None:
        tags = [t for t in self._waiting if t <= delivery_tag] if multiple else [delivery_tag]
        for tag in tags:
            if tag in self._waiting:
                self._settled[tag] = self._waiting.pop(tag) or refusal

    def _on_return(self, exc: Any, exchange: str, routing_key: str, message: Any) -> None:
        # An unroutable message comes back before its (positive) confirm.
        tag = self._tags_by_event.get(message.properties.get("message_id", ""))
        if tag in self._waiting:
            self._waiting[tag] = UnroutableEvent(routing_key)

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # it is being thrown away anyway
                self._connection.release()
        self._connection = None
        self._channel = None


class RefusedByBroker(Exception):
    pass


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
    """Consume one event type from this service's durable quorum queue, in batches.

    The method receives a list of `IncomingEvent`s (up to `CASEWORK_CONSUME_BATCH_SIZE`, or
    what arrived within `CASEWORK_CONSUME_BATCH_WAIT_MS`) and returns the errors of the events
    that failed, by event id (`db.consume_batch` does both). Each message is then settled on its
    own: acked when its effects committed; re-published after a backoff on a transient failure;
    dead-lettered with a reason on any other failure. If the method raises, every message of
    the batch is settled with that error. Nothing is dropped.
    """

    def __init__(self, contract: EventContract, **kwargs: Any) -> None:
        self.contract = contract
        # A deliberate "not yet, retry later" is logged as a warning, not as a failure.
        kwargs.setdefault("expected_exceptions", (TransientError,))
        super().__init__(queue=None, **kwargs)

    def setup(self) -> None:
        service = self.container.service_name
        self.subscription = subscription_for(service, self.contract.event_type)
        self.queue = consumer_queue(self.subscription)
        self.consumer_name = f"{service}.{self.method_name}"
        settings = load_settings(service)
        self.batch_size = settings.consume_batch_size
        self.batch_wait = settings.consume_batch_wait_seconds
        # Enough prefetched for a full batch while the one before it is being committed.
        self.consumer_options.setdefault(
            "prefetch_count", max(2 * self.batch_size, config.get("PREFETCH_COUNT", 0) or 0)
        )
        self._waiting: list[tuple[IncomingEvent[Any], Any]] = []
        self._flush_timer: Any = None
        self._dead_lettered = service_metric(
            "counter",
            service,
            "events_dead_lettered_total",
            "Events moved to a dead-letter queue",
            ["event_type"],
        )
        self._retried = service_metric(
            "counter",
            service,
            "events_retried_total",
            "Events re-published after a transient failure",
            ["event_type"],
        )
        self._consumed = service_metric(
            "counter",
            service,
            "events_consumed_total",
            "Events settled by a consumer: ok (effects committed), retried or dead_lettered",
            ["entrypoint", "outcome"],
        )
        self._batch_sizes = service_metric(
            "histogram",
            service,
            "event_batch_size",
            "Events handled together in one transaction",
            ["event_type"],
            buckets=(1, 2, 5, 10, 20, 50, 100, 200),
        )
        super().setup()

    def stop(self) -> None:
        self._drop_waiting()
        super().stop()

    def kill(self) -> None:
        self._drop_waiting()
        super().kill()

    def _drop_waiting(self) -> None:
        """Stopping: a batch still filling goes back to the queue instead of starting a worker
        against dependencies that are being stopped."""
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        waiting, self._waiting = self._waiting, []
        for _, message in waiting:
            self.consumer.requeue_message(message)

    def handle_message(self, body: Any, message: Any) -> None:
        try:
            incoming = decode_event(body, self.contract)
        except InvalidMessage as exc:
            self._dead_letter(message, safe_reason(exc))
            return
        self._waiting.append((incoming, message))
        if len(self._waiting) >= self.batch_size or self.batch_wait <= 0:
            self._flush()
        elif self._flush_timer is None:
            self._flush_timer = eventlet.spawn_after(self.batch_wait, self._flush)

    def _flush(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        batch, self._waiting = self._waiting, []
        if not batch:
            return
        # The same event twice in one batch (published again after a lost confirm) is handled
        # once; both messages are settled by its outcome.
        events = list({incoming.event_id: incoming for incoming, _ in batch}.values())
        self._batch_sizes.labels(self.contract.event_type).observe(len(batch))
        # The worker's span continues the first event's trace (the others are linked to it).
        context_data = {
            "traceparent": events[0].traceparent,
            "correlation_id": events[0].correlation_id,
        }
        handle_result = partial(self.handle_result, batch)

        def spawn_worker() -> None:
            try:
                self.container.spawn_worker(
                    self,
                    (events,),
                    {},
                    context_data=context_data,
                    handle_result=handle_result,
                )
            except ContainerBeingKilled:
                for _, message in batch:
                    self.consumer.requeue_message(message)

        # As in nameko's Consumer: never block the AMQP consumer thread on a full worker pool.
        self.container.spawn_managed_thread(
            spawn_worker, identifier=f"EventHandler.wait_for_worker_pool[{self.consumer_name}]"
        )

    def handle_message_processed(
        self, batch: Any, result: Any = None, exc_info: Any = None
    ) -> None:
        failures: Mapping[str, BaseException] = result or {}
        later: list[tuple[Any, int]] = []
        for incoming, message in batch:
            exc = exc_info[1] if exc_info is not None else failures.get(incoming.event_id)
            if exc is None:
                self.consumer.ack_message(message)
                self._consumed.labels(self.method_name, "ok").inc()
                continue
            retries = int((message.headers or {}).get(RETRIES_HEADER, 0))
            if (isinstance(exc, TransientError) or is_transient(exc)) and (
                retries < TRANSIENT_RETRY_LIMIT
            ):
                later.append((message, retries))
                continue
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
        if later:
            # One backoff for the batch (the fewest retries so far sets it), then each goes back.
            eventlet.sleep(min(MAX_BACKOFF_SECONDS, 0.2 * 2 ** min(r for _, r in later)))
            for message, retries in later:
                self._retry_later(message, retries)

    def _retry_later(self, message: Any, retries: int) -> None:
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
        self._consumed.labels(self.method_name, "retried").inc()
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
        self._consumed.labels(self.method_name, "dead_lettered").inc()
        self.consumer.ack_message(message)


event_handler = EventHandler.decorator
