"""Batched consumption on both databases: many events, one transaction, and a failing event
that fails alone (its neighbours commit, its error is its own)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, text

from services.chassis.consuming import MAX_BATCH_RETRIES
from services.chassis.errors import TransientError
from services.chassis.fakes import incoming
from services.contracts import STAFF_MEMBER_ADDED

from .test_unit_of_work import STAFF, Base, Note, NotesUnitOfWork, db, outbox_rows

__all__ = ["db"]  # the fixture, shared with the unit-of-work tests

INBOX = Base.metadata.tables["inbox"]


def staff_events(count: int, office_id: str = "rep-a", start: int = 1) -> list[Any]:
    return [
        incoming(STAFF_MEMBER_ADDED, STAFF, office_id=office_id, event_id=f"e-{number}")
        for number in range(start, start + count)
    ]


class Recorder:
    """A handler that writes a note and an outbox event per event; `failing` says how an event
    fails instead."""

    def __init__(self, failing: Mapping[str, BaseException] | None = None) -> None:
        self.failing = failing or {}
        self.calls: list[str] = []
        self.offices_seen: list[tuple[str, Any]] = []

    def __call__(self, uow: NotesUnitOfWork, event: Any) -> None:
        self.calls.append(event.event_id)
        if event.event_id in self.failing:
            raise self.failing[event.event_id]
        if uow.dialect == "postgresql":
            setting = uow.session.execute(
                text("SELECT current_setting('casework.office_id', true)")
            ).scalar()
            self.offices_seen.append((event.office_id, setting))
        uow.session.add(Note(id=event.event_id, office_id=uow.office_id))
        uow.session.flush()
        uow.emit(STAFF_MEMBER_ADDED, STAFF)


def notes(access: Any) -> list[str]:
    with access.platform_work() as session:
        return sorted(session.scalars(select(Note.id)))


def claimed(access: Any) -> list[str]:
    with access.platform_work() as session:
        return sorted(session.scalars(select(INBOX.c.event_id)))


def test_a_batch_commits_every_effect_outbox_row_and_inbox_mark_at_once(db: Any) -> None:
    access, wakeups = db
    handler = Recorder()

    failures = access.consume_batch(staff_events(5), handler)

    assert failures == {}
    assert notes(access) == claimed(access) == [f"e-{n}" for n in range(1, 6)]
    rows = outbox_rows(access)
    assert len(rows) == 5
    assert sorted(row["causation_id"] for row in rows) == [f"e-{n}" for n in range(1, 6)]
    assert wakeups == [1], "one commit, one wake-up of the relay"
    assert handler.calls == [f"e-{n}" for n in range(1, 6)]


def test_each_event_of_a_batch_works_for_its_own_office(db: Any, db_backend: str) -> None:
    access, _ = db
    handler = Recorder()
    events = [*staff_events(2, "rep-b"), *staff_events(2, "rep-a", start=3)]

    assert access.consume_batch(events, handler) == {}

    with access.platform_work() as session:
        offices = dict(session.execute(select(Note.id, Note.office_id)).all())
    assert offices == {"e-1": "rep-b", "e-2": "rep-b", "e-3": "rep-a", "e-4": "rep-a"}
    if db_backend == "postgresql":
        assert handler.offices_seen and all(
            office == setting for office, setting in handler.offices_seen
        )
    # Taken office by office, each office's events in the order they came.
    assert handler.calls == ["e-3", "e-4", "e-1", "e-2"]


def test_a_failing_event_fails_alone_and_its_neighbours_commit(db: Any) -> None:
    access, _ = db
    handler = Recorder(failing={"e-3": ValueError("a bug")})

    failures = access.consume_batch(staff_events(5), handler)

    assert list(failures) == ["e-3"] and isinstance(failures["e-3"], ValueError)
    assert notes(access) == claimed(access) == ["e-1", "e-2", "e-4", "e-5"]
    assert len(outbox_rows(access)) == 4
    # The batch, the batch again without e-3, then e-3 alone, where its error is its own.
    assert handler.calls.count("e-3") == 2 and handler.calls[-1] == "e-3"


def test_an_event_that_is_not_ready_yet_is_retried_alone(db: Any) -> None:
    access, _ = db
    handler = Recorder(failing={"e-2": TransientError("its case is not opened yet")})

    failures = access.consume_batch(staff_events(3), handler)

    assert list(failures) == ["e-2"] and isinstance(failures["e-2"], TransientError)
    assert notes(access) == ["e-1", "e-3"]


def test_redelivered_events_in_a_batch_change_nothing(db: Any) -> None:
    access, _ = db
    access.consume_batch(staff_events(2), Recorder())
    handler = Recorder()

    assert access.consume_batch(staff_events(3), handler) == {}

    assert handler.calls == ["e-3"]
    assert notes(access) == ["e-1", "e-2", "e-3"]
    assert len(outbox_rows(access)) == 3


def test_a_database_that_is_away_fails_the_whole_batch(db: Any) -> None:
    access, _ = db
    away = sa_exc.OperationalError("SELECT", {}, Exception("server closed the connection"))
    handler = Recorder(failing={"e-2": away})

    with pytest.raises(sa_exc.OperationalError):
        access.consume_batch(staff_events(3), handler)

    assert notes(access) == [] and claimed(access) == []


def test_a_queue_full_of_poison_falls_back_to_one_event_at_a_time(db: Any) -> None:
    access, _ = db
    poison = {f"e-{n}": ValueError("a bug") for n in range(1, 7)}
    handler = Recorder(failing=poison)

    failures = access.consume_batch(staff_events(8), handler)

    assert sorted(failures) == sorted(poison)
    assert notes(access) == ["e-7", "e-8"]
    # Each batch try fails on its first poison; after MAX_BATCH_RETRIES tries, one at a time.
    assert len(handler.calls) == MAX_BATCH_RETRIES + 8


def test_a_unit_of_work_in_a_batch_cannot_commit_on_its_own(db: Any) -> None:
    access, _ = db

    def commits_itself(uow: NotesUnitOfWork, event: Any) -> None:
        uow.commit()

    failures = access.consume_batch(staff_events(2), commits_itself)

    # Refused inside the batch; alone, each commits in its own unit of work as `consume` does.
    assert failures == {}
    assert claimed(access) == ["e-1", "e-2"]
    with access.platform_work() as session:
        assert session.scalar(select(func.count()).select_from(Note)) == 0
