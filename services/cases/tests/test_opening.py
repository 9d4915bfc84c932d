"""Opening cases in one office at once: references, one case per submission, fair turns, no
opening waiting on another's transaction, and no case left waiting while a first caseworker
arrives (handlers through the consume wrapper against both databases, many greenthreads)."""

from __future__ import annotations

import uuid
from collections import Counter
from itertools import pairwise
from typing import Any

import eventlet
import pytest
from sqlalchemy.exc import OperationalError

from services.cases import handlers
from services.cases.adapters.cases import SqlCaseRepository
from services.cases.models import CaseRow
from services.cases.tests.conftest import OFFICE, YEAR, Office, suggested
from services.chassis.events import IncomingEvent
from services.chassis.fakes import incoming
from services.contracts import AGENCY_SUGGESTED, STAFF_MEMBER_ADDED, SUBMISSION_RECEIVED


def announcement(submission_id: str | None = None) -> IncomingEvent[Any]:
    """`intake.submission_received` as the cases consumer receives it (checked against the
    contract on the way)."""
    return incoming(
        SUBMISSION_RECEIVED,
        {
            **SUBMISSION_RECEIVED.example,
            "submission_id": submission_id or str(uuid.uuid4()),
            "constituent_id": str(uuid.uuid4()),
        },
        office_id=OFFICE,
    )


def staff_announcement(user_id: str, name: str, role: str = "caseworker") -> IncomingEvent[Any]:
    return incoming(
        STAFF_MEMBER_ADDED,
        {"user_id": user_id, "display_name": name, "role": role},
        office_id=OFFICE,
    )


def numbers(cases: list[CaseRow]) -> list[int]:
    return [int(case.reference.rsplit("-", 1)[1]) for case in cases]


