"""Cases' service layer for what other services tell a case: each handler coordinates one
office's unit of work for an event (load through the repositories, call the `Case`, let the
unit of work commit). What staff do through the RPCs is in staff.py. No SQL here: see
`adapters/`."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from services.cases.counters import ASSIGNMENTS, CASES_OPENED, DOCUMENTS_FILED, TRANSITIONS
from services.cases.domain.case import Author, Case, CaseAttachment, format_reference
from services.cases.domain.inquiries import AgencyInquiry, awaited_agencies, earliest_due
from services.cases.domain.lifecycle import CaseStatus
from services.cases.domain.releases import PrivacyRelease, Revocation, Signing
from services.cases.domain.routing import after_announcement
from services.cases.ports import CasesWork
from services.chassis.db import utcnow
from services.chassis.errors import TransientError
from services.chassis.events import IncomingEvent
from services.contracts import (
    CLOCK_PAUSED,
    AcknowledgementSent,
    AgencySuggested,
    CaseReferred,
    ClockChanged,
    DeadlineExtended,
    DocumentsReceived,
    InquiryOverdue,
    InquirySent,
    InquiryWithdrawn,
    PrivacyReleaseRevoked,
    PrivacyReleaseSigned,
    ReminderDue,
    ReplyLogged,
    SatisfactionRated,
    StaffMemberAdded,
    SubmissionReceived,
)


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
    case.note_acknowledgement(
        acknowledgement.channel,
        sent_at=acknowledgement.sent_at,
        resent_after_doubt=acknowledgement.resent_after_doubt,
    )


def record_satisfaction(uow: CasesWork, event: IncomingEvent[SatisfactionRated]) -> None:
    rated = event.payload
    case = _case_for(uow, event.event_type, rated.case_id)
    case.note_satisfaction(rated.rating, at=rated.rated_at)


def record_documents_received(uow: CasesWork, event: IncomingEvent[DocumentsReceived]) -> None:
    """The constituent sent documents from their status page: filed on the case (intake keeps
    the bytes), on its timeline, and the case open again if it waited on them."""
    received = event.payload
    case = uow.cases.get_with_timeline(received.case_id)
    if case is None:
        raise TransientError(f"{event.event_type} arrived before its case was opened")
    was = case.status
    case.receive_documents(
        tuple(
            CaseAttachment(a.attachment_id, a.filename, a.content_type, a.size_bytes, a.sha256)
            for a in received.attachments
        ),
        received.message,
        at=received.received_at,
    )
    _count_transition(uow, case, was)
    uow.after_commit(functools.partial(DOCUMENTS_FILED.inc, len(received.attachments)))


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


# --- Agency liaison: agencies' events on the case's timeline ---------------------------------


def record_inquiry_sent(uow: CasesWork, event: IncomingEvent[InquirySent]) -> None:
    """A letter went to an agency: on the timeline, the case waiting on the agency (when the
    lifecycle lets it: from new or open), its next-action date the agencies' earliest due date
    unless a person set another."""
    sent = event.payload
    with _changing_inquiries(uow, event.event_type, sent.case_id) as (case, inquiries):
        inquiry = _inquiry(uow, inquiries, sent)
        inquiry.sent(at=sent.sent_at, due_on=sent.due_on)
        case.note_inquiry_sent(
            agency_name=sent.agency_name,
            channel=sent.channel,
            due_on=sent.due_on,
            at=sent.sent_at,
            by=_member(uow, sent.sent_by),
            awaited=inquiry.awaited,
        )


def record_reply_logged(uow: CasesWork, event: IncomingEvent[ReplyLogged]) -> None:
    """An agency answered: on the timeline; a final answer brings a case that waited on the
    agencies back to open, unless it still waits on another."""
    reply = event.payload
    with _changing_inquiries(uow, event.event_type, reply.case_id) as (case, inquiries):
        inquiry = _inquiry(uow, inquiries, reply)
        final = reply.kind == "final"
        if final:
            inquiry.answered(at=reply.logged_at)
        case.note_agency_reply(
            agency_code=reply.agency_code,
            agency_name=reply.agency_name,
            kind=reply.kind,
            received_on=reply.received_on,
            follow_up_on=reply.follow_up_on,
            at=reply.logged_at,
            by=_member(uow, reply.logged_by),
            still_waiting_on=awaited_agencies(inquiries, but=inquiry.inquiry_id) if final else (),
        )


def record_inquiry_overdue(uow: CasesWork, event: IncomingEvent[InquiryOverdue]) -> None:
    overdue = event.payload
    case = _case_for(uow, event.event_type, overdue.case_id)
    case.note_inquiry_overdue(
        agency_code=overdue.agency_code,
        due_on=overdue.due_on,
        business_days_late=overdue.business_days_late,
        at=overdue.detected_at,
    )


def record_clocks_changed(uow: CasesWork, event: IncomingEvent[ClockChanged]) -> None:
    """The case's agency clocks stopped (it waits on its constituent) or run again: each
    inquiry's new due date, named by its agency on the timeline."""
    change = event.payload
    with _changing_inquiries(uow, event.event_type, change.case_id) as (case, inquiries):
        known = {inquiry.inquiry_id: inquiry for inquiry in inquiries}
        due: list[tuple[str | None, date]] = []
        for inquiry_id in change.inquiry_ids:
            due_on = change.due_on.get(inquiry_id)
            inquiry = known.get(inquiry_id)
            if due_on is None:
                continue
            if inquiry is not None:
                inquiry.moved(due_on)
            due.append((inquiry.agency_code if inquiry else None, due_on))
        case.note_agency_clocks(
            paused=event.event_type == CLOCK_PAUSED.event_type,
            reason=change.reason,
            due=due,
            at=change.at,
        )


