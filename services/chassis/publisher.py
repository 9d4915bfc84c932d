"""Publishing events with publisher confirms, a batch at a time (used by the outbox relay)."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import amqp
from kombu import Connection

from services.chassis.envelope import EVENTS_EXCHANGE, declare_topology

# A broker that stops confirming (memory or disk alarm) must not hang the relay.
CONFIRM_TIMEOUT_SECONDS = 10.0


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

    def open(self, max_retries: int = 3) -> None:
        """Connect and declare the topology now, rather than on the first publish (a
        service's warm start)."""
        self._ensure(max_retries)

    def _ensure(self, max_retries: int = 1) -> Any:
        if self._channel is None:
            connection = Connection(self._amqp_uri, connect_timeout=5)
            try:
                connection.ensure_connection(max_retries=max_retries)
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

    def abandon(self) -> None:
        """Drop the connection without the closing handshake (a container being killed): the
        broker may not answer, and a kill must not wait for it."""
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.collect()
        self._connection = None
        self._channel = None


class RefusedByBroker(Exception):
    pass


class UnroutableEvent(Exception):
    pass
