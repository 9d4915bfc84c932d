"""RabbitMQ plumbing: publishing with confirms, and the `event_handler` entrypoint that
dead-letters what fails instead of dropping it. The wire form is in `envelope.py`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

import eventlet
from kombu import Connection, Producer
from nameko import config
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer

from services.chassis import rpc_errors  # noqa: F401 (registers the errors RPC carries)
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

__all__ = [
    "DEAD_LETTER_EXCHANGE",
    "ENVELOPE_FIELDS",
    "EVENTS_EXCHANGE",
    "REASON_HEADER",
    "RETRIES_HEADER",
    "EventHandler",
    "InvalidMessage",
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
        self._send_again(
            message,
            headers,
            exchange="",
            outcome="retried",
            counter=self._retried,
            on_failure="could not re-publish for retry; requeueing instead",
        )

    def _dead_letter(self, message: Any, reason: str) -> None:
        headers = dict(message.headers or {})
        headers[REASON_HEADER] = reason
        headers["x-casework-failed-at"] = datetime.now(UTC).isoformat()
        headers["x-casework-queue"] = self.subscription.queue
        # Never drop: if this fails it is put back; the delivery limit dead-letters it if this
        # persists.
        self._send_again(
            message,
            headers,
            exchange=DEAD_LETTER_EXCHANGE.name,
            outcome="dead_lettered",
            counter=self._dead_lettered,
            on_failure="could not dead-letter; requeueing",
        )

    def _send_again(
        self,
        message: Any,
        headers: dict[str, Any],
        *,
        exchange: str,
        outcome: str,
        counter: Any,
        on_failure: str,
    ) -> None:
        """Publish the message again with these headers (to its own queue, or the dead letters),
        counted and acked only once the broker has it; a failed publish requeues it instead."""
        try:
            _raw_publish(
                config[AMQP_URI_CONFIG_KEY],
                message,
                exchange=exchange,
                routing_key=self.subscription.queue,
                headers=headers,
            )
        except Exception:
            log.exception(on_failure)
            self.consumer.requeue_message(message)
            return
        counter.labels(self.contract.event_type).inc()
        self._consumed.labels(self.method_name, outcome).inc()
        self.consumer.ack_message(message)


event_handler = EventHandler.decorator
