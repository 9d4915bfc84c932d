"""Routing by specialty and caseload, and deactivated staff, through cases' handlers on the
fake unit of work: openings, waiting cases taken by an arrival, manual assignment, counters."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.cases import handlers, staff
from services.cases.domain.case import CaseStatus
from services.cases.domain.commands import AssignCase
from services.cases.tests.fakes import FakeCasesUnitOfWork, fake_database
from services.cases.tests.test_handlers import OFFICE, open_case, sample, stored
from services.chassis.consuming import consume
from services.chassis.domain import Actor
from services.chassis.errors import ValidationFailed
from services.chassis.fakes import FakeDatabase, incoming
from services.contracts import CASE_ASSIGNED, STAFF_MEMBER_ADDED

Db = FakeDatabase[FakeCasesUnitOfWork]
BOSS = Actor.staff("u-1", "supervisor")
NOW = datetime.now(UTC)


@pytest.fixture
def db() -> Db:
    return fake_database()


def announce(
    db: Db,
    user_id: str,
    name: str,
    *specialties: str,
    role: str = "caseworker",
    active: bool = True,
    at: datetime | None = None,
) -> Any:
    event = incoming(
        STAFF_MEMBER_ADDED,
        {
            "user_id": user_id,
            "display_name": name,
            "role": role,
            "active": active,
            "specialties": list(specialties),
        },
        office_id=OFFICE,
        occurred_at=at,
    )
    consume(db, event, handlers.record_staff_member)
    return event


def assigned(db: Db) -> list[tuple[str, str]]:
    return [(p.caseworker_name, p.method) for p in db.published(CASE_ASSIGNED)]


def test_a_case_goes_to_the_specialist_with_the_fewest_open_cases_by_rule(db: Db) -> None:
    announce(db, "u-2", "Alex Chen", "veterans")
    announce(db, "u-3", "Jo Park", "veterans", "tax")
    announce(db, "u-4", "Sam Rivera")  # no specialty: first in rotation, never used here
    busy = [open_case(db, category="tax") for _ in range(1)]  # to Jo, the tax specialist
    closed = open_case(db, category="veterans")  # to Alex (0 against Jo's 1), then closed
    stored(db, OFFICE, closed.submission_id).status = CaseStatus.CLOSED
    rule_before = sample("casework_cases_assignments_total", {"method": "rule"})

    case = open_case(db, category="veterans")

    # Alex 0 open (the closed case does not count), Jo 1 open: Alex.
    assert (case.assigned_to_name, busy[0].assigned_to_name) == ("Alex Chen", "Jo Park")
    assert case.timeline[-1].summary == "Assigned to Alex Chen (rule)"
    assert assigned(db)[-1] == ("Alex Chen", "rule")
    assert sample("casework_cases_assignments_total", {"method": "rule"}) - rule_before == 1


def test_specialists_with_equal_caseloads_take_turns_least_recently_assigned_first(
    db: Db,
) -> None:
    announce(db, "u-2", "Alex Chen", "veterans")
    announce(db, "u-3", "Jo Park", "veterans")
    open_case(db, category="tax")  # the rotation: Alex (by name), who now has one case

    names = [open_case(db, category="veterans").assigned_to_name for _ in range(5)]

    # Jo has fewer; then equal loads go to whoever waited longest, and so on.
    assert names == ["Jo Park", "Alex Chen", "Jo Park", "Alex Chen", "Jo Park"]


def test_a_category_nobody_specialises_in_goes_round_robin_among_the_active(db: Db) -> None:
    announce(db, "u-2", "Alex Chen", "veterans")
    announce(db, "u-3", "Jo Park", "veterans", active=False)
    announce(db, "u-4", "Sam Rivera")
    round_robin_before = sample("casework_cases_assignments_total", {"method": "round_robin"})

    names = [open_case(db, category="passport").assigned_to_name for _ in range(4)]

    assert names == ["Alex Chen", "Sam Rivera", "Alex Chen", "Sam Rivera"]
    assert {method for _, method in assigned(db)} == {"round_robin"}
    delta = sample("casework_cases_assignments_total", {"method": "round_robin"})
    assert delta - round_robin_before == 4


def test_a_deactivated_member_gets_no_new_case_and_keeps_the_ones_they_have(db: Db) -> None:
    announce(db, "u-3", "Jo Park", "veterans", at=NOW - timedelta(minutes=2))
    theirs = open_case(db, category="veterans")
    announce(db, "u-3", "Jo Park", "veterans", active=False, at=NOW - timedelta(minutes=1))

    waiting = open_case(db, category="veterans")

    assert stored(db, OFFICE, theirs.submission_id).assigned_to_id == "u-3"
    assert waiting.assigned_to_id is None
    announce(db, "u-4", "Sam Rivera")
    assert stored(db, OFFICE, waiting.submission_id).assigned_to_name == "Sam Rivera"


def test_a_late_older_announcement_does_not_reactivate_a_deactivated_member(db: Db) -> None:
    announce(db, "u-3", "Jo Park", "veterans", at=NOW - timedelta(minutes=1))
    announce(db, "u-3", "Jo Park", "veterans", active=False, at=NOW)
    announce(db, "u-3", "Jo Park", "veterans", at=NOW - timedelta(hours=1))  # stale

    assert not db.rows["staff"][(OFFICE, "u-3")].active
    assert open_case(db, category="veterans").assigned_to_id is None


def test_a_supervisor_cannot_give_a_case_to_a_deactivated_member(db: Db) -> None:
    announce(db, "u-3", "Jo Park", at=NOW - timedelta(minutes=1))
    announce(db, "u-4", "Sam Rivera")
    case = open_case(db)
    announce(db, "u-3", "Jo Park", active=False, at=NOW)
    before = len(db.outbox)

    with (
        db.unit_of_work(office_id=OFFICE, actor=BOSS) as uow,
        pytest.raises(ValidationFailed) as refused,
    ):
        staff.assign_case(uow, AssignCase(case.reference, "u-3"))

    assert refused.value.fields == {
        "user_id": ["deactivated: choose an active caseworker or supervisor"]
    }
    assert len(db.outbox) == before


def test_waiting_cases_are_routed_by_rule_to_an_arriving_specialist_and_by_rotation_otherwise(
    db: Db,
) -> None:
    announce(db, "u-4", "Sam Rivera", active=False)
    waiting = [open_case(db, category=c) for c in ("veterans", "tax", "veterans")]
    assert [case.assigned_to_id for case in waiting] == [None] * 3

    announce(db, "u-2", "Alex Chen", "veterans")

    assert [stored(db, OFFICE, c.submission_id).assigned_to_name for c in waiting] == [
        "Alex Chen"
    ] * 3
    assert [method for _, method in assigned(db)] == ["rule", "round_robin", "rule"]


def test_an_arriving_specialist_shares_waiting_cases_by_caseload_counting_each_one_given(
    db: Db,
) -> None:
    announce(db, "u-3", "Jo Park", "veterans")
    open_case(db, category="veterans")  # Jo: one open case
    waiting = [open_case(db, category="veterans") for _ in range(4)]
    for case in waiting:  # left waiting (say, opened while Jo was away)
        row = stored(db, OFFICE, case.submission_id)
        row.assigned_to_id = row.assigned_to_name = None
    jo = db.rows["staff"][(OFFICE, "u-3")]
    db.rows["staff"][(OFFICE, "u-3")] = replace(jo, last_assigned_at=None)

    announce(db, "u-2", "Alex Chen", "veterans")

    assert [stored(db, OFFICE, c.submission_id).assigned_to_name for c in waiting] == [
        "Alex Chen",  # 0 against 1
        "Jo Park",  # 1 each: Jo never assigned since
        "Alex Chen",  # 1 against 2
        "Jo Park",  # 2 each: Alex just had one
    ]
