"""The `event_handler` entrypoint against a real broker: ack, retry, dead-letter, replay."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from kombu import Connection
from sqlalchemy import MetaData

from services.chassis import dlq
from services.chassis.consuming import Failures
from services.chassis.errors import TransientError
from services.chassis.events import IncomingEvent
from services.chassis.messaging import REASON_HEADER, event_handler, new_envelope
from services.chassis.service import Database, ServiceBase
from services.chassis.testing import wait_until
from services.chassis.uow import UnitOfWork
from services.contracts import CASE_ASSIGNED, CaseAssigned

from .test_unit_of_work import Base

QUEUE = "metrics--cases.case_assigned"
calls: list[str] = []
behaviour: dict[str, Any] = {}


class RecordingService(ServiceBase):
    """Stands in for a consumer: `metrics` does subscribe to `cases.case_assigned`."""

    name = "metrics"
    db = Database(Base.metadata)

    @event_handler(CASE_ASSIGNED)
    def on_assigned(self, events: list[IncomingEvent[CaseAssigned]]) -> Failures:
        return self.db.consume_batch(events, record_call)


def record_call(uow: UnitOfWork, event: IncomingEvent[CaseAssigned]) -> None:
    case_id = event.payload.case_id
    calls.append(case_id)
    mode = behaviour.get(case_id)
    if mode == "bug":
        raise ValueError("a bug in the handler")
    if isinstance(mode, int) and mode > 0:
        behaviour[case_id] = mode - 1
        raise TransientError("database restarting")


def assigned(case_id: str) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "caseworker_id": "u-1",
        "caseworker_name": "Sam Rivera",
        "method": "round_robin",
        "assigned_at": "2026-11-23T10:00:00+00:00",
    }


@pytest.fixture
def consumer(
    service_database: Callable[[str, MetaData], str],
    amqp_uri: str,
    web_address: str,
    container_factory: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    calls.clear()
    behaviour.clear()
    monkeypatch.setattr("services.chassis.messaging.MAX_BACKOFF_SECONDS", 0.1)
    # Long enough for a test's events, published one after another, to make one batch.
    monkeypatch.setenv("CASEWORK_CONSUME_BATCH_WAIT_MS", "300")
    service_database("metrics", Base.metadata)
    container_factory(RecordingService).start()
    return amqp_uri


def dead_letters(amqp_uri: str) -> list[Any]:
    messages = []
    with Connection(amqp_uri) as connection, connection.channel() as channel:
        while (message := channel.basic_get(f"{QUEUE}.dlq", no_ack=True)) is not None:
            messages.append(message)
    return messages


@pytest.fixture(params=["sqlite"])
def db_backend(request: pytest.FixtureRequest) -> str:
    # The broker behaviour is what is under test here; the database is incidental.
    return str(request.param)


def test_a_handled_event_is_acked_once(consumer: str, publish_event: Any) -> None:
    publish_event(CASE_ASSIGNED, assigned("c-1"), office_id="rep-a")
    wait_until(lambda: calls == ["c-1"])
    assert dead_letters(consumer) == []


def test_a_failing_handler_dead_letters_the_event_with_its_reason(
    consumer: str, publish_event: Any
) -> None:
    behaviour["c-2"] = "bug"
    envelope = publish_event(CASE_ASSIGNED, assigned("c-2"), office_id="rep-a")

    letters = wait_until(lambda: dead_letters(consumer), message="nothing dead-lettered")

    assert calls == ["c-2"]
    [letter] = letters
    assert letter.headers[REASON_HEADER] == "ValueError"
    assert json.loads(letter.body)["event_id"] == envelope["event_id"]


def test_an_invalid_payload_is_dead_lettered_naming_the_fields_without_values(
    consumer: str, publish_event: Any
) -> None:
    body = {
        "event_id": "e-bad",
        "event_type": "cases.case_assigned",
        "schema_version": 1,
        "office_id": "rep-a",
        "occurred_at": "2026-11-23T10:00:00+00:00",
        "payload": {"case_id": "c-3", "caseworker_id": "u-1", "method": "by_lottery"},
    }
    publish_event(CASE_ASSIGNED, {}, office_id="rep-a", raw_body=body)

    [letter] = wait_until(lambda: dead_letters(consumer))

    reason = letter.headers[REASON_HEADER]
    assert "caseworker_name" in reason and "method" in reason and "by_lottery" not in reason
    assert calls == []


def test_an_event_without_a_valid_office_is_dead_lettered_before_any_handler_runs(
    consumer: str, publish_event: Any
) -> None:
    body = {**new_envelope(CASE_ASSIGNED, assigned("c-9"), office_id="rep-a"), "office_id": "*"}
    publish_event(CASE_ASSIGNED, {}, office_id="rep-a", raw_body=body)

    [letter] = wait_until(lambda: dead_letters(consumer))

    assert "office_id is not an office id" in letter.headers[REASON_HEADER]
    assert calls == []


def test_transient_failures_are_retried_until_they_pass(consumer: str, publish_event: Any) -> None:
    behaviour["c-4"] = 2
    publish_event(CASE_ASSIGNED, assigned("c-4"), office_id="rep-a")

    wait_until(lambda: calls == ["c-4", "c-4", "c-4"], message=f"calls: {calls}")
    assert dead_letters(consumer) == []


def test_dead_letters_can_be_listed_counted_and_replayed_once_the_bug_is_fixed(
    consumer: str, publish_event: Any, web_address: str
) -> None:
    behaviour["c-5"] = "bug"
    publish_event(CASE_ASSIGNED, assigned("c-5"), office_id="rep-a")
    wait_until(lambda: dlq.counts(consumer)[f"{QUEUE}.dlq"] == 1)
    [letter] = dlq.peek(consumer, QUEUE)
    assert letter.reason == "ValueError" and letter.event_type == "cases.case_assigned"
    assert dlq.counts(consumer)[f"{QUEUE}.dlq"] == 1, "peeking must not consume"
    metrics = requests.get(f"http://{web_address}/metrics", timeout=5).text
    assert f'casework_metrics_dead_letter_messages{{queue="{QUEUE}.dlq"}} 1.0' in metrics

    del behaviour["c-5"]
    assert dlq.replay(consumer, QUEUE) == 1

    wait_until(lambda: calls == ["c-5", "c-5"])
    assert dlq.counts(consumer)[f"{QUEUE}.dlq"] == 0


def test_a_malformed_envelope_is_dead_lettered_and_the_consumer_keeps_going(
    consumer: str, publish_event: Any
) -> None:
    body = {
        "event_id": "e-odd",
        "event_type": "cases.case_assigned",
        "schema_version": "v1",
        "office_id": "rep-a",
        "occurred_at": "2026-11-23T10:00:00+00:00",
        "payload": assigned("c-6"),
    }
    publish_event(CASE_ASSIGNED, {}, office_id="rep-a", raw_body=body)
    [letter] = wait_until(lambda: dead_letters(consumer))
    assert letter.headers[REASON_HEADER] == "InvalidMessage: malformed envelope (ValueError)"

    publish_event(CASE_ASSIGNED, assigned("c-7"), office_id="rep-a")
    wait_until(lambda: calls == ["c-7"], message="the consumer stopped after a malformed message")


def test_a_poison_event_in_a_batch_is_dead_lettered_alone_and_its_neighbours_are_handled(
    consumer: str, publish_event: Any
) -> None:
    behaviour["c-12"] = "bug"
    acked_before = _settled("ok")
    sent = [
        publish_event(CASE_ASSIGNED, assigned(f"c-{n}"), office_id="rep-a") for n in range(10, 15)
    ]

    [letter] = wait_until(lambda: dead_letters(consumer), message="nothing dead-lettered")

    assert json.loads(letter.body)["event_id"] == sent[2]["event_id"]
    assert letter.headers[REASON_HEADER] == "ValueError"
    handled = [case for case in calls if case != "c-12"]
    # In one batch: tried with its neighbours, then the batch again without it, then alone.
    assert sorted(set(handled)) == ["c-10", "c-11", "c-13", "c-14"]
    assert calls.count("c-12") == 2
    wait_until(lambda: _settled("ok") == acked_before + 4, message="neighbours never acked")


def _settled(outcome: str) -> float:
    from prometheus_client import REGISTRY

    value = REGISTRY.get_sample_value(
        "casework_metrics_events_consumed_total", {"entrypoint": "on_assigned", "outcome": outcome}
    )
    return value or 0.0


def test_the_same_event_twice_in_one_batch_is_handled_once_and_both_messages_acked(
    consumer: str, publish_event: Any
) -> None:
    acked_before = _settled("ok")
    first = publish_event(CASE_ASSIGNED, assigned("c-20"), office_id="rep-a")
    publish_event(CASE_ASSIGNED, assigned("c-20"), office_id="rep-a", event_id=first["event_id"])

    wait_until(lambda: _settled("ok") == acked_before + 2, message="both copies never acked")
    assert calls == ["c-20"]
    assert dead_letters(consumer) == []
