"""Metrics' handlers and queries against a real database (SQLite and PostgreSQL), no broker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import eventlet
import pytest
from sqlalchemy import MetaData, func, select, text
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
from services.metrics.models import (
    AcknowledgementTiming,
    Base,
    OfficeDailyStats,
    OfficeEventFact,
)

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
def database_url(service_database: Callable[[str, MetaData], str]) -> str:
    return service_database("metrics", Base.metadata)


@pytest.fixture
def db(database_url: str) -> Iterator[DatabaseAccess]:
    engine = create_db_engine(database_url)
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


def test_a_caseworker_whose_cases_all_moved_away_holds_no_caseload(db: DatabaseAccess) -> None:
    assign(db, LOPEZ, "c-1", "u-1", name="Ana Diaz")
    assign(db, LOPEZ, "c-1", "u-2", at=NOW + timedelta(hours=1), name="Ben Okafor")

    assert handlers.caseload(db, LOPEZ) == [CaseworkerLoad("u-2", "Ben Okafor", 1)]


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


def rows(db: DatabaseAccess, model: type[Base]) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def everything_shown(db: DatabaseAccess) -> tuple[object, ...]:
    """Every answer an RPC method or the Prometheus collector gives, for both offices."""
    return (
        handlers.office_counts(db, LOPEZ),
        handlers.office_counts(db, CHEN),
        handlers.office_daily(db, LOPEZ, days=3, today=TODAY),
        handlers.office_daily(db, CHEN, days=3, today=TODAY),
        handlers.caseload(db, LOPEZ),
        handlers.business_snapshot(db, now=NOW),
    )


def busy_two_days(db: DatabaseAccess) -> None:
    for number in range(3):
        submission, case_id = f"s-{number}", f"c-{number}"
        receive(db, LOPEZ, submission, at=NOW - timedelta(days=1, minutes=number))
        open_case(db, LOPEZ, case_id, submission)
        assign(db, LOPEZ, case_id, f"u-{number % 2}")
        acknowledge(db, LOPEZ, case_id, submission)
    receive(db, CHEN, "s-9")


def test_counting_an_event_appends_a_fact_and_leaves_the_daily_totals_alone(
    db: DatabaseAccess,
) -> None:
    receive(db, LOPEZ, "s-1")
    receive(db, LOPEZ, "s-2")
    assign(db, LOPEZ, "c-1", "u-1")

    assert rows(db, OfficeEventFact) == 3
    assert rows(db, OfficeDailyStats) == 0
    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=2, assigned=1)


def test_a_roll_up_folds_the_facts_into_daily_totals_without_changing_any_answer(
    db: DatabaseAccess,
) -> None:
    busy_two_days(db)
    before = everything_shown(db)

    assert handlers.roll_up(db) == 13

    assert rows(db, OfficeEventFact) == 0
    assert rows(db, OfficeDailyStats) == 3  # Lopez on two days, Chen on one
    assert everything_shown(db) == before
    assert handlers.roll_up(db) == 0
    assert everything_shown(db) == before


def test_events_counted_after_a_roll_up_add_to_the_folded_totals(db: DatabaseAccess) -> None:
    receive(db, LOPEZ, "s-1")
    open_case(db, LOPEZ, "c-1", "s-1")
    handlers.roll_up(db)
    receive(db, LOPEZ, "s-2")

    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=2, opened=1)
    assert handlers.office_daily(db, LOPEZ, days=1, today=TODAY) == [
        DailyCounts(TODAY, received=2, opened=1)
    ]
    handlers.roll_up(db)
    assert handlers.business_snapshot(db, now=NOW).totals == {
        LOPEZ: OfficeCounts(received=2, opened=1)
    }


def test_a_roll_up_folds_batch_after_batch_until_no_fact_is_left(db: DatabaseAccess) -> None:
    for number in range(7):
        receive(db, LOPEZ, f"s-{number}")

    assert handlers.roll_up(db, batch_size=3) == 7

    assert rows(db, OfficeEventFact) == 0
    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=7)


def test_roll_ups_racing_each_other_and_readers_fold_every_event_exactly_once(
    db: DatabaseAccess, monkeypatch: pytest.MonkeyPatch
) -> None:
    # sqlite3 never yields to other greenthreads; let every batch start with a switch, as a
    # PostgreSQL round trip would.
    take_facts = handlers._take_facts

    def switch_then_take(*args: Any) -> Any:
        eventlet.sleep(0)
        return take_facts(*args)

    monkeypatch.setattr(handlers, "_take_facts", switch_then_take)
    for number in range(120):
        receive(db, LOPEZ if number % 3 else CHEN, f"s-{number}")
    expected = {LOPEZ: OfficeCounts(received=80), CHEN: OfficeCounts(received=40)}
    seen: list[tuple[dict[str, OfficeCounts], int]] = []
    rolling = True

    def read_while_rolling() -> None:
        while rolling:
            seen.append((handlers.business_snapshot(db, now=NOW).totals, rows(db, OfficeEventFact)))
            eventlet.sleep(0)

    reader = eventlet.spawn(read_while_rolling)
    racers = [eventlet.spawn(handlers.roll_up, db, 7) for _ in range(2)]
    folded = [racer.wait() for racer in racers]
    rolling = False
    reader.wait()

    assert sum(folded) == 120
    assert rows(db, OfficeEventFact) == 0
    assert handlers.business_snapshot(db, now=NOW).totals == expected
    # Every read made while the roll-ups ran saw each event exactly once...
    assert [totals for totals, _ in seen] == [expected] * len(seen)
    # ...and some of them were made half-way, with facts and totals both holding counts.
    assert any(0 < facts < 120 for _, facts in seen)


def test_while_one_instance_rolls_up_another_folds_nothing(
    db: DatabaseAccess, database_url: str, db_backend: str
) -> None:
    if db_backend != "postgresql":
        pytest.skip("SQLite has a single writer: a second roll-up simply waits for the first")
    receive(db, LOPEZ, "s-1")
    other_instance = create_db_engine(database_url)
    with other_instance.connect() as connection, connection.begin():
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": handlers.ROLL_UP_LOCK}
        )

        assert handlers.roll_up(db) == 0
        assert rows(db, OfficeEventFact) == 1

    other_instance.dispose()
    assert handlers.roll_up(db) == 1
    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=1)


def test_fifty_events_handled_at_once_count_fifty_and_load_one_caseworker_with_fifty(
    db: DatabaseAccess,
) -> None:
    pool = eventlet.GreenPool(20)
    for number in range(50):
        pool.spawn(receive, db, LOPEZ, f"s-{number}")
        pool.spawn(assign, db, LOPEZ, f"c-{number}", "u-1")
    pool.waitall()

    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=50, assigned=50)
    assert handlers.caseload(db, LOPEZ) == [CaseworkerLoad("u-1", "Sam Rivera", 50)]
