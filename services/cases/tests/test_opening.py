"""Opening cases in one office at once: references, one case per submission, fair turns, and no
opening waiting on another's transaction (handlers against both databases, many greenthreads)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import eventlet
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from services.cases import handlers
from services.cases.allocation import take_turn_apart, take_turn_inline
from services.cases.domain.routing import RosterMember, next_in_rotation, turn_taken_at
from services.cases.models import Base, Case, StaffMember
from services.chassis.db import DatabaseAccess, IncomingEvent, UnitOfWork, create_db_engine
from services.contracts import CASE_OPENED, SUBMISSION_RECEIVED

OFFICE = "rep-lopez"
YEAR = datetime.now(UTC).year
inbox = Base.metadata.tables["inbox"]


def announcement(submission_id: str | None = None) -> IncomingEvent:
    """`intake.submission_received` as the cases consumer receives it."""
    return IncomingEvent(
        event_id=str(uuid.uuid4()),
        event_type=SUBMISSION_RECEIVED.event_type,
        schema_version=1,
        office_id=OFFICE,
        occurred_at=datetime.now(UTC),
        correlation_id=str(uuid.uuid4()),
        causation_id=None,
        traceparent=None,
        payload={
            "submission_id": submission_id or str(uuid.uuid4()),
            "tracking_code": "K7QX-M2PD",
            "constituent_id": str(uuid.uuid4()),
            "constituent_name": "Maria Lopez",
            "category": "social_security",
            "agency_hint": "SSA",
            "subject": "Retirement benefit delayed",
            "urgent": False,
        },
    )


class Office:
    """The cases database as production opens it (same engine and pool settings)."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_db_engine(url)
        self.db = DatabaseAccess(
            sessionmaker(self.engine, expire_on_commit=False), Base.metadata, lambda: None
        )

    def add_caseworkers(self, *names: str) -> None:
        with self.engine.begin() as connection:
            for number, name in enumerate(names):
                connection.execute(
                    insert(StaffMember).values(
                        office_id=OFFICE,
                        user_id=f"u-{number}",
                        display_name=name,
                        role="caseworker",
                        updated_at=datetime.now(UTC),
                        last_assigned_at=None,
                    )
                )

    def open_at_once(self, events: list[IncomingEvent]) -> None:
        pool = eventlet.GreenPool(len(events))
        for _ in pool.imap(lambda event: handlers.open_case(self.db, event), events):
            pass

    def cases(self) -> list[Case]:
        with Session(self.engine) as session:
            return list(session.scalars(select(Case).order_by(Case.reference)))

    def inbox_size(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(inbox)).scalar_one())


@pytest.fixture
def office(service_database: Callable[..., str]) -> Iterator[Office]:
    office = Office(service_database("cases", Base.metadata))
    yield office
    office.engine.dispose()


def numbers(cases: list[Case]) -> list[int]:
    return [int(case.reference.rsplit("-", 1)[1]) for case in cases]


def test_sixty_openings_at_once_get_consecutive_references_and_take_strict_turns(
    office: Office,
) -> None:
    # More openings than the pool has connections: none may hold one while waiting for another.
    office.add_caseworkers("Alex Chen", "Jo Park", "Sam Rivera")
    events = [announcement() for _ in range(60)]

    office.open_at_once(events)

    cases = office.cases()
    assert sorted(case.submission_id for case in cases) == sorted(
        event.payload["submission_id"] for event in events
    )
    assert numbers(cases) == list(range(1, 61))
    assert {case.reference[:8] for case in cases} == {f"CW-{YEAR}-"}
    # In reference order the rotation never repeats anyone before everyone had a turn.
    assert [case.assigned_to_name for case in cases] == ["Alex Chen", "Jo Park", "Sam Rivera"] * 20
    turns = [case.assigned_at for case in cases]
    assert all(
        earlier is not None and later is not None and earlier < later
        for earlier, later in pairwise(turns)
    )


def test_a_submission_announced_three_times_at_once_is_still_one_case(office: Office) -> None:
    office.add_caseworkers("Alex Chen", "Sam Rivera")
    submissions = [str(uuid.uuid4()) for _ in range(10)]
    events = [announcement(submission_id) for submission_id in submissions for _ in range(3)]

    office.open_at_once(events)

    cases = office.cases()
    assert sorted(case.submission_id for case in cases) == sorted(submissions)
    assert len(set(numbers(cases))) == 10
    # Each announcement passed the inbox; only one of each became a case.
    assert office.inbox_size() == 30
    shares = Counter(case.assigned_to_name for case in cases)
    assert set(shares) == {"Alex Chen", "Sam Rivera"}


