"""Rows held for a batch's end (`UnitOfWork.insert_later`), on both databases: written each
table's in one statement per office, under that office's tenant; visible to a read in the batch
that asks for them first; dropped with the batch when it rolls back; written at once outside a
batch."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.chassis.statement_log import statements_with
from services.contracts import STAFF_MEMBER_ADDED

from .test_batches import notes, staff_events
from .test_unit_of_work import STAFF, Base, Note, NotesUnitOfWork, db, outbox_rows

__all__ = ["db"]  # the fixture, shared with the unit-of-work tests

INSERT_NOTE = Base.metadata.tables["notes"].insert()


def hold_note(uow: NotesUnitOfWork, event: Any) -> None:
    uow.insert_later(INSERT_NOTE, [{"id": event.event_id, "office_id": uow.office_id}])
    uow.emit(STAFF_MEMBER_ADDED, STAFF)


def note_inserts(access: Any) -> Any:
    """The INSERTs into `notes` the access's engine is sent while the block runs (on
    PostgreSQL a transaction's first statement carries the tenant setting in front)."""
    return statements_with("INSERT INTO notes", access._sessions.kw["bind"])


def test_a_batchs_held_rows_go_in_one_statement_per_office_under_its_tenant(db: Any) -> None:
    access, _ = db
    events = [*staff_events(3, "rep-b"), *staff_events(2, "rep-a", start=4)]

    with note_inserts(access) as inserts:
        assert access.consume_batch(events, hold_note) == {}

    # On PostgreSQL the tenant wall refuses a row written under another office's tenant.
    with access.platform_work() as session:
        offices = dict(session.execute(select(Note.id, Note.office_id)).all())
    assert offices == {
        "e-1": "rep-b",
        "e-2": "rep-b",
        "e-3": "rep-b",
        "e-4": "rep-a",
        "e-5": "rep-a",
    }
    assert len(inserts) == 2, "one multi-row INSERT per office, not one per event"
    assert len(outbox_rows(access)) == 5


def test_a_read_in_the_batch_sees_what_earlier_events_held_once_it_asks(db: Any) -> None:
    access, _ = db
    seen: list[list[str]] = []

    def hold_then_read(uow: NotesUnitOfWork, event: Any) -> None:
        hold_note(uow, event)
        uow.write_held(INSERT_NOTE)
        seen.append(sorted(uow.session.scalars(select(Note.id))))

    assert access.consume_batch(staff_events(3), hold_then_read) == {}

    assert seen == [["e-1"], ["e-1", "e-2"], ["e-1", "e-2", "e-3"]]
    assert notes(access) == ["e-1", "e-2", "e-3"]


def test_held_rows_of_a_failed_event_are_dropped_with_its_batch(db: Any) -> None:
    access, _ = db

    def hold_and_fail_on_two(uow: NotesUnitOfWork, event: Any) -> None:
        hold_note(uow, event)
        if event.event_id == "e-2":
            raise ValueError("a bug after holding its row")

    failures = access.consume_batch(staff_events(3), hold_and_fail_on_two)

    assert list(failures) == ["e-2"]
    assert notes(access) == ["e-1", "e-3"]


def test_outside_a_batch_the_rows_are_written_at_once(db: Any) -> None:
    access, _ = db
    with access.unit_of_work(office_id="rep-a") as uow:
        uow.insert_later(INSERT_NOTE, [{"id": "n-1", "office_id": "rep-a"}])
        assert list(uow.session.scalars(select(Note.id))) == ["n-1"]
        uow.commit()

    assert notes(access) == ["n-1"]
