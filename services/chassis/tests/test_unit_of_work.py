"""One office's unit of work on both databases (no broker needed): outbox writes from recorded
events, the inbox claimed for an event cause, audit rows naming the actor, the tenant setting."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from marshmallow import ValidationError
from sqlalchemy import MetaData, String, event, func, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from services.chassis.db import create_db_engine, new_metadata
from services.chassis.domain import Actor, Aggregate
from services.chassis.fakes import incoming
from services.chassis.uow import DatabaseAccess, MissingTenant, UnitOfWork
from services.contracts import STAFF_MEMBER_ADDED, StaffMemberAdded


class Base(DeclarativeBase):
    metadata = new_metadata()


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))


@dataclass
class Member(Aggregate):
    """A minimal aggregate: joining records the contract's event."""

    user_id: str

    def join(self) -> None:
        self.record(STAFF_MEMBER_ADDED, StaffMemberAdded(self.user_id, "Sam Rivera", "caseworker"))


class NotesUnitOfWork(UnitOfWork):
    def open_repositories(self) -> None:
        self.notes: list[str] = []


@pytest.fixture
def db(
    service_database: Callable[[str, MetaData], str],
) -> Iterator[tuple[DatabaseAccess[NotesUnitOfWork], list[int]]]:
    url = service_database("chassis", Base.metadata)
    engine = create_db_engine(url)
    wakeups: list[int] = []
    yield (
        DatabaseAccess(
            sessionmaker(engine),
            Base.metadata,
            lambda: wakeups.append(1),
            service="cases",
            unit_of_work_type=NotesUnitOfWork,
        ),
        wakeups,
    )
    engine.dispose()


STAFF = {"user_id": "u-1", "display_name": "Sam Rivera", "role": "caseworker"}


def staff_event(event_id: str = "e-1") -> Any:
    return incoming(STAFF_MEMBER_ADDED, STAFF, office_id="rep-a", event_id=event_id)


def tenant_of(session: Any) -> str | None:
    """The office the session's transaction works for, as row-level security reads it."""
    return session.execute(text("SELECT current_setting('casework.office_id', true)")).scalar()


def outbox_rows(access: DatabaseAccess[Any]) -> list[Any]:
    with access.platform_work() as session:
        return list(
            session.execute(select(Base.metadata.tables["outbox"]).order_by("id")).mappings()
        )


def test_events_an_aggregate_recorded_commit_with_the_business_row(db: Any) -> None:
    access, wakeups = db
    with access.unit_of_work(office_id="rep-a", correlation_id="corr-9") as uow:
        uow.session.add(Note(id="n-1", office_id="rep-a"))
        member = uow.track(Member("u-1"))
        member.join()
        uow.commit()

    [row] = outbox_rows(access)
    assert row["sent_at"] is None and row["event_type"] == STAFF_MEMBER_ADDED.event_type
    assert row["correlation_id"] == "corr-9" and row["office_id"] == "rep-a"
    # The contract's defaults are written out: a consumer never guesses them.
    assert json.loads(row["payload"]) == {**STAFF, "active": True, "specialties": []}
    assert row["occurred_at"].tzinfo is not None
    assert wakeups == [1]
    assert member.events == []


def test_a_failure_before_commit_leaves_neither_row_nor_event(db: Any) -> None:
    access, wakeups = db
    with pytest.raises(RuntimeError), access.unit_of_work(office_id="rep-a") as uow:
        uow.session.add(Note(id="n-1", office_id="rep-a"))
        uow.emit(STAFF_MEMBER_ADDED, STAFF)
        uow.session.flush()
        raise RuntimeError("crash before commit")

    assert outbox_rows(access) == []
    with access.platform_work() as session:
        assert session.scalar(select(func.count()).select_from(Note)) == 0
    assert wakeups == []


def test_an_invalid_outgoing_payload_is_a_producer_bug_and_writes_nothing(db: Any) -> None:
    access, _ = db
    with pytest.raises(ValidationError), access.unit_of_work(office_id="rep-a") as uow:
        uow.emit(STAFF_MEMBER_ADDED, {**STAFF, "role": "mayor"})
        uow.commit()
    assert outbox_rows(access) == []


def test_a_unit_of_work_without_an_office_is_refused(db: Any) -> None:
    access, _ = db
    for office in ("", "Not An Office"):
        with pytest.raises(MissingTenant), access.unit_of_work(office_id=office):
            pass


def test_an_event_cause_claims_the_inbox_once_per_consumer(db: Any) -> None:
    access, _ = db
    with access.unit_of_work(office_id="rep-a", cause=staff_event()) as uow:
        assert uow.already_handled is False
        uow.commit()
    with access.unit_of_work(office_id="rep-a", cause=staff_event()) as uow:
        assert uow.already_handled is True
        assert uow.claim(staff_event(), "notify") is True
        assert uow.claim(staff_event("e-2"), "cases") is True


def test_the_consume_wrapper_runs_a_handler_once_per_event(db: Any) -> None:
    access, _ = db
    handled: list[str] = []

    def handler(uow: NotesUnitOfWork, event: Any) -> str:
        assert isinstance(event.payload, StaffMemberAdded)
        uow.session.add(Note(id=event.event_id, office_id=uow.office_id))
        handled.append(event.payload.user_id)
        return "done"

    assert access.consume(staff_event("e-5"), handler) == "done"
    assert access.consume(staff_event("e-5"), handler) is None
    assert handled == ["u-1"]


