"""Staff's handlers on the fake unit of work: roles refused before anything changes, the
changes committed with their events and audit rows, the workload and the audit trail."""

from __future__ import annotations

import pytest

from services.cases import staff
from services.cases.domain.case import CaseStatus, Outcome, TimelineKind
from services.cases.domain.commands import AddNote, AssignCase, ChangeStatus, UpdateCase
from services.cases.domain.routing import RosterMember
from services.cases.tests.fakes import FakeCasesUnitOfWork, fake_database
from services.cases.tests.test_handlers import OFFICE, open_case
from services.chassis.domain import Actor
from services.chassis.errors import Forbidden, NotFound
from services.chassis.fakes import FakeDatabase
from services.contracts import CASE_ASSIGNED, CASE_CLOSED, CASE_STATUS_CHANGED

Db = FakeDatabase[FakeCasesUnitOfWork]
SAM = Actor.staff("u-3", "caseworker", "web 192.0.2.1")
BOSS = Actor.staff("u-1", "supervisor")
ADMIN = Actor.staff("u-7", "office_admin")
INTERN = Actor.staff("u-9", "read_only")


@pytest.fixture
def db() -> Db:
    db = fake_database()
    db.rows["staff"] = {
        (OFFICE, "u-3"): RosterMember("u-3", "Sam Rivera", "caseworker"),
        (OFFICE, "u-4"): RosterMember("u-4", "Alex Chen", "caseworker"),
    }
    return db


def test_an_interns_changes_are_refused_and_nothing_is_kept(db: Db) -> None:
    case = open_case(db)
    commands = [
        (staff.add_note, AddNote(case.reference, "hi")),
        (staff.change_status, ChangeStatus(case.reference, "open")),
        (staff.assign_case, AssignCase(case.reference, "u-9")),
        (staff.update_case, UpdateCase(case.reference, priority="urgent")),
    ]
    before = len(db.outbox)
    for handler, command in commands:
        with db.unit_of_work(office_id=OFFICE, actor=INTERN) as uow, pytest.raises(Forbidden):
            handler(uow, command)  # type: ignore[operator]
    assert len(db.outbox) == before and db.audit_log == []


def test_a_caseworkers_note_call_and_closing_are_committed_with_events_and_audit(
    db: Db,
) -> None:
    case = open_case(db)
    with db.unit_of_work(office_id=OFFICE, actor=SAM) as uow:
        noted = staff.add_note(uow, AddNote(case.reference, "Rang them", TimelineKind.CALL))
    with db.unit_of_work(office_id=OFFICE, actor=SAM) as uow:
        closed = staff.change_status(
            uow, ChangeStatus(case.reference, "closed", "Done", Outcome("favourable"))
        )

    assert noted.case.status is CaseStatus.OPEN
    assert noted.allowed_transitions[0] == "waiting_on_agency"
    assert closed.case.status is CaseStatus.CLOSED and closed.allowed_transitions == ["reopened"]
    assert [p.to_status for p in db.published(CASE_STATUS_CHANGED)] == ["open", "closed"]
    assert [p.result for p in db.published(CASE_CLOSED)] == ["favourable"]
    assert [(a.actor, a.action) for a in db.audit_log] == [
        ("u-3", "case.note_added"),
        ("u-3", "case.status_changed"),
    ]


def test_a_supervisor_reassigns_and_the_admin_reads_the_trail_newest_first(db: Db) -> None:
    case = open_case(db)
    assert case.assigned_to_id == "u-4"  # the rotation's turn
    with db.unit_of_work(office_id=OFFICE, actor=BOSS) as uow:
        staff.assign_case(uow, AssignCase(case.reference, "u-3"))
    with db.unit_of_work(office_id=OFFICE, actor=ADMIN) as uow:
        trail = staff.case_audit(uow, case.reference)
    with db.unit_of_work(office_id=OFFICE, actor=ADMIN) as uow, pytest.raises(NotFound):
        staff.case_audit(uow, "CW-2099-000001")

    assert [(p.caseworker_id, p.method) for p in db.published(CASE_ASSIGNED)] == [
        ("u-4", "round_robin"),
        ("u-3", "manual"),
    ]
    assert [(entry.actor, entry.action) for entry in trail] == [("u-1", "case.assigned")]
    assert db.audit_log[-1].action == "case.audit_viewed"


def test_the_workload_counts_active_cases_per_caseworker(db: Db) -> None:
    cases = [open_case(db) for _ in range(3)]
    with db.unit_of_work(office_id=OFFICE, actor=SAM) as uow:
        staff.change_status(uow, ChangeStatus(cases[0].reference, "withdrawn"))
    with db.unit_of_work(office_id=OFFICE, actor=SAM) as uow:
        rows = staff.office_workload(uow)
    assert [(row.display_name, row.total) for row in rows] == [
        ("Alex Chen", 1),
        ("Sam Rivera", 1),
        ("Unassigned", 0),
    ]
