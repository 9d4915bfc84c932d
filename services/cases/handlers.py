"""Cases' service layer: each handler coordinates one office's unit of work (load through the
repositories, call the `Case`, let the unit of work commit). No SQL here: see `adapters/`."""

from __future__ import annotations

from dataclasses import replace

from services.cases.domain import permissions
from services.cases.domain.case import MANUAL, Author, Case, format_reference
from services.cases.domain.commands import AddNote, AssignCase, ChangeStatus, UpdateCase
from services.cases.domain.lifecycle import CaseStatus
from services.cases.domain.queue import AuditEntry, CasePage, CaseQuery, CaseView
from services.cases.domain.releases import PrivacyRelease, Revocation, Signing, shown
from services.cases.domain.routing import ROUND_ROBIN, RULE, after_announcement
from services.cases.domain.workload import CaseworkerLoad, workload
from services.cases.ports import CasesWork
from services.chassis.db import utcnow
from services.chassis.errors import NotFound, TransientError, ValidationFailed
from services.chassis.events import IncomingEvent
from services.chassis.observability import service_metric
from services.contracts import (
    AcknowledgementSent,
    AgencySuggested,
    PrivacyReleaseRevoked,
    PrivacyReleaseSigned,
    StaffMemberAdded,
    SubmissionReceived,
)
from services.contracts.vocabulary import CASE_RESULTS, NOTE_KINDS

CASES_OPENED = service_metric("counter", "cases", "opened_total", "Cases opened")
ASSIGNMENTS = service_metric(
    "counter", "cases", "assignments_total", "Cases assigned to a caseworker", ["method"]
)
TRANSITIONS = service_metric(
    "counter", "cases", "transitions_total", "Cases moved to a status by staff", ["to"]
)
NOTES = service_metric(
    "counter", "cases", "notes_total", "Notes, calls and meetings written on cases", ["kind"]
)
CLOSURES = service_metric("counter", "cases", "closures_total", "Cases closed", ["result"])
# Scraped as 0 before the first of each, not absent.
ASSIGNMENTS.labels(RULE)
ASSIGNMENTS.labels(ROUND_ROBIN)
ASSIGNMENTS.labels(MANUAL)
for _status in CaseStatus:
    TRANSITIONS.labels(_status.value)
for _kind in NOTE_KINDS:
    NOTES.labels(_kind)
for _result in CASE_RESULTS:
    CLOSURES.labels(_result)
AUDIT_TRAIL_LIMIT = 500


def open_case(uow: CasesWork, event: IncomingEvent[SubmissionReceived]) -> None:
    """One case per submission: the inbox stops a redelivery, the allocation (and behind it the
    unique key) a submission announced again under a new event id."""
    submission = event.payload
    opened_at = utcnow()
    allocation = uow.allocations.take(submission.submission_id, opened_at, submission.category)
    if allocation is None:
        return
    case = Case.open(
        submission,
        office_id=uow.office_id,
        reference=format_reference(opened_at.year, allocation.number),
        opened_at=opened_at,
        turn=allocation.turn,
    )
    uow.cases.add(case)
    uow.after_commit(CASES_OPENED.inc)
    if allocation.turn is not None:
        uow.after_commit(ASSIGNMENTS.labels(allocation.turn.method).inc)


def record_staff_member(uow: CasesWork, event: IncomingEvent[StaffMemberAdded]) -> None:
    """Add the member to the office's roster, or apply what gateway now says of them (name,
    role, active flag, specialties; the latest announcement wins).

    A member who takes cases is given their turns at once: cases opened while nobody in the
    office took cases wait for the first who does, and are routed oldest first
    (domain/routing.py).
    """
    member = after_announcement(
        uow.staff.get(event.payload.user_id), event.payload, event.occurred_at
    )
    if member is None:
        return
    uow.staff.put(member)
    if member.takes_cases:
        assign_waiting_cases(uow)


def assign_waiting_cases(uow: CasesWork) -> None:
    """Route every unfinished case nobody has, oldest first, as openings are routed."""
    now = utcnow()
    for case in uow.cases.awaiting_caseworker():
        turn = uow.staff.take_turn(now, case.category)
        if turn is None:
            return
        case.take_turn(turn)
        uow.after_commit(ASSIGNMENTS.labels(turn.method).inc)


def record_agency_suggestion(uow: CasesWork, event: IncomingEvent[AgencySuggested]) -> None:
    suggestion = event.payload
    case = _case_for(uow, event.event_type, suggestion.case_id)
    case.suggest_agency(suggestion.agency_code, suggestion.agency_name, at=utcnow())


def record_acknowledgement(uow: CasesWork, event: IncomingEvent[AcknowledgementSent]) -> None:
    acknowledgement = event.payload
    case = _case_for(uow, event.event_type, acknowledgement.case_id)
    case.note_acknowledgement(acknowledgement.channel, sent_at=acknowledgement.sent_at)


def record_release_signed(uow: CasesWork, event: IncomingEvent[PrivacyReleaseSigned]) -> None:
    """Keep the release by its submission: the case may not be opened yet, and is joined to
    it when read."""
    signed = event.payload
    release = _release(uow, signed.release_id, signed.submission_id, signed.agencies)
    release.sign(Signing(signed.kind, signed.signed_at, signed.expires_at), signed.agencies)


def record_release_revoked(uow: CasesWork, event: IncomingEvent[PrivacyReleaseRevoked]) -> None:
    """Kept even before its signing is heard of (the two events travel apart)."""
    revoked = event.payload
    release = _release(uow, revoked.release_id, revoked.submission_id, revoked.agencies)
    release.revoke(Revocation(revoked.revoked_by, revoked.revoked_at))


def _release(
    uow: CasesWork, release_id: str, submission_id: str, agencies: tuple[str, ...]
) -> PrivacyRelease:
    release = uow.releases.get(release_id)
    if release is None:
        release = PrivacyRelease(release_id, submission_id, agencies)
        uow.releases.add(release)
    return release


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
    uow.commit()
    NOTES.labels(command.kind.value).inc()
    if case.status is not was:
        TRANSITIONS.labels(case.status.value).inc()
    return _view(uow, case)


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


def _view(uow: CasesWork, case: Case) -> CaseView:
    """The case as its reader sees it now, with the releases of its submission."""
    return CaseView(
        case,
        permissions.allowed_transitions(uow.actor, case.status),
        shown(uow.releases.for_submission(case.submission_id)),
        utcnow(),
    )


def _case_for(uow: CasesWork, event_type: str, case_id: str) -> Case:
    case = uow.cases.get(case_id)
    if case is None:
        # The events crossed: the case is not opened yet, so retry later.
        raise TransientError(f"{event_type} arrived before its case was opened")
    return case
