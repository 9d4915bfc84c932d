"""The roll-up against a real database (SQLite and PostgreSQL): facts folded into daily totals
exactly once, batch by batch, one instance at a time, without any answer changing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import eventlet
import pytest
from sqlalchemy import func, select, text

from services.chassis.db import create_db_engine
from services.metrics import handlers
from services.metrics.domain.office_stats import DailyCounts, OfficeCounts
from services.metrics.models import Base, OfficeDailyStats, OfficeEventFact
from services.metrics.repository import ROLL_UP_LOCK, SqlCountsAcrossOffices

from .database import MetricsDatabase
from .events import NOW, Target, acknowledge, assign, open_case, receive
from .fakes import FakeCountsAcrossOffices, FakeMetricsDatabase

LOPEZ = "rep-lopez"
CHEN = "rep-chen"
TODAY = NOW.date()


def rows(db: MetricsDatabase, model: type[Base]) -> int:
    with db.platform_work() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def across_offices(db: Target) -> handlers.AcrossOffices:
    return (
        FakeCountsAcrossOffices if isinstance(db, FakeMetricsDatabase) else SqlCountsAcrossOffices
    )


def everything_shown(db: Any) -> tuple[object, ...]:
    """Every answer an RPC method or the Prometheus collector gives, for both offices."""
    return (
        handlers.office_counts(db, LOPEZ),
        handlers.office_counts(db, CHEN),
        handlers.office_daily(db, LOPEZ, days=3, today=TODAY),
        handlers.office_daily(db, CHEN, days=3, today=TODAY),
        handlers.caseload(db, LOPEZ),
        handlers.caseload(db, CHEN),
        handlers.business_snapshot(db, now=NOW, across_offices=across_offices(db)),
    )


def busy_two_days(db: Target) -> None:
    for number in range(3):
        submission, case_id = f"s-{number}", f"c-{number}"
        receive(db, LOPEZ, submission, at=NOW - timedelta(days=1, minutes=number))
        open_case(db, LOPEZ, case_id, submission)
        assign(db, LOPEZ, case_id, f"u-{number % 2}")
        acknowledge(db, LOPEZ, case_id, submission)
    receive(db, CHEN, "s-9")


def test_counting_an_event_appends_a_fact_and_leaves_the_daily_totals_alone(
    db: MetricsDatabase,
) -> None:
    receive(db, LOPEZ, "s-1")
    receive(db, LOPEZ, "s-2")
    assign(db, LOPEZ, "c-1", "u-1")

    assert rows(db, OfficeEventFact) == 3
    assert rows(db, OfficeDailyStats) == 0
    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=2, assigned=1)


def test_a_roll_up_folds_the_facts_into_daily_totals_without_changing_any_answer(
    db: MetricsDatabase,
) -> None:
    busy_two_days(db)
    before = everything_shown(db)

    assert handlers.roll_up(db) == 13

    assert rows(db, OfficeEventFact) == 0
    assert rows(db, OfficeDailyStats) == 3  # Lopez on two days, Chen on one
    assert everything_shown(db) == before
    assert handlers.roll_up(db) == 0
    assert everything_shown(db) == before


def test_events_counted_after_a_roll_up_add_to_the_folded_totals(db: MetricsDatabase) -> None:
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


def test_the_fake_repositories_answer_as_the_real_ones_do(db: MetricsDatabase) -> None:
    fake = FakeMetricsDatabase()
    shown = []
    for target in (db, fake):
        busy_two_days(target)
        before = everything_shown(target)
        folded = handlers.roll_up(target, batch_size=4, across_offices=across_offices(target))
        assign(target, LOPEZ, "c-0", "u-9", at=NOW + timedelta(hours=1), name="Li Wei")
        acknowledge(target, CHEN, "c-9", "s-9", at=NOW + timedelta(minutes=2))
        shown.append((before, folded, everything_shown(target)))

    real, faked = shown
    assert faked == real
    assert real[1] == 13


def test_a_roll_up_folds_batch_after_batch_until_no_fact_is_left(db: MetricsDatabase) -> None:
    for number in range(7):
        receive(db, LOPEZ, f"s-{number}")

    assert handlers.roll_up(db, batch_size=3) == 7

    assert rows(db, OfficeEventFact) == 0
    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=7)


def test_roll_ups_racing_each_other_and_readers_fold_every_event_exactly_once(
    db: MetricsDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    # sqlite3 never yields to other greenthreads; let every batch start with a switch, as a
    # PostgreSQL round trip would.
    take_facts = SqlCountsAcrossOffices.take_facts

    def switch_then_take(*args: Any) -> Any:
        eventlet.sleep(0)
        return take_facts(*args)

    monkeypatch.setattr(SqlCountsAcrossOffices, "take_facts", switch_then_take)
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
    db: MetricsDatabase, database_url: str, db_backend: str
) -> None:
    if db_backend != "postgresql":
        pytest.skip("SQLite has a single writer: a second roll-up simply waits for the first")
    receive(db, LOPEZ, "s-1")
    other_instance = create_db_engine(database_url)
    with other_instance.connect() as connection, connection.begin():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROLL_UP_LOCK})

        assert handlers.roll_up(db) == 0
        assert rows(db, OfficeEventFact) == 1

    other_instance.dispose()
    assert handlers.roll_up(db) == 1
    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=1)
