"""Cases' service layer: each handler coordinates one office's unit of work (load through the
repositories, call the `Case`, let the unit of work commit). No SQL here: see `adapters/`."""

from __future__ import annotations

from services.cases.domain.case import Case, format_reference
from services.cases.domain.queue import CasePage, CaseQuery
from services.cases.domain.routing import ROUND_ROBIN, after_announcement
from services.cases.ports import CasesWork
from services.chassis.db import utcnow
from services.chassis.errors import NotFound, TransientError
from services.chassis.events import IncomingEvent
from services.chassis.observability import service_metric
from services.contracts import (
    AcknowledgementSent,
    AgencySuggested,
    StaffMemberAdded,
    SubmissionReceived,
)

CASES_OPENED = service_metric("counter", "cases", "opened_total", "Cases opened")
ASSIGNMENTS = service_metric(
    "counter", "cases", "assignments_total", "Cases assigned to a caseworker", ["method"]
)
ASSIGNMENTS.labels(ROUND_ROBIN)  # scraped as 0 before the first assignment, not absent


def open_case(uow: CasesWork, event: IncomingEvent[SubmissionReceived]) -> None:
    """One case per submission: the inbox stops a redelivery, the allocation (and behind it the
    unique key) a submission announced again under a new event id."""
    submission = event.payload
    opened_at = utcnow()
    allocation = uow.allocations.take(submission.submission_id, opened_at)
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
        uow.after_commit(_counted_assignment)


def record_staff_member(uow: CasesWork, event: IncomingEvent[StaffMemberAdded]) -> None:
    """Add the member to the office's roster, or apply their new name and role.

    A member who takes cases is given their turns at once: cases opened while nobody in the
    office took cases wait for the first who does, and are shared round robin, oldest first.
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
    now = utcnow()
    for case in uow.cases.awaiting_caseworker():
        turn = uow.staff.take_turn(now)
        if turn is None:
            return
        case.take_turn(turn)
        uow.after_commit(_counted_assignment)


def record_agency_suggestion(uow: CasesWork, event: IncomingEvent[AgencySuggested]) -> None:
    suggestion = event.payload
    case = _case_for(uow, event.event_type, suggestion.case_id)
    case.suggest_agency(suggestion.agency_code, suggestion.agency_name, at=utcnow())


def record_acknowledgement(uow: CasesWork, event: IncomingEvent[AcknowledgementSent]) -> None:
    acknowledgement = event.payload
    case = _case_for(uow, event.event_type, acknowledgement.case_id)
    case.note_acknowledgement(acknowledgement.channel, sent_at=acknowledgement.sent_at)


def list_cases(uow: CasesWork, query: CaseQuery) -> CasePage:
    """A page of the office's cases, newest first; every case shown is audited."""
    page = uow.cases.page(query)
    for case in page.cases:
        uow.audit("case.listed", "case", case.case_id)
    uow.commit()
    return page


def get_case(uow: CasesWork, case_id: str) -> Case:
    """The case with its timeline; another office's case does not exist as far as you know."""
    case = uow.cases.get_with_timeline(case_id)
    if case is None:
        raise NotFound(f"there is no case {case_id} in office {uow.office_id}")
    uow.audit("case.viewed", "case", case.case_id)
    uow.commit()
    return case


def _case_for(uow: CasesWork, event_type: str, case_id: str) -> Case:
    case = uow.cases.get(case_id)
    if case is None:
        # The events crossed: the case is not opened yet, so retry later.
        raise TransientError(f"{event_type} arrived before its case was opened")
    return case


def _counted_assignment() -> None:
    ASSIGNMENTS.labels(ROUND_ROBIN).inc()
