"""Cases' service layer for what staff do through the RPCs: read the office's cases, and
write on, move, assign and change one. Each call is one office's unit of work, its acting
person checked against the case's permissions first; what other services tell a case is in
handlers.py."""

from __future__ import annotations

from dataclasses import replace

from services.cases.counters import ASSIGNMENTS, CLOSURES, DOCUMENT_REQUESTS, NOTES, TRANSITIONS
from services.cases.domain import permissions
from services.cases.domain.case import MANUAL, Author, Case
from services.cases.domain.commands import (
    AddNote,
    AssignCase,
    ChangeStatus,
    RequestDocuments,
    UpdateCase,
)
from services.cases.domain.lifecycle import CaseStatus
from services.cases.domain.queue import AuditEntry, CasePage, CaseQuery, CaseView
from services.cases.domain.releases import shown
from services.cases.domain.workload import CaseworkerLoad, workload
from services.cases.ports import CasesWork
from services.chassis.db import utcnow
from services.chassis.errors import NotFound, ValidationFailed

AUDIT_TRAIL_LIMIT = 500


def list_cases(uow: CasesWork, query: CaseQuery) -> CasePage:
    """A page of the office's cases, newest first; every case shown is audited."""
    permissions.require_reader(uow.actor)
    if query.overdue and query.today is None:
        query = replace(query, today=utcnow().date())
    page = uow.cases.page(query)
    uow.audit_each("case.listed", "case", [case.case_id for case in page.cases])
    uow.commit()
    return page


def get_case(
    uow: CasesWork, *, case_id: str | None = None, reference: str | None = None
) -> CaseView:
    """The case with its timeline; another office's case does not exist as far as you know."""
    permissions.require_reader(uow.actor)
    if (case_id is None) == (reference is None):
        raise ValidationFailed(
            "name the case by its id or its reference, not both",
            {"case_id": ["give exactly one of case_id and reference"]},
        )
    if case_id is not None:
        case = uow.cases.get_with_timeline(case_id)
    else:
        case = uow.cases.by_reference(reference or "")
    if case is None:
        raise NotFound(f"there is no case {case_id or reference} in office {uow.office_id}")
    uow.audit("case.viewed", "case", case.case_id)
    view = _view(uow, case)
    uow.commit()
    return view


def add_note(uow: CasesWork, command: AddNote) -> CaseView:
    permissions.require_writer(uow.actor)
    case = _case_named(uow, command.reference)
    was = case.status
    case.add_note(
        command.body,
        by=_author(uow),
        at=utcnow(),
        kind=command.kind,
        visibility=command.visibility,
    )
    uow.audit("case.note_added", "case", case.case_id)
    view = _committed(uow, case, was)
    NOTES.labels(command.kind.value).inc()
    return view


def request_documents(uow: CasesWork, command: RequestDocuments) -> CaseView:
    permissions.require_writer(uow.actor)
    case = _case_named(uow, command.reference)
    was = case.status
    case.request_documents(command.documents, command.note, by=_author(uow), at=utcnow())
    uow.audit("case.documents_requested", "case", case.case_id)
    view = _committed(uow, case, was)
    DOCUMENT_REQUESTS.inc()
    return view


def change_status(uow: CasesWork, command: ChangeStatus) -> CaseView:
    permissions.require_writer(uow.actor)
    case = _case_named(uow, command.reference)
    case.transition(
        command.to, by=_author(uow), at=utcnow(), reason=command.reason, outcome=command.outcome
    )
    uow.audit("case.status_changed", "case", case.case_id)
    uow.commit()
    TRANSITIONS.labels(case.status.value).inc()
    if case.status is CaseStatus.CLOSED and case.outcome is not None:
        CLOSURES.labels(case.outcome.result).inc()
    return _view(uow, case)


def assign_case(uow: CasesWork, command: AssignCase) -> CaseView:
    """A caseworker takes an unassigned case, or a supervisor gives one to anyone who takes
    cases: active, caseworker or supervisor (permissions.py)."""
    permissions.require_writer(uow.actor)
    case = _case_named(uow, command.reference)
    member = permissions.check_assignment(
        uow.actor, case.assigned_to_id, uow.staff.find(command.user_id), command.user_id
    )
    assigned = case.assigned_to_id
    case.assign(member.user_id, member.display_name, at=utcnow(), method=MANUAL, by=_author(uow))
    uow.audit("case.assigned", "case", case.case_id)
    uow.commit()
    if case.assigned_to_id != assigned:
        ASSIGNMENTS.labels(MANUAL).inc()
    return _view(uow, case)


def update_case(uow: CasesWork, command: UpdateCase) -> CaseView:
    permissions.require_writer(uow.actor)
    case = _case_named(uow, command.reference)
    case.update(
        by=_author(uow),
        at=utcnow(),
        priority=command.priority,
        tags=command.tags,
        due_on=command.due_on,
    )
    uow.audit("case.updated", "case", case.case_id)
    uow.commit()
    return _view(uow, case)


def office_workload(uow: CasesWork) -> list[CaseworkerLoad]:
    """Active cases per member who takes cases, by age, and the unassigned ones."""
    permissions.require_reader(uow.actor)
    return workload(uow.staff.members(), uow.cases.workload(utcnow()))


def case_audit(uow: CasesWork, reference: str) -> list[AuditEntry]:
    """Who read or changed the case, newest first (the last 500); office admins only. This
    reading is audited too, after the trail is read."""
    permissions.require_audit_reader(uow.actor)
    case = _case_named(uow, reference)
    trail = uow.audit_trail.for_case(case.case_id, AUDIT_TRAIL_LIMIT)
    uow.audit("case.audit_viewed", "case", case.case_id)
    uow.commit()
    return trail


def _case_named(uow: CasesWork, reference: str) -> Case:
    case = uow.cases.by_reference(reference)
    if case is None:
        raise NotFound(f"there is no case {reference} in office {uow.office_id}")
    return case


def _author(uow: CasesWork) -> Author:
    """The acting staff member with the name the office's roster knows them by."""
    member = uow.staff.find(uow.actor.user_id)
    return Author(uow.actor.user_id, member.display_name if member else uow.actor.user_id)


def _committed(uow: CasesWork, case: Case, was: CaseStatus) -> CaseView:
    """Commit a command that may also have moved the case (a note or a request for documents
    can), counting the move like a status change; the case as it then stands."""
    uow.commit()
    if case.status is not was:
        TRANSITIONS.labels(case.status.value).inc()
    return _view(uow, case)


def _view(uow: CasesWork, case: Case) -> CaseView:
    """The case as its reader sees it now, with the releases of its submission."""
    return CaseView(
        case,
        permissions.allowed_transitions(uow.actor, case.status),
        shown(uow.releases.for_submission(case.submission_id)),
        utcnow(),
    )
