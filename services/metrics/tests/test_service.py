"""Metrics' real container against a real broker and both databases: events in, counts out by
RPC and on /metrics."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from kombu import Connection, Producer
from nameko.standalone.rpc import ClusterRpcClient
from nameko.testing.services import entrypoint_hook
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import MetaData, create_engine, func, select

from services.chassis.errors import ValidationFailed
from services.chassis.messaging import (
    EVENTS_EXCHANGE,
    REASON_HEADER,
    dead_letter_queue,
    envelope_headers,
)
from services.chassis.testing import envelope, wait_until
from services.contracts import (
    ACKNOWLEDGEMENT_SENT,
    CASE_ASSIGNED,
    CASE_CLOSED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    SATISFACTION_RATED,
    SUBMISSION_RECEIVED,
    SUBSCRIPTIONS,
    EventContract,
)
from services.metrics.models import Base, OfficeEventFact
from services.metrics.service import MetricsService

from .events import (
    acknowledgement_sent,
    case_assigned,
    case_closed,
    case_opened,
    case_status_changed,
    satisfaction_rated,
    submission_received,
)

LOPEZ = "rep-lopez"
CHEN = "rep-chen"
WORKERS = 20

Event = tuple[EventContract, dict[str, Any], str]


@dataclass
class Metrics:
    base: str
    amqp_uri: str
    container: Any
    database_url: str  # the administrator's, which sees every office

    def scrape(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Every sample on /metrics, keyed by name and sorted labels."""
        response = requests.get(f"{self.base}/metrics", timeout=5)
        assert response.status_code == 200
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }

    def publish(self, events: Iterable[Event], event_id: str | None = None) -> None:
        publish(self.amqp_uri, events, event_id)


def publish(amqp_uri: str, events: Iterable[Event], event_id: str | None = None) -> None:
    """Publish as producers' relays do, over one connection, as fast as the broker confirms."""
    with (
        Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection,
        connection.channel() as channel,
    ):
        producer = Producer(channel, exchange=EVENTS_EXCHANGE)
        for contract, payload, office_id in events:
            body = envelope(contract, payload, office_id=office_id, event_id=event_id)
            producer.publish(
                json.dumps(body),
                headers=envelope_headers(body),
                routing_key=contract.event_type,
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                mandatory=True,
            )


@pytest.fixture
def metrics_service(
    service_database: Callable[[str, MetaData], str],
    amqp_uri: str,
    web_address: str,
    container_factory: Any,
) -> Callable[[], Metrics]:
    """Start metrics with several workers, so handlers really run side by side."""
    database_url = service_database("metrics", Base.metadata)

    def start() -> Metrics:
        container = container_factory(
            MetricsService, {"max_workers": WORKERS, "PREFETCH_COUNT": WORKERS}
        )
        container.start()
        return Metrics(
            base=f"http://{web_address}",
            amqp_uri=amqp_uri,
            container=container,
            database_url=database_url,
        )

    return start


@pytest.fixture
def metrics(metrics_service: Callable[[], Metrics]) -> Metrics:
    return metrics_service()


def handled(entrypoint: str) -> float:
    """Events this process's metrics containers have handled without error so far."""
    value = REGISTRY.get_sample_value(
        "casework_metrics_events_consumed_total", {"entrypoint": entrypoint, "outcome": "ok"}
    )
    return value or 0.0


def rpc(method: str, **kwargs: Any) -> Any:
    with ClusterRpcClient(timeout=10) as client:
        return getattr(client.metrics, method)(**kwargs)


def one_submission(
    office_id: str, *, waited: timedelta, caseworker: tuple[str, str] = ("u-1", "Sam Rivera")
) -> list[Event]:
    """The four events of one submission's journey, acknowledged `waited` after receipt."""
    submission_id, case_id = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC)
    received_at = now - waited
    return [
        (SUBMISSION_RECEIVED, submission_received(submission_id, received_at), office_id),
        (CASE_OPENED, case_opened(case_id, submission_id, received_at), office_id),
        (CASE_ASSIGNED, case_assigned(case_id, *caseworker, received_at), office_id),
        (ACKNOWLEDGEMENT_SENT, acknowledgement_sent(case_id, submission_id, now), office_id),
    ]


