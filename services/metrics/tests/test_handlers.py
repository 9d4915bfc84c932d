"""Metrics' handlers and queries against a real database (SQLite and PostgreSQL), no broker."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import permutations

import eventlet
from sqlalchemy import Engine, select

from services.metrics import handlers
from services.metrics.domain.acknowledgements import SubmissionTiming
from services.metrics.domain.caseload import CaseworkerLoad
from services.metrics.domain.office_stats import DailyCounts, OfficeCounts
from services.metrics.models import Base

from .database import MetricsDatabase
from .events import (
    CONSTITUENT_EMAIL,
    CONSTITUENT_NAME,
    NOW,
    acknowledge,
    assign,
    open_case,
    receive,
)

LOPEZ = "rep-lopez"
CHEN = "rep-chen"
TODAY = NOW.date()


def timing(
    db: MetricsDatabase, office_id: str, submission_id: str
) -> tuple[datetime | None, str | None, datetime | None]:
    """(received_at, case_id, acknowledged_at) of one submission."""
    with db.unit_of_work(office_id=office_id) as uow:
        known = uow.timings.get(submission_id)
    assert known is not None
    return known.received_at, known.case_id, known.acknowledged_at


def test_each_event_counts_for_its_own_office_on_its_utc_day(db: MetricsDatabase) -> None:
    yesterday_evening = NOW - timedelta(hours=20)
    receive(db, LOPEZ, "s-1", at=yesterday_evening)
    receive(db, LOPEZ, "s-2")
    open_case(db, LOPEZ, "c-2", "s-2")
    assign(db, LOPEZ, "c-2", "u-1")
    acknowledge(db, LOPEZ, "c-2", "s-2")
    receive(db, CHEN, "s-3")

    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(2, 1, 1, 1)
    assert handlers.office_counts(db, CHEN) == OfficeCounts(received=1)
    assert handlers.office_daily(db, LOPEZ, days=3, today=TODAY) == [
        DailyCounts(TODAY - timedelta(days=2)),
        DailyCounts(TODAY - timedelta(days=1), received=1),
        DailyCounts(TODAY, received=1, opened=1, assigned=1, acknowledged=1),
    ]
    assert handlers.office_daily(db, CHEN, days=1, today=TODAY) == [DailyCounts(TODAY, received=1)]


def test_an_office_with_no_events_counts_zero(db: MetricsDatabase) -> None:
    receive(db, LOPEZ, "s-1")

    assert handlers.office_counts(db, "rep-nobody") == OfficeCounts()
    assert handlers.caseload(db, "rep-nobody") == []


def test_a_redelivered_event_changes_nothing(db: MetricsDatabase) -> None:
    receive(db, LOPEZ, "s-1", event_id="e-received")
    receive(db, LOPEZ, "s-1", event_id="e-received")
    assign(db, LOPEZ, "c-1", "u-1", event_id="e-assigned")
    assign(db, LOPEZ, "c-1", "u-1", event_id="e-assigned")

    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=1, assigned=1)
    assert handlers.caseload(db, LOPEZ) == [CaseworkerLoad("u-1", "Sam Rivera", 1)]


def test_a_reassignment_moves_the_case_and_a_late_old_assignment_is_ignored(
    db: MetricsDatabase,
) -> None:
    assign(db, LOPEZ, "c-1", "u-1", at=NOW, name="Ana Diaz")
    assign(db, LOPEZ, "c-2", "u-1", at=NOW, name="Ana Diaz")
    assign(db, LOPEZ, "c-1", "u-2", at=NOW + timedelta(hours=1), name="Ben Okafor")
    # Delivered late: c-2 went to u-2 *before* it went to u-1.
    assign(db, LOPEZ, "c-2", "u-2", at=NOW - timedelta(hours=1), name="Ben Okafor")
    assign(db, CHEN, "c-9", "u-1", name="Someone at another office")

    assert handlers.caseload(db, LOPEZ) == [
        CaseworkerLoad("u-1", "Ana Diaz", 1),
        CaseworkerLoad("u-2", "Ben Okafor", 1),
    ]
    assert handlers.office_counts(db, LOPEZ).assigned == 4
    assert handlers.caseload(db, CHEN) == [CaseworkerLoad("u-1", "Someone at another office", 1)]


def test_a_caseworker_whose_cases_all_moved_away_holds_no_caseload(db: MetricsDatabase) -> None:
    assign(db, LOPEZ, "c-1", "u-1", name="Ana Diaz")
    assign(db, LOPEZ, "c-1", "u-2", at=NOW + timedelta(hours=1), name="Ben Okafor")

    assert handlers.caseload(db, LOPEZ) == [CaseworkerLoad("u-2", "Ben Okafor", 1)]


def test_caseload_lists_the_busiest_caseworker_first_by_current_name(db: MetricsDatabase) -> None:
    assign(db, LOPEZ, "c-1", "u-1", name="Ana Diaz")
    assign(db, LOPEZ, "c-2", "u-2", name="Ben Okafor")
    assign(db, LOPEZ, "c-3", "u-2", name="Ben Okafor")
    assign(db, LOPEZ, "c-3", "u-2", at=NOW + timedelta(minutes=1), name="Benjamin Okafor")

    assert handlers.caseload(db, LOPEZ) == [
        CaseworkerLoad("u-2", "Benjamin Okafor", 2),
        CaseworkerLoad("u-1", "Ana Diaz", 1),
    ]


def test_the_wait_for_acknowledgement_is_recorded_whatever_order_events_arrive(
    db: MetricsDatabase,
) -> None:
    received_at = NOW - timedelta(minutes=3)
    acknowledge(db, LOPEZ, "c-1", "s-1", at=NOW)
    open_case(db, LOPEZ, "c-1", "s-1")
    receive(db, LOPEZ, "s-1", at=received_at)

    assert timing(db, LOPEZ, "s-1") == (received_at, "c-1", NOW)


def test_only_the_first_acknowledgement_counts_toward_the_wait(db: MetricsDatabase) -> None:
    receive(db, LOPEZ, "s-1", at=NOW - timedelta(minutes=5))
    acknowledge(db, LOPEZ, "c-1", "s-1", at=NOW)
    acknowledge(db, LOPEZ, "c-1", "s-1", at=NOW - timedelta(minutes=4))
    acknowledge(db, LOPEZ, "c-1", "s-1", at=NOW + timedelta(minutes=4))

    _, _, acknowledged_at = timing(db, LOPEZ, "s-1")
    assert acknowledged_at == NOW - timedelta(minutes=4)


RECEIVED_AT, FIRST_ACK = NOW - timedelta(minutes=5), NOW - timedelta(minutes=4)


def tell(db: MetricsDatabase, part: str, submission: str) -> SubmissionTiming:
    """Handle the event that tells one part of a submission's timing; that part."""
    if part == "received":
        receive(db, LOPEZ, submission, at=RECEIVED_AT)
        return SubmissionTiming(submission, received_at=RECEIVED_AT)
    if part == "opened":
        open_case(db, LOPEZ, "c-1", submission)
        return SubmissionTiming(submission, case_id="c-1")
    at = NOW if part == "acknowledged" else FIRST_ACK
    acknowledge(db, LOPEZ, "c-1", submission, at=at)
    return SubmissionTiming(submission, "c-1", acknowledged_at=at)