def record_deadline_extended(uow: CasesWork, event: IncomingEvent[DeadlineExtended]) -> None:
    extended = event.payload
    with _changing_inquiries(uow, event.event_type, extended.case_id) as (case, inquiries):
        inquiry = next((i for i in inquiries if i.inquiry_id == extended.inquiry_id), None)
        if inquiry is not None:
            inquiry.moved(extended.due_on)
        case.note_deadline_extended(
            agency_code=extended.agency_code,
            due_on=extended.due_on,
            previous_due_on=extended.previous_due_on,
            reason=extended.reason,
            at=extended.at,
            by=_member(uow, extended.extended_by),
        )


def record_inquiry_withdrawn(uow: CasesWork, event: IncomingEvent[InquiryWithdrawn]) -> None:
    withdrawn = event.payload
    with _changing_inquiries(uow, event.event_type, withdrawn.case_id) as (case, inquiries):
        inquiry = _inquiry(uow, inquiries, withdrawn)
        inquiry.withdrawn(at=withdrawn.withdrawn_at)
        case.note_inquiry_withdrawn(
            agency_name=withdrawn.agency_name,
            at=withdrawn.withdrawn_at,
            by=_member(uow, withdrawn.withdrawn_by),
            still_waiting_on=awaited_agencies(inquiries, but=inquiry.inquiry_id),
        )


def record_case_referred(uow: CasesWork, event: IncomingEvent[CaseReferred]) -> None:
    """On the timeline; closing the case as referred elsewhere is the caseworker's move."""
    referred = event.payload
    case = _case_for(uow, event.event_type, referred.case_id)
    case.note_referral(
        partner_name=referred.partner_name,
        with_letter=referred.with_letter,
        at=referred.referred_at,
        by=_member(uow, referred.referred_by),
    )


def record_reminder_due(uow: CasesWork, event: IncomingEvent[ReminderDue]) -> None:
    """A reminder notify fired: on the timeline and, when no date is set, the next action."""
    reminder = event.payload
    case = _case_for(uow, event.event_type, reminder.case_id)
    case.note_reminder(
        summary=reminder.summary,
        audience=reminder.audience,
        occurrence=reminder.occurrence,
        due_on=reminder.due_at.date(),
        at=reminder.fired_at,
    )


def _inquiry(
    uow: CasesWork,
    inquiries: list[AgencyInquiry],
    about: InquirySent | ReplyLogged | InquiryWithdrawn,
) -> AgencyInquiry:
    """The case's inquiry an event is `about`, kept from now on when this is the first word of
    it (its sending and its reply travel apart); added to `inquiries` too."""
    for inquiry in inquiries:
        if inquiry.inquiry_id == about.inquiry_id:
            return inquiry
    inquiry = AgencyInquiry(about.inquiry_id, about.case_id, about.agency_code, about.agency_name)
    uow.inquiries.add(inquiry)
    inquiries.append(inquiry)
    return inquiry


def _member(uow: CasesWork, user_id: str) -> Author:
    """A staff member named as the office's roster knows them (their id when it does not)."""
    member = uow.staff.find(user_id)
    return Author(user_id, member.display_name if member else user_id)


def _count_transition(uow: CasesWork, case: Case, was: CaseStatus) -> None:
    if case.status is not was:
        uow.after_commit(TRANSITIONS.labels(case.status.value).inc)


@contextmanager
def _changing_inquiries(
    uow: CasesWork, event_type: str, case_id: str
) -> Iterator[tuple[Case, list[AgencyInquiry]]]:
    """The case and its agency inquiries, for a change to them; afterwards the case's
    next-action date follows the inquiries' earliest due date (unless a person set another),
    and a change of its status is counted."""
    case = _case_for(uow, event_type, case_id)
    inquiries = uow.inquiries.of_case(case.case_id)
    before, was = earliest_due(inquiries), case.status
    yield case, inquiries
    case.follow_agency_due(before, earliest_due(inquiries))
    _count_transition(uow, case, was)


def _case_for(uow: CasesWork, event_type: str, case_id: str) -> Case:
    case = uow.cases.get(case_id)
    if case is None:
        # The events crossed: the case is not opened yet, so retry later.
        raise TransientError(f"{event_type} arrived before its case was opened")
    return case