COUNTS = ("received", "opened", "assigned", "acknowledged")


def counts_reach(office_id: str, expected: dict[str, int]) -> Callable[[], bool]:
    """The office's counts (not its outcomes) reach `expected`."""

    def reached() -> bool:
        answer = rpc("office_counts", office_id=office_id)
        return {name: answer[name] for name in COUNTS} == expected

    return reached


def test_events_of_two_offices_are_counted_for_each_office_apart(metrics: Metrics) -> None:
    metrics.publish(
        one_submission(LOPEZ, waited=timedelta(seconds=60))
        + one_submission(LOPEZ, waited=timedelta(seconds=90), caseworker=("u-2", "Ana Diaz"))
        + one_submission(CHEN, waited=timedelta(seconds=30), caseworker=("u-7", "Li Chen"))
    )

    lopez = {"received": 2, "opened": 2, "assigned": 2, "acknowledged": 2}
    wait_until(counts_reach(LOPEZ, lopez), message=f"{LOPEZ} never reached {lopez}")
    chen = {"received": 1, "opened": 1, "assigned": 1, "acknowledged": 1}
    wait_until(counts_reach(CHEN, chen), message=f"{CHEN} never reached {chen}")

    daily = rpc("office_daily", office_id=LOPEZ, days=2)
    assert [entry["day"] for entry in daily] == [
        (datetime.now(UTC).date() - timedelta(days=offset)).isoformat() for offset in (1, 0)
    ]
    assert sum(entry["received"] for entry in daily) == 2
    assert sum(entry["acknowledged"] for entry in daily) == 2
    assert rpc("caseload", office_id=LOPEZ) == [
        {"caseworker_id": "u-2", "name": "Ana Diaz", "open_cases": 1},
        {"caseworker_id": "u-1", "name": "Sam Rivera", "open_cases": 1},
    ]
    assert rpc("caseload", office_id=CHEN) == [
        {"caseworker_id": "u-7", "name": "Li Chen", "open_cases": 1}
    ]


def test_the_same_event_delivered_twice_is_counted_once(metrics: Metrics) -> None:
    handled_before = handled("record_submission_received")
    event_id = str(uuid.uuid4())
    journey = one_submission(LOPEZ, waited=timedelta(seconds=5))
    metrics.publish(journey[:1], event_id=event_id)
    metrics.publish(journey[:1], event_id=event_id)

    wait_until(
        lambda: handled("record_submission_received") - handled_before == 2,
        message="both deliveries were not handled",
    )
    assert rpc("office_counts", office_id=LOPEZ)["received"] == 1


def test_metrics_endpoint_shows_each_offices_series_from_the_database(metrics: Metrics) -> None:
    metrics.publish(
        one_submission(LOPEZ, waited=timedelta(seconds=60))
        + one_submission(LOPEZ, waited=timedelta(seconds=120))
        + one_submission(CHEN, waited=timedelta(seconds=30))
    )
    wait_until(counts_reach(LOPEZ, {"received": 2, "opened": 2, "assigned": 2, "acknowledged": 2}))
    wait_until(counts_reach(CHEN, {"received": 1, "opened": 1, "assigned": 1, "acknowledged": 1}))

    samples = metrics.scrape()

    def office(name: str, office_id: str, **labels: str) -> float:
        key = tuple(sorted({"office": office_id, **labels}.items()))
        return samples[(f"casework_metrics_office_{name}", key)]

    assert office("submissions_received_total", LOPEZ) == 2
    assert office("submissions_received_total", CHEN) == 1
    assert office("cases_opened_total", LOPEZ) == 2
    assert office("acknowledgements_sent_total", CHEN) == 1
    assert office("acknowledgements_timed", LOPEZ) == 2
    assert office("time_to_acknowledgement_seconds", LOPEZ, quantile="0.5") == pytest.approx(60)
    assert office("time_to_acknowledgement_seconds", LOPEZ, quantile="0.95") == pytest.approx(120)
    assert office("time_to_acknowledgement_seconds", CHEN, quantile="0.5") == pytest.approx(30)
    assert samples[("casework_metrics_read_models_up", ())] == 1


