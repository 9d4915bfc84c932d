"""Unit of work, outbox writes, inbox and audit on both databases (no broker needed)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from marshmallow import ValidationError
from sqlalchemy import MetaData, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from services.chassis.db import DatabaseAccess, IncomingEvent, create_db_engine, new_metadata
from services.contracts import STAFF_MEMBER_ADDED


class Base(DeclarativeBase):
    metadata = new_metadata()


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))


@pytest.fixture
def db(
    service_database: Callable[[str, MetaData], str],
) -> Iterator[tuple[DatabaseAccess, list[int]]]:
    url = service_database("chassis", Base.metadata)
    engine = create_db_engine(url)
    wakeups: list[int] = []
    yield DatabaseAccess(sessionmaker(engine), Base.metadata, lambda: wakeups.append(1)), wakeups
    engine.dispose()


STAFF = {"user_id": "u-1", "display_name": "Sam Rivera", "role": "caseworker"}


def incoming(event_id: str = "e-1") -> IncomingEvent:
    return IncomingEvent(
        event_id,
        "gateway.staff_member_added",
        1,
        "rep-a",
        datetime.now(UTC),
        "corr-1",
        None,
        None,
        dict(STAFF),
    )


def outbox_rows(access: DatabaseAccess) -> list[Any]:
    with access.read() as session:
        return list(session.execute(select(Base.metadata.tables["outbox"])).mappings())


def test_an_event_commits_with_the_business_row_and_wakes_the_relay(db: Any) -> None:
    access, wakeups = db
    with access.unit_of_work(correlation_id="corr-9") as uow:
        uow.session.add(Note(id="n-1", office_id="rep-a"))
        event_id = uow.emit(STAFF_MEMBER_ADDED, STAFF, office_id="rep-a")
        uow.commit()

    [row] = outbox_rows(access)
    assert row["event_id"] == event_id and row["sent_at"] is None
    assert row["correlation_id"] == "corr-9" and row["office_id"] == "rep-a"
    assert json.loads(row["payload"]) == STAFF
    assert row["occurred_at"].tzinfo is not None
    assert wakeups == [1]


def test_a_failure_before_commit_leaves_neither_row_nor_event(db: Any) -> None:
    access, wakeups = db
    with pytest.raises(RuntimeError), access.unit_of_work() as uow:
        uow.session.add(Note(id="n-1", office_id="rep-a"))
        uow.emit(STAFF_MEMBER_ADDED, STAFF, office_id="rep-a")
        uow.session.flush()
        raise RuntimeError("crash before commit")

    assert outbox_rows(access) == []
    with access.read() as session:
        assert session.scalar(select(func.count()).select_from(Note)) == 0
    assert wakeups == []


def test_an_invalid_outgoing_payload_is_a_producer_bug_and_writes_nothing(db: Any) -> None:
    access, _ = db
    with pytest.raises(ValidationError), access.unit_of_work() as uow:
        uow.emit(STAFF_MEMBER_ADDED, {**STAFF, "role": "mayor"}, office_id="rep-a")
    assert outbox_rows(access) == []


def test_a_consumer_claims_an_event_once(db: Any) -> None:
    access, _ = db
    with access.unit_of_work() as uow:
        assert uow.claim(incoming(), "cases.roster") is True
        uow.commit()
    with access.unit_of_work() as uow:
        assert uow.claim(incoming(), "cases.roster") is False
        assert uow.claim(incoming(), "notify.roster") is True
        assert uow.claim(incoming("e-2"), "cases.roster") is True


def test_events_caused_by_an_event_carry_its_correlation_and_causation(db: Any) -> None:
    access, _ = db
    with access.unit_of_work(cause=incoming("e-7")) as uow:
        uow.emit(STAFF_MEMBER_ADDED, STAFF, office_id="rep-a")
        uow.commit()
    [row] = outbox_rows(access)
    assert (row["correlation_id"], row["causation_id"]) == ("corr-1", "e-7")


def test_audit_entries_record_who_did_what_to_which_record(db: Any) -> None:
    access, _ = db
    with access.unit_of_work() as uow:
        uow.audit(
            office_id="rep-a",
            actor="u-1",
            action="read",
            subject_type="case",
            subject_id="c-1",
            origin="rpc",
        )
        uow.commit()
    with access.read() as session:
        [entry] = session.execute(select(Base.metadata.tables["audit_log"])).mappings()
    assert (entry["actor"], entry["action"], entry["subject_id"]) == ("u-1", "read", "c-1")


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