def test_sixty_openings_at_once_get_consecutive_references_and_take_strict_turns(
    office: Office,
) -> None:
    # More openings than the pool has connections, each holding one (its inbox claim) while it
    # takes its turn: the turns must not need a second connection from the same pool.
    office.add_caseworkers("Alex Chen", "Jo Park", "Sam Rivera")
    events = [announcement() for _ in range(60)]

    office.open_at_once(events)

    cases = office.cases()
    assert sorted(case.submission_id for case in cases) == sorted(
        event.payload.submission_id for event in events
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


def pausing_add(
    monkeypatch: pytest.MonkeyPatch, submission_id: str
) -> tuple[eventlet.event.Event, eventlet.event.Event]:
    """Make the opening of `submission_id` stop inside its transaction, once its number and
    turn are taken, until `release` is sent; `paused` is sent when it got there."""
    paused, release = eventlet.event.Event(), eventlet.event.Event()
    add = SqlCaseRepository.add

    def add_slowly(repository: SqlCaseRepository, case: Any) -> None:
        if case.submission_id == submission_id:
            paused.send()
            release.wait()
        add(repository, case)

    monkeypatch.setattr(SqlCaseRepository, "add", add_slowly)
    return paused, release


def test_an_opening_does_not_wait_for_another_openings_transaction_to_commit(
    office: Office, db_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db_backend == "sqlite":
        pytest.skip("SQLite has one writer at a time: its openings queue by design")
    office.add_caseworkers("Alex Chen")
    slow, quick = announcement(), announcement()
    paused, release = pausing_add(monkeypatch, slow.payload.submission_id)
    stuck = eventlet.spawn(office.open, slow)
    paused.wait()  # the slow opening is now inside its transaction

    finished = eventlet.spawn(office.open, quick)
    try:
        with eventlet.Timeout(5):
            finished.wait()
    finally:
        release.send()
        stuck.wait()

    cases = {case.submission_id: case for case in office.cases()}
    assert cases[slow.payload.submission_id].reference == f"CW-{YEAR}-000001"
    assert cases[quick.payload.submission_id].reference == f"CW-{YEAR}-000002"


def test_an_opening_that_fails_after_taking_its_number_leaves_at_most_a_gap(
    office: Office, db_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    office.add_caseworkers("Alex Chen", "Sam Rivera")
    first, second = announcement(), announcement()
    add = SqlCaseRepository.add
    failures = iter([True])

    def add_once_failing(repository: SqlCaseRepository, case: Any) -> None:
        if next(failures, False):
            raise OperationalError("INSERT INTO cases", {}, Exception("server closed"))
        add(repository, case)

    monkeypatch.setattr(SqlCaseRepository, "add", add_once_failing)
    with pytest.raises(OperationalError):
        office.open(first)
    office.open(first)  # the redelivery
    office.open(second)

    cases = office.cases()
    assert [case.submission_id for case in cases] == [
        first.payload.submission_id,
        second.payload.submission_id,
    ]
    if db_backend == "postgresql":
        # The number and turn were committed apart: number 1 is never used again, and Alex,
        # whose turn it was, waits for the next round.
        assert numbers(cases) == [2, 3]
        assert [case.assigned_to_name for case in cases] == ["Sam Rivera", "Alex Chen"]
    else:
        assert numbers(cases) == [1, 2]
        assert [case.assigned_to_name for case in cases] == ["Alex Chen", "Sam Rivera"]


def test_an_opening_while_the_first_caseworker_is_being_added_is_given_to_them(
    office: Office,
) -> None:
    sam = staff_announcement("u-3", "Sam Rivera")
    added, release = eventlet.event.Event(), eventlet.event.Event()

    def add_sam_slowly() -> None:
        with office.db.unit_of_work(office_id=OFFICE, cause=sam) as uow:
            handlers.record_staff_member(uow, sam)
            added.send()
            release.wait()  # Sam is on the roster, not yet committed
            uow.commit()

    adding = eventlet.spawn(add_sam_slowly)
    added.wait()
    opening = eventlet.spawn(office.open, announcement())
    try:
        eventlet.sleep(0.3)
        waited = not opening.dead
    finally:
        release.send()
        adding.wait()
        opening.wait()

    assert waited, "the opening must wait for the roster change, not miss it"

    [case] = office.cases()
    assert case.assigned_to_name == "Sam Rivera"
    assert len(office.assignments_announced()) == 1


def test_a_case_opened_while_the_first_caseworker_is_being_added_does_not_stay_waiting(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The opening found nobody to take the case; before it commits, Sam is announced.
    event = announcement()
    paused, release = pausing_add(monkeypatch, event.payload.submission_id)
    opening = eventlet.spawn(office.open, event)
    paused.wait()
    adding = eventlet.spawn(
        office.db.consume, staff_announcement("u-3", "Sam Rivera"), handlers.record_staff_member
    )
    try:
        eventlet.sleep(0.3)
    finally:
        release.send()
        opening.wait()
        adding.wait()

    [case] = office.cases()
    assert case.assigned_to_name == "Sam Rivera", "the case waited for a caseworker who came"
    assert len(office.assignments_announced()) == 1


def test_an_agency_suggestion_does_not_undo_an_assignment_made_while_it_was_applied(
    office: Office, db_backend: str
) -> None:
    if db_backend == "sqlite":
        pytest.skip("SQLite runs one unit of work at a time: they cannot overlap")
    opening = announcement()
    office.open(opening)
    [waiting] = office.cases()
    suggestion = incoming(AGENCY_SUGGESTED, suggested(waiting.id), office_id=OFFICE)

    with office.db.unit_of_work(office_id=OFFICE, cause=suggestion) as uow:
        handlers.record_agency_suggestion(uow, suggestion)  # read the case, still unassigned
        office.db.consume(staff_announcement("u-3", "Sam Rivera"), handlers.record_staff_member)
        uow.commit()

    [case] = office.cases()
    assert (case.agency_code, case.assigned_to_name) == ("SSA", "Sam Rivera")