def test_closures_and_status_changes_reach_the_report_the_caseload_and_metrics(
    metrics: Metrics,
) -> None:
    now = datetime.now(UTC)
    opened = now - timedelta(days=3)
    metrics.publish(
        [
            # Delivered before the assignment it follows, from another queue.
            (CASE_STATUS_CHANGED, case_status_changed("c-1", "open", "resolved", now), LOPEZ),
            (CASE_ASSIGNED, case_assigned("c-1", "u-1", "Ana Diaz", opened), LOPEZ),
            (CASE_ASSIGNED, case_assigned("c-2", "u-1", "Ana Diaz", opened), LOPEZ),
            (
                CASE_ASSIGNED,
                case_assigned("c-2", "u-2", "Ben Okafor", opened + timedelta(hours=1), "manual"),
                LOPEZ,
            ),
            (
                CASE_CLOSED,
                case_closed(
                    "c-1",
                    obtained=("payment_released",),
                    amount_minor=412_000,
                    currency="USD",
                    opened_at=opened,
                    closed_at=now,
                ),
                LOPEZ,
            ),
            (CASE_CLOSED, case_closed("c-9", result="unfavourable"), CHEN),
            (SATISFACTION_RATED, satisfaction_rated("c-1", 5, now), LOPEZ),
        ]
    )

    def lopez_report() -> Any:
        answer = rpc("office_counts", office_id=LOPEZ)
        done = (answer["closed"], answer["assigned"], answer["satisfaction"]["ratings"])
        return answer if done == (1, 3, 1) else None

    answer = wait_until(lopez_report, message="the closure was never reported")
    assert answer == {
        "received": 0,
        "opened": 0,
        "assigned": 3,
        "acknowledged": 0,
        "closed": 1,
        "closed_by_result": {"favourable": 1},
        "obtained": {"payment_released": 1},
        "money_recovered": [{"currency": "USD", "amount_minor": 412_000}],
        "median_days_to_close": 3.0,
        "satisfaction": {
            "ratings": 1,
            "by_rating": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1},
            "average": 5.0,
        },
    }
    wait_until(
        lambda: (
            rpc("caseload", office_id=LOPEZ)
            == [{"caseworker_id": "u-2", "name": "Ben Okafor", "open_cases": 1}]
        ),
        message="the resolved case stayed in Ana's load or the reassigned one did not move",
    )
    wait_until(lambda: rpc("office_counts", office_id=CHEN)["closed"] == 1)

    samples = metrics.scrape()
    closures = ("casework_metrics_office_case_closures_total", (("office", LOPEZ),))
    assert samples[closures] == 1
    to_close = ("casework_metrics_office_time_to_close_seconds_sum", (("office", LOPEZ),))
    assert samples[to_close] == pytest.approx(3 * 86_400, abs=1)
    assert (
        samples[("casework_metrics_office_time_to_close_seconds_count", (("office", CHEN),))] == 1
    )
    assert (
        samples[("casework_metrics_case_status_changes_total", (("to_status", "resolved"),))] >= 1
    )
    assert (
        samples[("casework_metrics_money_recovered_minor_total", (("currency", "USD"),))] >= 412_000
    )
    rated = (("office", LOPEZ),)
    assert samples[("casework_metrics_office_satisfaction_rating_count", rated)] == 1
    assert samples[("casework_metrics_office_satisfaction_rating_sum", rated)] == 5
    assert samples[("casework_metrics_satisfaction_ratings_total", (("rating", "5"),))] >= 1


def unfolded_facts(database_url: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(OfficeEventFact))
    engine.dispose()
    return int(count or 0)


def test_the_roll_up_timer_folds_every_fact_and_no_answer_or_series_changes(
    metrics: Metrics,
) -> None:
    metrics.publish(
        one_submission(LOPEZ, waited=timedelta(seconds=60))
        + one_submission(LOPEZ, waited=timedelta(seconds=120), caseworker=("u-2", "Ana Diaz"))
        + one_submission(CHEN, waited=timedelta(seconds=30))
    )
    wait_until(counts_reach(LOPEZ, {"received": 2, "opened": 2, "assigned": 2, "acknowledged": 2}))
    wait_until(counts_reach(CHEN, {"received": 1, "opened": 1, "assigned": 1, "acknowledged": 1}))

    def shown() -> tuple[Any, ...]:
        business = {
            key: value
            for key, value in metrics.scrape().items()
            if key[0].startswith("casework_metrics_office_")
        }
        answers = [
            rpc(method, office_id=office_id)
            for method in ("office_counts", "office_daily", "caseload")
            for office_id in (LOPEZ, CHEN)
        ]
        return business, answers

    before = shown()
    assert unfolded_facts(metrics.database_url) == 12

    with entrypoint_hook(metrics.container, "roll_up_counts") as roll_up_counts:
        roll_up_counts()

    assert unfolded_facts(metrics.database_url) == 0
    assert shown() == before