def test_events_caused_by_an_event_carry_its_correlation_and_causation(db: Any) -> None:
    access, _ = db
    cause = staff_event("e-7")
    with access.unit_of_work(office_id="rep-a", cause=cause) as uow:
        uow.emit(STAFF_MEMBER_ADDED, STAFF)
        uow.commit()
    [row] = outbox_rows(access)
    assert (row["correlation_id"], row["causation_id"]) == (cause.correlation_id, "e-7")


def test_audit_entries_name_the_acting_person_or_the_system_cause(db: Any) -> None:
    access, _ = db
    with access.unit_of_work(office_id="rep-a", actor=Actor.staff("u-1", origin="rpc")) as uow:
        uow.audit("case.viewed", "case", "c-1")
        uow.commit()
    with access.unit_of_work(office_id="rep-a", cause=staff_event()) as uow:
        uow.audit("case.opened", "case", "c-2")
        uow.commit()
    with access.platform_work() as session:
        entries = list(session.execute(select(Base.metadata.tables["audit_log"])).mappings())
    assert [(e["office_id"], e["actor"], e["action"], e["origin"]) for e in entries] == [
        ("rep-a", "u-1", "case.viewed", "rpc"),
        ("rep-a", "system:gateway.staff_member_added", "case.opened", None),
    ]


def test_the_office_is_set_for_the_transaction_on_postgresql(db: Any, db_backend: str) -> None:
    if db_backend != "postgresql":
        pytest.skip("SQLite has no session settings; its wall is the repositories' scope")
    access, _ = db
    with access.unit_of_work(office_id="rep-b") as uow:
        setting = tenant_of(uow.session)
        uow.commit()
    assert setting == "rep-b"
    with access.platform_work() as session:
        assert tenant_of(session) in (None, "")


def test_a_unique_key_clash_is_retried_and_the_last_one_raised() -> None:
    from sqlalchemy.exc import IntegrityError

    from services.chassis.db import retrying_conflicts

    clashes = [IntegrityError("INSERT", {}, Exception("duplicate key"))]

    def clashes_once() -> str:
        if clashes:
            raise clashes.pop()
        return "found the other worker's row"

    assert retrying_conflicts(clashes_once) == "found the other worker's row"

    def always_clashes() -> str:
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    with pytest.raises(IntegrityError):
        retrying_conflicts(always_clashes, attempts=2)


def test_a_row_changed_elsewhere_is_retried_and_stays_transient_when_it_keeps_changing() -> None:
    from services.chassis.db import retrying_conflicts
    from services.chassis.errors import ChangedElsewhere, TransientError

    tries: list[int] = []

    def moved_twice() -> int:
        tries.append(1)
        if len(tries) < 3:
            raise ChangedElsewhere("another worker fired the reminder")
        return len(tries)

    assert retrying_conflicts(moved_twice) == 3

    def always_moved() -> None:
        raise ChangedElsewhere("another worker fired the reminder")

    with pytest.raises(TransientError):  # an event is retried later, not dead-lettered
        retrying_conflicts(always_moved, attempts=2)


def test_the_office_travels_with_the_first_statement_and_never_outlives_its_transaction(
    db: Any, db_backend: str
) -> None:
    """No round trip of its own: the tenant is set in the message of the transaction's first
    statement (and of the first after a switch). A transaction that runs no statement leaves
    nothing behind for the next one on the same connection."""
    if db_backend != "postgresql":
        pytest.skip("SQLite has no session settings; its wall is the repositories' scope")
    access, _ = db
    engine = access._sessions.kw["bind"]
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine, "after_cursor_execute", count)
    try:
        with access.unit_of_work(office_id="rep-b") as uow:
            setting = tenant_of(uow.session)
            uow.commit()
        assert setting == "rep-b"
        assert len(sent) == 1 and sent[0].startswith("SELECT set_config('casework.office_id'")

        # Begun for rep-c, ended before any statement: the next transaction on the one
        # connection (the pool keeps it) is platform work and must see no office.
        with access.unit_of_work(office_id="rep-c") as uow:
            begun = uow.session.connection().connection.dbapi_connection
        with access.platform_work() as session:
            assert session.connection().connection.dbapi_connection is begun
            assert tenant_of(session) in (None, "")
    finally:
        event.remove(engine, "after_cursor_execute", count)


def test_a_transaction_whose_connection_was_lost_rolls_back_cleanly(
    db: Any, db_backend: str
) -> None:
    """The server went away mid-transaction (a restart): the rollback that follows must not
    fail in the tenant's bookkeeping, or a caller answering 503 for a lost connection would
    answer 500 instead."""
    if db_backend != "postgresql":
        pytest.skip("the tenant setting is PostgreSQL's")
    access, _ = db
    with pytest.raises(LookupError), access.unit_of_work(office_id="rep-b") as uow:
        uow.session.execute(text("SELECT 1"))
        uow.session.connection().invalidate()
        raise LookupError("the request failed after its connection was lost")
    with access.unit_of_work(office_id="rep-b") as uow:
        setting = tenant_of(uow.session)
    assert setting == "rep-b"
