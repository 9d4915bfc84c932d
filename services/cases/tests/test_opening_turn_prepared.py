"""On PostgreSQL an opening's turn is a statement prepared once on each connection of the apart
engine and executed by name (adapters/rotation.py): planned once, not at every opening while
the office's lock is held. A connection whose server forgot the name, or whose plan a migration
made stale, prepares it again and the opening goes on; so does one whose plan has grown old."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from services.cases.adapters.rotation import PREPARE_TURN, TURN_STATEMENT, apart_engine
from services.cases.tests.conftest import Office
from services.cases.tests.test_routing_sql import opening, this_years
from services.chassis import prepared
from services.chassis.statement_log import statements_with
from services.chassis.testing import schema_changed


@pytest.fixture
def roster(office: Office, db_backend: str) -> Office:
    if db_backend != "postgresql":
        pytest.skip("SQLite takes turns inside the opening's transaction, with no statement apart")
    office.add_member("u-a", "Alex Chen")
    office.add_member("u-j", "Jo Park")
    return office


def test_the_turn_is_prepared_once_and_then_executed_by_name(roster: Office) -> None:
    apart = apart_engine(roster.service_engine)
    with statements_with(target=apart) as sent:
        for _ in range(4):
            roster.open(opening())

    prepared = [statement for statement in sent if statement.startswith("PREPARE")]
    executed = [statement for statement in sent if f"EXECUTE {TURN_STATEMENT}" in statement]
    # Four openings one after another reuse one connection of the apart engine.
    assert len(prepared) == 1
    assert len(executed) == 4
    assert all("WITH pending" not in statement for statement in executed)
    assert [case.assigned_to_name for case in this_years(roster)] == [
        "Alex Chen",
        "Jo Park",
        "Alex Chen",
        "Jo Park",
    ]


def test_a_turn_prepared_long_enough_ago_is_planned_afresh(
    roster: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(prepared, "_clock", lambda: now[0])
    monkeypatch.setattr(prepared, "REPLAN_RUNS", 1)  # old enough after its second opening
    apart = apart_engine(roster.service_engine)
    with statements_with(target=apart) as sent:
        roster.open(opening())
        roster.open(opening())
        now[0] += prepared.REPLAN_SECONDS + 1
        roster.open(opening())
        roster.open(opening())

    # Its plan was costed on the tables as they were: made again once, and kept again.
    assert [s for s in sent if s.startswith(("PREPARE", "DEALLOCATE"))] == [
        PREPARE_TURN,
        "DEALLOCATE ALL",
        PREPARE_TURN,
    ]
    assert [case.assigned_to_name for case in this_years(roster)] == ["Alex Chen", "Jo Park"] * 2


def test_a_connection_whose_server_forgot_the_statement_prepares_it_again(roster: Office) -> None:
    roster.open(opening())
    apart = apart_engine(roster.service_engine)
    with apart.connect() as connection:
        # What DISCARD ALL, or a pooler handing over another server session, leaves.
        connection.exec_driver_sql("DEALLOCATE ALL")

    with statements_with("PREPARE", target=apart) as prepared:
        roster.open(opening())

    assert len(prepared) == 1
    assert [case.assigned_to_name for case in this_years(roster)] == ["Alex Chen", "Jo Park"]


def test_a_migration_that_changes_what_the_turn_returns_does_not_stop_openings(
    roster: Office,
) -> None:
    roster.open(opening())
    schema_changed(str(roster.engine.url))
    with roster.engine.begin() as connection:
        # The plan held on the apart connection returns display_name as varchar(200).
        connection.execute(text("ALTER TABLE staff_members ALTER COLUMN display_name TYPE text"))

    roster.open(opening())

    assert [case.assigned_to_name for case in this_years(roster)] == ["Alex Chen", "Jo Park"]
    with roster.engine.connect() as connection:
        taken = connection.execute(
            text("SELECT count(*) FROM staff_members WHERE last_assigned_at <= :now"),
            {"now": datetime.now(UTC)},
        ).scalar_one()
    assert taken == 2


def test_with_prepared_statements_off_the_turn_is_sent_as_text(
    roster: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEWORK_DB_PREPARED_STATEMENTS", "false")
    apart = apart_engine(roster.service_engine)
    with statements_with(target=apart) as sent:
        for _ in range(2):
            roster.open(opening())

    assert not any("PREPARE" in statement or "EXECUTE" in statement for statement in sent)
    assert [case.assigned_to_name for case in this_years(roster)] == ["Alex Chen", "Jo Park"]