def test_rpc_arguments_are_validated_and_named_in_the_error(metrics: Metrics) -> None:
    with pytest.raises(ValidationFailed) as bad_office:
        rpc("office_counts", office_id="Rep Lopez; DROP TABLE")
    assert set(bad_office.value.fields) == {"office_id"}

    for days in (0, 367, "30"):
        with pytest.raises(ValidationFailed) as bad_days:
            rpc("office_daily", office_id=LOPEZ, days=days)
        assert set(bad_days.value.fields) == {"days"}

    assert rpc("office_counts", office_id="rep-nobody") == {
        "received": 0,
        "opened": 0,
        "assigned": 0,
        "acknowledged": 0,
        "closed": 0,
        "closed_by_result": {},
        "obtained": {},
        "money_recovered": [],
        "median_days_to_close": None,
        "satisfaction": {
            "ratings": 0,
            "by_rating": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
            "average": None,
        },
    }
    assert len(rpc("office_daily", office_id=LOPEZ)) == 30


def test_fifty_events_at_once_for_one_office_and_day_count_exactly_fifty(
    metrics_service: Callable[[], Metrics], amqp_uri: str
) -> None:
    now = datetime.now(UTC)
    received = [
        (SUBMISSION_RECEIVED, submission_received(str(uuid.uuid4()), now), LOPEZ) for _ in range(50)
    ]
    assigned = [
        (CASE_ASSIGNED, case_assigned(str(uuid.uuid4()), "u-1", "Sam Rivera", now), LOPEZ)
        for _ in range(50)
    ]
    # Queued before the service starts, so its workers take them WORKERS at a time.
    publish(amqp_uri, received + assigned)
    received_before = handled("record_submission_received")
    assigned_before = handled("record_case_assigned")

    metrics_service()

    wait_until(
        lambda: (
            handled("record_submission_received") - received_before == 50
            and handled("record_case_assigned") - assigned_before == 50
        ),
        timeout=30,
        message="not every event was handled",
    )
    assert counts_reach(LOPEZ, {"received": 50, "opened": 0, "assigned": 50, "acknowledged": 0})()
    assert rpc("caseload", office_id=LOPEZ) == [
        {"caseworker_id": "u-1", "name": "Sam Rivera", "open_cases": 50}
    ]


def test_an_event_metrics_cannot_read_is_dead_lettered_even_on_a_fresh_broker(
    metrics_service: Callable[[], Metrics],
    amqp_uri: str,
    publish_event: Callable[..., dict[str, Any]],
) -> None:
    dead_letter_queue_name = "metrics--cases.case_assigned.dlq"
    with Connection(amqp_uri) as connection, connection.channel() as channel:
        # As on a broker where no producer has run yet: only metrics itself can declare these.
        for subscription in SUBSCRIPTIONS:
            if subscription.consumer == "metrics":
                dead_letter_queue(subscription)(channel).delete()
    metrics_service()
    body = envelope(
        CASE_ASSIGNED,
        case_assigned("c-1", "u-1", "Sam Rivera", datetime.now(UTC)),
        office_id=LOPEZ,
    )
    body["payload"]["assigned_at"] = "the day before yesterday"

    publish_event(CASE_ASSIGNED, {}, office_id=LOPEZ, raw_body=body)

    def dead_letter() -> Any:
        with Connection(amqp_uri) as connection, connection.channel() as channel:
            return channel.basic_get(dead_letter_queue_name, no_ack=True)

    message = wait_until(dead_letter, message="the unreadable event was not dead-lettered")
    reason = message.headers[REASON_HEADER]
    assert "assigned_at" in reason
    assert "the day before yesterday" not in reason
    assert rpc("office_counts", office_id=LOPEZ)["assigned"] == 0
