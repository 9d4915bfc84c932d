"""Metrics' handlers over the fake unit of work: events through the consume wrapper, the roll-up
and the queries, in milliseconds and without a database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.chassis.consuming import consume
from services.chassis.fakes import incoming
from services.chassis.uow import MissingTenant
from services.contracts import CASE_OPENED, SUBMISSION_RECEIVED
from services.metrics import handlers
from services.metrics.domain.acknowledgements import SubmissionTiming
from services.metrics.domain.caseload import Assignment, CaseworkerLoad
from services.metrics.domain.office_stats import DailyCounts, DailyIncrement, OfficeCounts

from .events import NOW, acknowledge, assign, case_opened, open_case, receive, submission_received
from .fakes import FakeCountsAcrossOffices, FakeMetricsDatabase

LOPEZ = "rep-lopez"
CHEN = "rep-chen"
TODAY = NOW.date()


@pytest.fixture
def db() -> FakeMetricsDatabase:
    return FakeMetricsDatabase()


def roll_up(db: FakeMetricsDatabase, batch_size: int = 5000) -> int:
    return handlers.roll_up(db, batch_size, across_offices=FakeCountsAcrossOffices)


def snapshot(db: FakeMetricsDatabase) -> handlers.BusinessSnapshot:
    return handlers.business_snapshot(db, now=NOW, across_offices=FakeCountsAcrossOffices)


def test_each_event_appends_one_fact_for_its_own_office_on_its_utc_day(
    db: FakeMetricsDatabase,
) -> None:
    receive(db, LOPEZ, "s-1", at=NOW - timedelta(hours=20))
    receive(db, LOPEZ, "s-2")
    open_case(db, LOPEZ, "c-2", "s-2")
    assign(db, LOPEZ, "c-2", "u-1")
    acknowledge(db, LOPEZ, "c-2", "s-2")
    receive(db, CHEN, "s-3")

    assert [(fact.office_id, fact.day) for fact in db.metrics.facts] == [
        (LOPEZ, TODAY - timedelta(days=1)),
        *[(LOPEZ, TODAY)] * 4,
        (CHEN, TODAY),
    ]
    assert db.metrics.totals == {}
    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(2, 1, 1, 1)
    assert handlers.office_counts(db, CHEN) == OfficeCounts(received=1)
    assert handlers.office_daily(db, LOPEZ, days=2, today=TODAY) == [
        DailyCounts(TODAY - timedelta(days=1), received=1),
        DailyCounts(TODAY, received=1, opened=1, assigned=1, acknowledged=1),
    ]


def test_every_handled_event_is_claimed_in_the_inbox_and_publishes_nothing(
    db: FakeMetricsDatabase,
) -> None:
    receive(db, LOPEZ, "s-1", event_id="e-1")
    open_case(db, LOPEZ, "c-1", "s-1")

    assert ("e-1", "metrics") in db.inbox
    assert len(db.inbox) == 2
    assert db.outbox == []
    assert db.audit_log == []


def test_a_redelivered_event_is_skipped_before_its_handler_runs(db: FakeMetricsDatabase) -> None:
    receive(db, LOPEZ, "s-1", event_id="e-received")
    receive(db, LOPEZ, "s-1", at=NOW - timedelta(hours=1), event_id="e-received")
    assign(db, LOPEZ, "c-1", "u-1", event_id="e-assigned")
    assign(db, LOPEZ, "c-1", "u-2", at=NOW + timedelta(hours=1), event_id="e-assigned")

    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=1, assigned=1)
    assert handlers.caseload(db, LOPEZ) == [CaseworkerLoad("u-1", "Sam Rivera", 1)]
    with db.unit_of_work(office_id=LOPEZ) as uow:
        assert uow.timings.get("s-1") == SubmissionTiming("s-1", received_at=NOW)


def test_an_event_without_a_valid_office_is_refused_and_counts_nowhere(
    db: FakeMetricsDatabase,
) -> None:
    event = incoming(SUBMISSION_RECEIVED, submission_received("s-1", NOW), office_id="Rep Lopez")

    with pytest.raises(MissingTenant):
        consume(db, event, handlers.record_submission_received)

    assert db.metrics.facts == []
    assert db.inbox == set()


def test_a_later_assignment_moves_the_case_and_an_older_one_delivered_late_does_not(
    db: FakeMetricsDatabase,
) -> None:
    assign(db, LOPEZ, "c-1", "u-1", name="Ana Diaz")
    assign(db, LOPEZ, "c-1", "u-2", at=NOW + timedelta(hours=1), name="Ben Okafor")
    assign(db, LOPEZ, "c-1", "u-3", at=NOW - timedelta(hours=1), name="Cy Young")
    assign(db, CHEN, "c-1", "u-7", name="Li Chen")

    assert db.metrics.holders[(LOPEZ, "c-1")] == Assignment(
        "u-2", "Ben Okafor", NOW + timedelta(hours=1)
    )
    assert handlers.caseload(db, LOPEZ) == [CaseworkerLoad("u-2", "Ben Okafor", 1)]
    assert handlers.caseload(db, CHEN) == [CaseworkerLoad("u-7", "Li Chen", 1)]
    assert handlers.office_counts(db, LOPEZ).assigned == 3


def test_the_wait_is_known_once_receipt_and_acknowledgement_arrived_in_any_order(
    db: FakeMetricsDatabase,
) -> None:
    acknowledge(db, LOPEZ, "c-1", "s-1", at=NOW)
    acknowledge(db, LOPEZ, "c-1", "s-1", at=NOW - timedelta(minutes=1))
    consume(
        db,
        incoming(CASE_OPENED, case_opened("c-1", "s-1", NOW), office_id=LOPEZ),
        handlers.record_case_opened,
    )
    receive(db, LOPEZ, "s-1", at=NOW - timedelta(minutes=3))

    with db.unit_of_work(office_id=LOPEZ) as uow:
        assert uow.timings.get("s-1") == SubmissionTiming(
            "s-1", "c-1", NOW - timedelta(minutes=3), NOW - timedelta(minutes=1)
        )
    [lopez] = snapshot(db).acknowledgement_times
    assert (lopez.office_id, lopez.samples, dict(lopez.quantiles)) == (
        LOPEZ,
        1,
        {0.5: 120.0, 0.95: 120.0},
    )


def test_the_roll_up_folds_every_fact_batch_by_batch_and_changes_no_answer(
    db: FakeMetricsDatabase,
) -> None:
    for number in range(7):
        receive(db, LOPEZ if number % 2 else CHEN, f"s-{number}")
    assign(db, LOPEZ, "c-1", "u-1")
    before = (handlers.office_counts(db, LOPEZ), handlers.office_counts(db, CHEN), snapshot(db))

    assert roll_up(db, batch_size=3) == 8

    assert db.metrics.facts == []
    assert db.metrics.totals == {
        (CHEN, TODAY): DailyIncrement(received=4),
        (LOPEZ, TODAY): DailyIncrement(received=3, assigned=1),
    }
    assert (handlers.office_counts(db, LOPEZ), handlers.office_counts(db, CHEN), snapshot(db)) == (
        before
    )
    assert roll_up(db) == 0


def test_facts_counted_after_a_roll_up_add_to_the_folded_totals(db: FakeMetricsDatabase) -> None:
    receive(db, LOPEZ, "s-1")
    roll_up(db)
    receive(db, LOPEZ, "s-2")

    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=2)
    assert snapshot(db).totals == {LOPEZ: OfficeCounts(received=2)}


def test_while_another_instance_rolls_up_this_one_folds_nothing(db: FakeMetricsDatabase) -> None:
    receive(db, LOPEZ, "s-1")
    db.metrics.roll_up_running = True

    assert roll_up(db) == 0
    assert len(db.metrics.facts) == 1
    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=1)


def test_an_office_never_seen_counts_zero_every_day_and_has_no_caseload(
    db: FakeMetricsDatabase,
) -> None:
    receive(db, LOPEZ, "s-1")

    assert handlers.office_counts(db, "rep-nobody") == OfficeCounts()
    assert handlers.office_daily(db, "rep-nobody", days=2, today=TODAY) == [
        DailyCounts(TODAY - timedelta(days=1)),
        DailyCounts(TODAY),
    ]
    assert handlers.caseload(db, "rep-nobody") == []
    assert snapshot(db).totals == {LOPEZ: OfficeCounts(received=1)}


def test_a_query_for_no_valid_office_is_refused(db: FakeMetricsDatabase) -> None:
    with pytest.raises(MissingTenant):
        handlers.office_counts(db, "")
