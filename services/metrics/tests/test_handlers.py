"""Metrics' handlers and queries against a real database (SQLite and PostgreSQL), no broker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.orm import sessionmaker

from services.chassis.db import DatabaseAccess, create_db_engine
from services.contracts import (
    ACKNOWLEDGEMENT_SENT,
    CASE_ASSIGNED,
    CASE_OPENED,
    SUBMISSION_RECEIVED,
)
from services.metrics import handlers
from services.metrics.domain.caseload import CaseworkerLoad
from services.metrics.domain.office_stats import DailyCounts, OfficeCounts
from services.metrics.models import AcknowledgementTiming, Base

from .events import (
    CONSTITUENT_EMAIL,
    CONSTITUENT_NAME,
    acknowledgement_sent,
    case_assigned,
    case_opened,
    incoming,
    submission_received,
)

LOPEZ = "rep-lopez"
CHEN = "rep-chen"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def db(service_database: Callable[[str, MetaData], str]) -> Iterator[DatabaseAccess]:
    engine = create_db_engine(service_database("metrics", Base.metadata))
    yield DatabaseAccess(
        sessionmaker(engine, expire_on_commit=False), Base.metadata, on_events=lambda: None
    )
    engine.dispose()


def receive(
    db: DatabaseAccess,
    office_id: str,
    submission_id: str,
    at: datetime = NOW,
    event_id: str | None = None,
) -> None:
    payload = submission_received(submission_id, at)
    handlers.record_submission_received(
        db,
        incoming(
            SUBMISSION_RECEIVED, payload, office_id=office_id, occurred_at=at, event_id=event_id
        ),
    )


def open_case(db: DatabaseAccess, office_id: str, case_id: str, submission_id: str) -> None:
    event = incoming(
        CASE_OPENED, case_opened(case_id, submission_id, NOW), office_id=office_id, occurred_at=NOW
    )
    handlers.record_case_opened(db, event)


def assign(
    db: DatabaseAccess,
    office_id: str,
    case_id: str,
    caseworker_id: str,
    at: datetime = NOW,
    name: str = "Sam Rivera",
    event_id: str | None = None,
) -> None:
    payload = case_assigned(case_id, caseworker_id, name, at)
    handlers.record_case_assigned(
        db,
        incoming(CASE_ASSIGNED, payload, office_id=office_id, occurred_at=NOW, event_id=event_id),
    )


def acknowledge(
    db: DatabaseAccess, office_id: str, case_id: str, submission_id: str, at: datetime = NOW
) -> None:
    event = incoming(
        ACKNOWLEDGEMENT_SENT,
        acknowledgement_sent(case_id, submission_id, at),
        office_id=office_id,
        occurred_at=at,
    )
    handlers.record_acknowledgement_sent(db, event)


def timing(
    db: DatabaseAccess, office_id: str, submission_id: str
) -> tuple[datetime | None, str | None, datetime | None]:
    """(received_at, case_id, acknowledged_at) of one submission."""
    with db.read() as session:
        row = session.get(AcknowledgementTiming, (office_id, submission_id))
        assert row is not None
        return row.received_at, row.case_id, row.acknowledged_at


def test_each_event_counts_for_its_own_office_on_its_utc_day(db: DatabaseAccess) -> None:
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


def test_an_office_with_no_events_counts_zero(db: DatabaseAccess) -> None:
    receive(db, LOPEZ, "s-1")

    assert handlers.office_counts(db, "rep-nobody") == OfficeCounts()
    assert handlers.caseload(db, "rep-nobody") == []


def test_a_redelivered_event_changes_nothing(db: DatabaseAccess) -> None:
    receive(db, LOPEZ, "s-1", event_id="e-received")
    receive(db, LOPEZ, "s-1", event_id="e-received")
    assign(db, LOPEZ, "c-1", "u-1", event_id="e-assigned")
    assign(db, LOPEZ, "c-1", "u-1", event_id="e-assigned")

    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=1, assigned=1)
    assert handlers.caseload(db, LOPEZ) == [CaseworkerLoad("u-1", "Sam Rivera", 1)]


def test_a_reassignment_moves_the_case_and_a_late_old_assignment_is_ignored(
    db: DatabaseAccess,
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


def test_caseload_lists_the_busiest_caseworker_first_by_current_name(db: DatabaseAccess) -> None:
    assign(db, LOPEZ, "c-1", "u-1", name="Ana Diaz")
    assign(db, LOPEZ, "c-2", "u-2", name="Ben Okafor")
    assign(db, LOPEZ, "c-3", "u-2", name="Ben Okafor")
    assign(db, LOPEZ, "c-3", "u-2", at=NOW + timedelta(minutes=1), name="Benjamin Okafor")

    assert handlers.caseload(db, LOPEZ) == [
        CaseworkerLoad("u-2", "Benjamin Okafor", 2),
        CaseworkerLoad("u-1", "Ana Diaz", 1),
    ]


def test_the_wait_for_acknowledgement_is_recorded_whatever_order_events_arrive(
    db: DatabaseAccess,
) -> None:
    received_at = NOW - timedelta(minutes=3)
    acknowledge(db, LOPEZ, "c-1", "s-1", at=NOW)
    open_case(db, LOPEZ, "c-1", "s-1")
    receive(db, LOPEZ, "s-1", at=received_at)

    assert timing(db, LOPEZ, "s-1") == (received_at, "c-1", NOW)


def test_only_the_first_acknowledgement_counts_toward_the_wait(db: DatabaseAccess) -> None:
    receive(db, LOPEZ, "s-1", at=NOW - timedelta(minutes=5))
    acknowledge(db, LOPEZ, "c-1", "s-1", at=NOW)
    acknowledge(db, LOPEZ, "c-1", "s-1", at=NOW - timedelta(minutes=4))
    acknowledge(db, LOPEZ, "c-1", "s-1", at=NOW + timedelta(minutes=4))

    _, _, acknowledged_at = timing(db, LOPEZ, "s-1")
    assert acknowledged_at == NOW - timedelta(minutes=4)


def test_no_table_keeps_the_constituents_name_or_email(db: DatabaseAccess) -> None:
    receive(db, LOPEZ, "s-1")
    open_case(db, LOPEZ, "c-1", "s-1")
    acknowledge(db, LOPEZ, "c-1", "s-1")

    with db.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                text = " ".join(str(value) for value in row)
                assert CONSTITUENT_NAME not in text, table.name
                assert CONSTITUENT_EMAIL not in text, table.name


def test_the_snapshot_totals_each_office_and_times_only_the_last_day(db: DatabaseAccess) -> None:
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


def test_daily_rows_are_keyed_by_calendar_date(db: DatabaseAccess) -> None:
    receive(db, LOPEZ, "s-1", at=datetime(2026, 11, 23, 23, 59, 59, tzinfo=UTC))
    receive(db, LOPEZ, "s-2", at=datetime(2026, 11, 24, 0, 0, 1, tzinfo=UTC))

    assert handlers.office_daily(db, LOPEZ, days=2, today=date(2026, 11, 24)) == [
        DailyCounts(date(2026, 11, 23), received=1),
        DailyCounts(date(2026, 11, 24), received=1),
    ]