def test_the_stored_timing_is_what_the_merge_rule_gives_in_every_order(
    db: MetricsDatabase,
) -> None:
    parts = ("received", "opened", "acknowledged", "acknowledged earlier")
    for number, order in enumerate(permutations(parts)):
        submission = f"s-{number}"
        merged: SubmissionTiming | None = None
        for part in order:
            told = tell(db, part, submission)
            merged = told if merged is None else merged.merge(told)

        with db.unit_of_work(office_id=LOPEZ) as uow:
            stored = uow.timings.get(submission)
        assert stored == merged == SubmissionTiming(submission, "c-1", RECEIVED_AT, FIRST_ACK)


def test_no_table_keeps_the_constituents_name_or_email(db: MetricsDatabase, admin: Engine) -> None:
    receive(db, LOPEZ, "s-1")
    open_case(db, LOPEZ, "c-1", "s-1")
    acknowledge(db, LOPEZ, "c-1", "s-1")

    with admin.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                text = " ".join(str(value) for value in row)
                assert CONSTITUENT_NAME not in text, table.name
                assert CONSTITUENT_EMAIL not in text, table.name


def test_the_snapshot_totals_each_office_and_times_only_the_last_day(db: MetricsDatabase) -> None:
    for number, wait in enumerate([60, 120, 600]):
        submission = f"s-{number}"
        receive(db, LOPEZ, submission, at=NOW - timedelta(seconds=wait))
        acknowledge(db, LOPEZ, f"c-{number}", submission, at=NOW)
    # Acknowledged two days ago: outside the window.
    receive(db, LOPEZ, "s-old", at=NOW - timedelta(days=2, hours=1))
    acknowledge(db, LOPEZ, "c-old", "s-old", at=NOW - timedelta(days=2))
    # Acknowledged but its submission not seen yet: no wait to measure.
    acknowledge(db, CHEN, "c-9", "s-9", at=NOW)
    receive(db, CHEN, "s-10")

    snapshot = handlers.business_snapshot(db, now=NOW)

    assert snapshot.totals == {
        CHEN: OfficeCounts(received=1, acknowledged=1),
        LOPEZ: OfficeCounts(received=4, acknowledged=4),
    }
    [lopez] = snapshot.acknowledgement_times
    assert lopez.office_id == LOPEZ
    assert lopez.samples == 3
    assert dict(lopez.quantiles) == {0.5: 120.0, 0.95: 600.0}


def test_daily_rows_are_keyed_by_calendar_date(db: MetricsDatabase) -> None:
    receive(db, LOPEZ, "s-1", at=datetime(2026, 11, 23, 23, 59, 59, tzinfo=UTC))
    receive(db, LOPEZ, "s-2", at=datetime(2026, 11, 24, 0, 0, 1, tzinfo=UTC))

    assert handlers.office_daily(db, LOPEZ, days=2, today=date(2026, 11, 24)) == [
        DailyCounts(date(2026, 11, 23), received=1),
        DailyCounts(date(2026, 11, 24), received=1),
    ]


def test_fifty_events_handled_at_once_count_fifty_and_load_one_caseworker_with_fifty(
    db: MetricsDatabase,
) -> None:
    pool = eventlet.GreenPool(20)
    for number in range(50):
        pool.spawn(receive, db, LOPEZ, f"s-{number}")
        pool.spawn(assign, db, LOPEZ, f"c-{number}", "u-1")
    pool.waitall()

    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=50, assigned=50)
    assert handlers.caseload(db, LOPEZ) == [CaseworkerLoad("u-1", "Sam Rivera", 50)]