def test_an_opening_does_not_wait_for_another_openings_transaction_to_commit(
    office: Office, db_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db_backend == "sqlite":
        pytest.skip("SQLite has one writer at a time: its openings queue by design")
    slow, quick = announcement(), announcement()
    release = eventlet.event.Event()
    emit = UnitOfWork.emit

    def emit_slowly(uow: UnitOfWork, contract: Any, payload: Any, **kwargs: Any) -> str:
        if payload.get("submission_id") == slow.payload["submission_id"]:
            release.wait()
        return emit(uow, contract, payload, **kwargs)

    monkeypatch.setattr(UnitOfWork, "emit", emit_slowly)
    stuck = eventlet.spawn(handlers.open_case, office.db, slow)
    eventlet.sleep(0.2)  # the slow opening is now inside its transaction

    finished = eventlet.spawn(handlers.open_case, office.db, quick)
    try:
        with eventlet.Timeout(5):
            finished.wait()
    finally:
        release.send()
        stuck.wait()

    cases = {case.submission_id: case for case in office.cases()}
    assert cases[slow.payload["submission_id"]].reference == f"CW-{YEAR}-000001"
    assert cases[quick.payload["submission_id"]].reference == f"CW-{YEAR}-000002"


def test_an_opening_that_fails_after_taking_its_number_leaves_at_most_a_gap(
    office: Office, db_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    office.add_caseworkers("Alex Chen", "Sam Rivera")
    first, second = announcement(), announcement()
    emit = UnitOfWork.emit
    failures = iter([True])

    def emit_once_failing(uow: UnitOfWork, contract: Any, payload: Any, **kwargs: Any) -> str:
        if contract is CASE_OPENED and next(failures, False):
            raise OperationalError("INSERT INTO outbox", {}, Exception("server closed"))
        return emit(uow, contract, payload, **kwargs)

    monkeypatch.setattr(UnitOfWork, "emit", emit_once_failing)
    with pytest.raises(OperationalError):
        handlers.open_case(office.db, first)
    handlers.open_case(office.db, first)  # the redelivery
    handlers.open_case(office.db, second)

    cases = office.cases()
    assert [case.submission_id for case in cases] == [
        first.payload["submission_id"],
        second.payload["submission_id"],
    ]
    if db_backend == "postgresql":
        # The number and turn were committed apart: number 1 is never used again, and Alex,
        # whose turn it was, waits for the next round.
        assert numbers(cases) == [2, 3]
        assert [case.assigned_to_name for case in cases] == ["Sam Rivera", "Alex Chen"]
    else:
        assert numbers(cases) == [1, 2]
        assert [case.assigned_to_name for case in cases] == ["Alex Chen", "Sam Rivera"]


@pytest.fixture
def linguistic_office(office: Office) -> Office:
    """On PostgreSQL, names compared as a typical production database does (en-US collation),
    not byte by byte as this test server's default would."""
    if office.engine.dialect.name == "postgresql":
        with office.engine.begin() as connection:
            if not connection.execute(
                text("SELECT 1 FROM pg_collation WHERE collname = 'en-US-x-icu'")
            ).first():
                pytest.skip("this PostgreSQL has no ICU en-US collation")
            for column in ("display_name", "user_id"):
                connection.execute(
                    text(
                        f"ALTER TABLE staff_members ALTER COLUMN {column} "
                        'TYPE varchar(200) COLLATE "en-US-x-icu"'
                    )
                )
    return office


T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
rosters = st.lists(
    st.builds(
        RosterMember,
        user_id=st.sampled_from(["u-1", "U-2", "u-10", "ü-3", "u-4"]),
        # Case, accents and shared names: the database must order them as Python does.
        display_name=st.sampled_from(["Alex Chen", "alex chen", "Älex", "Zoe Park", "Jo Park"]),
        role=st.sampled_from(["caseworker", "supervisor", "office_admin", "read_only"]),
        last_assigned_at=st.one_of(
            st.none(), st.integers(0, 5).map(lambda minutes: T0 + timedelta(minutes=minutes))
        ),
    ),
    max_size=5,
    unique_by=lambda member: member.user_id,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(roster=rosters, minutes=st.integers(-1, 6))
def test_the_database_takes_the_turn_that_the_rotation_rule_gives(
    linguistic_office: Office, roster: list[RosterMember], minutes: int
) -> None:
    office = linguistic_office
    now = T0 + timedelta(minutes=minutes)
    with office.engine.begin() as connection:
        connection.execute(delete(StaffMember))
        for member in roster:
            connection.execute(
                insert(StaffMember).values(
                    office_id=OFFICE,
                    user_id=member.user_id,
                    display_name=member.display_name,
                    role=member.role,
                    updated_at=T0,
                    last_assigned_at=member.last_assigned_at,
                )
            )

    if office.engine.dialect.name == "postgresql":
        event = announcement()
        allocation = take_turn_apart(
            office.engine,
            event_id=event.event_id,
            consumer=handlers.CONSUMER,
            office_id=OFFICE,
            submission_id=event.payload["submission_id"],
            now=now,
        )
    else:
        with office.db.unit_of_work() as uow:
            allocation = take_turn_inline(uow.session, OFFICE, now)
            uow.commit()

    assert allocation is not None
    expected = next_in_rotation(roster)
    if expected is None:
        assert allocation.turn is None
    else:
        assert allocation.turn is not None
        assert allocation.turn.user_id == expected.user_id
        assert allocation.turn.assigned_at == turn_taken_at(now, roster)
