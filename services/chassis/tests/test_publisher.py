"""The relay's publisher against a real broker: a batch goes out and is confirmed in one wait,
in order, in the wire form consumers decode; an unroutable event is reported, not dropped."""

from __future__ import annotations

import json
from typing import Any

from kombu import Connection

from services.chassis.envelope import consumer_queue, decode_event, subscription_for
from services.chassis.messaging import new_envelope
from services.chassis.publisher import EventPublisher, UnroutableEvent
from services.contracts import CASE_ASSIGNED

from .test_event_handler import assigned

QUEUE = consumer_queue(subscription_for("metrics", CASE_ASSIGNED.event_type))


def envelope(case_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    body = new_envelope(CASE_ASSIGNED, assigned(case_id), office_id="rep-a")
    headers = {key: value for key, value in body.items() if key != "payload"}
    return body, headers


def queued(amqp_uri: str) -> list[Any]:
    messages = []
    with Connection(amqp_uri) as connection, connection.channel() as channel:
        while (message := channel.basic_get(QUEUE.name, no_ack=True)) is not None:
            messages.append(message)
    return messages


def test_a_batch_is_confirmed_in_order_in_the_form_consumers_decode(amqp_uri: str) -> None:
    publisher = EventPublisher(amqp_uri)
    batch = [envelope(f"c-{n}") for n in range(120)]
    try:
        assert publisher.publish_many(batch) == [None] * 120
        # The same channel goes on: delivery tags keep counting.
        assert publisher.publish_many([envelope("c-120")]) == [None]
    finally:
        publisher.close()

    messages = queued(amqp_uri)
    assert [m.properties["message_id"] for m in messages[:120]] == [b["event_id"] for b, _ in batch]
    first = messages[0]
    assert first.properties["delivery_mode"] == 2
    assert first.headers["office_id"] == "rep-a"
    assert first.properties["content_type"] == "application/json"
    event = decode_event(json.loads(first.body), CASE_ASSIGNED)
    assert event.payload.case_id == "c-0" and event.event_id == batch[0][0]["event_id"]
    assert len(messages) == 121


def test_an_unroutable_event_is_reported_and_its_neighbours_confirmed(amqp_uri: str) -> None:
    publisher = EventPublisher(amqp_uri)
    lost_body, lost_headers = envelope("c-x")
    lost_body = {**lost_body, "event_type": "nobody.listens_to_this"}
    try:
        outcomes = publisher.publish_many(
            [envelope("c-1"), (lost_body, lost_headers), envelope("c-2")]
        )
    finally:
        publisher.close()

    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], UnroutableEvent)
    assert len(queued(amqp_uri)) == 2


def test_a_broker_that_cannot_be_reached_fails_every_event_of_the_batch() -> None:
    publisher = EventPublisher("amqp://guest:guest@127.0.0.1:1/")
    outcomes = publisher.publish_many([envelope("c-1"), envelope("c-2")])
    assert len(outcomes) == 2 and all(isinstance(outcome, Exception) for outcome in outcomes)


def test_an_abandoned_publisher_drops_its_connection_and_connects_again_when_next_used(
    amqp_uri: str,
) -> None:
    """A container being killed abandons the relay's connection without the closing handshake;
    a publisher used again afterwards opens a fresh one."""
    publisher = EventPublisher(amqp_uri)
    try:
        assert publisher.publish_many([envelope("c-1")]) == [None]
        socket = publisher._connection.connection.sock  # type: ignore[union-attr]
        publisher.abandon()
        assert socket.fileno() == -1  # closed here, without waiting on the broker
        assert publisher.publish_many([envelope("c-2")]) == [None]
    finally:
        publisher.close()
    assert len(queued(amqp_uri)) == 2
