"""Repeated statements prepared per connection on PostgreSQL (services/chassis/prepared.py): run
by name from their second execution (PREPARE_AT), with the same answers; left plain where
preparing could change an answer or PostgreSQL refuses; prepared again when the server forgot
them; off when configured so."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Integer, MetaData, insert, literal, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from services.chassis import prepared
from services.chassis.db import create_db_engine, is_transient
from services.chassis.prepared import PREPARE_AT
from services.chassis.statement_log import statements_with

from .test_unit_of_work import Base, Note, db

__all__ = ["db"]  # the fixture, shared with the unit-of-work tests

NOTES_OF = select(Note.id).where(Note.office_id == "rep-a").order_by(Note.id)


@pytest.fixture
def engine(service_database: Callable[[str, MetaData], str], db_backend: str) -> Iterator[Engine]:
    if db_backend != "postgresql":
        pytest.skip("SQLite has no server to plan statements")
    made = create_db_engine(service_database("chassis", Base.metadata))
    with made.begin() as connection:
        connection.execute(
            insert(Note),
            [{"id": "n-1", "office_id": "rep-a"}, {"id": "n-2", "office_id": "rep-b"}],
        )
    yield made
    made.dispose()


def prepared_here(connection: Connection) -> list[str]:
    """The statements prepared on this connection, without their `PREPARE name AS`."""
    return [
        statement.split(" AS ", 1)[1]
        for statement in connection.exec_driver_sql(
            "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'casework_%%'"
        ).scalars()
    ]


def test_a_statement_run_again_is_prepared_once_and_answers_the_same(engine: Engine) -> None:
    with engine.connect() as connection, statements_with("FROM notes", engine) as seen:
        answers = [connection.execute(NOTES_OF).scalars().all() for _ in range(PREPARE_AT + 2)]
        prepared = prepared_here(connection)

    assert answers == [["n-1"]] * (PREPARE_AT + 2)
    assert len(prepared) == 1 and "FROM notes" in prepared[0] and "$1" in prepared[0]
    # Logs, traces and statement counts still see the statement itself.
    assert all(statement.startswith("SELECT notes.id") for statement in seen)


def test_each_transactions_tenant_still_applies_to_a_prepared_statement(
    db: Any, db_backend: str
) -> None:
    if db_backend != "postgresql":
        pytest.skip("SQLite has no tenant setting")
    access, _ = db
    mine = text(
        "SELECT count(*) FROM notes WHERE office_id = current_setting('casework.office_id', true)"
        " AND id <> :nobody"
    )
    with access.platform_work() as session:
        session.execute(insert(Note), [{"id": "n-1", "office_id": "rep-a"}])
        session.commit()

    counts = []
    for office in ("rep-a", "rep-b") * PREPARE_AT:
        with access.unit_of_work(office_id=office) as uow:
            counts.append(uow.session.execute(mine, {"nobody": "-"}).scalar_one())

    assert counts == [1, 0] * PREPARE_AT


def test_a_value_postgresql_would_read_as_text_keeps_its_statement_plain(engine: Engine) -> None:
    bare = select(literal(7, Integer()).label("seven"), Note.id).where(Note.id == "n-1")
    with engine.connect() as connection:
        answers = [connection.execute(bare).one() for _ in range(PREPARE_AT + 1)]
        prepared = prepared_here(connection)

    # Prepared, `$1` would be text and the answer '7'.
    assert answers == [(7, "n-1")] * (PREPARE_AT + 1)
    assert prepared == []


def test_a_statement_postgresql_will_not_prepare_costs_the_transaction_nothing(
    engine: Engine,
) -> None:
    ambiguous = text("SELECT :a + :b")  # unknown + unknown: PREPARE refuses, literals do not
    with engine.begin() as connection:
        sums = [
            connection.execute(ambiguous, {"a": 1, "b": 2}).scalar_one()
            for _ in range(PREPARE_AT + 1)
        ]
        after = connection.execute(NOTES_OF).scalars().all()

    assert sums == [3] * (PREPARE_AT + 1)
    assert after == ["n-1"]


def test_a_connection_whose_server_forgot_them_fails_once_and_prepares_again(
    engine: Engine,
) -> None:
    with engine.connect() as connection:
        for _ in range(PREPARE_AT):
            connection.execute(NOTES_OF).all()
        connection.commit()
        connection.exec_driver_sql("DEALLOCATE ALL")  # what DISCARD ALL or a pooler leaves
        connection.commit()

        with pytest.raises(DBAPIError) as failed:
            connection.execute(NOTES_OF).all()
        assert is_transient(failed.value)
        connection.rollback()

        again = [connection.execute(NOTES_OF).scalars().all() for _ in range(PREPARE_AT)]
        assert again == [["n-1"]] * PREPARE_AT
        assert len(prepared_here(connection)) == 1


def test_switched_off_nothing_is_prepared(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_DB_PREPARED_STATEMENTS", "false")
    plain = create_db_engine(str(engine.url.render_as_string(hide_password=False)))
    try:
        with plain.connect() as connection:
            for _ in range(PREPARE_AT + 1):
                connection.execute(NOTES_OF).all()
            assert prepared_here(connection) == []
    finally:
        plain.dispose()


def test_rows_written_through_a_prepared_statement_are_counted_as_written(engine: Engine) -> None:
    move = text("UPDATE notes SET office_id = :to WHERE office_id = :office")
    with engine.begin() as connection:
        for number in range(3, 3 + PREPARE_AT):
            connection.execute(insert(Note).values(id=f"n-{number}", office_id="rep-a"))
        moved = [
            connection.execute(move, {"to": to, "office": office}).rowcount
            for to, office in [("rep-c", "rep-a"), ("rep-a", "rep-c")] * PREPARE_AT
        ]
        prepared = prepared_here(connection)

    assert moved == [PREPARE_AT + 1] * (2 * PREPARE_AT)
    assert any(statement.startswith("INSERT INTO notes") for statement in prepared)
    assert any(statement.startswith("UPDATE notes") for statement in prepared)


def test_a_streamed_read_keeps_its_server_side_cursor(engine: Engine) -> None:
    with engine.connect() as connection:
        streaming = connection.execution_options(stream_results=True)
        answers = [streaming.execute(NOTES_OF).scalars().all() for _ in range(PREPARE_AT + 1)]

    assert answers == [["n-1"]] * (PREPARE_AT + 1)


def test_an_int_too_large_for_the_prepared_type_is_sent_as_text(engine: Engine) -> None:
    longer_than = text("SELECT count(*) FROM notes WHERE length(id) < :n")
    with engine.connect() as connection:
        small = [connection.execute(longer_than, {"n": 9}).scalar_one() for _ in range(PREPARE_AT)]
        # Prepared, `$1` is an integer, and 3,000,000,000 would fail to convert.
        large = connection.execute(longer_than, {"n": 3_000_000_000}).scalar_one()

    assert small == [2] * PREPARE_AT
    assert large == 2


def test_a_failed_transaction_stays_failed_and_keeps_nothing(engine: Engine) -> None:
    ambiguous = text("SELECT :a + :b")
    with engine.connect() as connection:
        connection.execute(insert(Note).values(id="n-3", office_id="rep-a"))
        for _ in range(PREPARE_AT):  # refused, under a savepoint of its own
            connection.execute(ambiguous, {"a": 1, "b": 2})
        connection.execute(insert(Note).values(id="n-4", office_id="rep-a"))
        with pytest.raises(DBAPIError):
            connection.execute(text("SELECT 1 / :zero"), {"zero": 0})
        codes = []
        for _ in range(PREPARE_AT):  # the last one would be prepared
            with pytest.raises(DBAPIError) as failed:
                connection.execute(NOTES_OF)
            codes.append(failed.value.orig.pgcode)  # type: ignore[union-attr]
        connection.rollback()
        kept = connection.execute(select(Note.id).order_by(Note.id)).scalars().all()

    assert codes == ["25P02"] * PREPARE_AT  # "current transaction is aborted"
    assert kept == ["n-1", "n-2"]


def test_a_migration_that_changes_a_compared_column_fails_once_then_runs_as_text(
    engine: Engine,
) -> None:
    keyed = text("SELECT count(*) FROM prepared_probe WHERE k = :k")
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS prepared_probe")
        connection.exec_driver_sql("CREATE TABLE prepared_probe (k varchar(10))")
        connection.exec_driver_sql("INSERT INTO prepared_probe VALUES ('1')")
    try:
        with engine.connect() as connection:
            for _ in range(PREPARE_AT + 1):
                connection.execute(keyed, {"k": "1"}).scalar_one()
            connection.commit()
            with engine.begin() as migration:
                migration.exec_driver_sql(
                    "ALTER TABLE prepared_probe ALTER COLUMN k TYPE integer USING k::integer"
                )

            with pytest.raises(DBAPIError) as failed:  # integer = character varying
                connection.execute(keyed, {"k": "1"})
            assert is_transient(failed.value)
            connection.rollback()
            assert connection.execute(keyed, {"k": "1"}).scalar_one() == 1
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE prepared_probe")


def plans_of(connection: Connection, statement: str) -> tuple[str, int, int]:
    """(name, generic plans, custom plans) of the prepared statement holding `statement`."""
    name, generic, custom = connection.exec_driver_sql(
        "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements"
        " WHERE statement LIKE %(like)s",
        {"like": f"%{statement}%"},
    ).one()
    return str(name), int(generic), int(custom)


def test_a_plan_kept_from_when_the_table_was_small_is_made_again_once_old(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trap this guards against: PostgreSQL keeps one generic plan for a prepared statement,
    costed once, when first built. Made on a table of a few rows, it reads the whole table by
    sequence long after the table grew, where nothing (a new ANALYZE) tells the server it grew.
    A partial index on a value the statement passes as a parameter makes it certain: no
    generic plan can use that index."""
    now = [1000.0]
    monkeypatch.setattr(prepared, "_clock", lambda: now[0])
    due = text("SELECT count(*) FROM replan_probe WHERE state = :state")
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS replan_probe")
        connection.exec_driver_sql("CREATE TABLE replan_probe (id int PRIMARY KEY, state text)")
        connection.exec_driver_sql(
            "CREATE INDEX replan_probe_pending ON replan_probe (id) WHERE state = 'pending'"
        )
        connection.exec_driver_sql(
            "INSERT INTO replan_probe SELECT n, 'done' FROM generate_series(1, 3) n"
        )
        connection.exec_driver_sql("ANALYZE replan_probe")  # its last, while it was small
    try:
        with engine.connect() as connection:
            for _ in range(PREPARE_AT + prepared.REPLAN_RUNS):
                connection.execute(due, {"state": "pending"}).scalar_one()
            name, generic, _ = plans_of(connection, "replan_probe")
            assert generic > 0  # a few rows: the one plan for every value looked cheap
            connection.exec_driver_sql(
                "INSERT INTO replan_probe SELECT n, 'done' FROM generate_series(4, 50000) n"
            )
            connection.exec_driver_sql("INSERT INTO replan_probe VALUES (50001, 'pending')")
            connection.commit()

            now[0] += prepared.REPLAN_SECONDS + 1
            counts = [connection.execute(due, {"state": "pending"}).scalar_one() for _ in range(10)]
            again, generic, custom = plans_of(connection, "replan_probe")
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE replan_probe")

    assert counts == [1] * 10
    # Made again under its name, and planned for each value: through the index, not the table.
    assert (again, generic, custom) == (name, 0, 10)


def test_a_statement_run_now_and_then_keeps_its_plan_past_the_minute(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(prepared, "_clock", lambda: now[0])
    made_at = text(
        "SELECT prepare_time FROM pg_prepared_statements WHERE statement LIKE '%%FROM notes%%'"
    )
    with engine.connect() as connection:
        for _ in range(PREPARE_AT):  # prepared, and run once by name
            connection.execute(NOTES_OF).all()
        first = connection.execute(made_at).scalar_one()
        kept = []
        for _ in range(prepared.REPLAN_RUNS - 1):
            now[0] += prepared.REPLAN_SECONDS + 1
            assert connection.execute(NOTES_OF).scalars().all() == ["n-1"]
            kept.append(connection.execute(made_at).scalar_one())
        now[0] += prepared.REPLAN_SECONDS + 1
        connection.execute(NOTES_OF).all()
        again = connection.execute(made_at).scalar_one()

    # A PREPARE at every run would cost a round trip each: made again once its runs add up.
    assert kept == [first] * (prepared.REPLAN_RUNS - 1)
    assert again > first
