"""Writing a letter: previewed exactly as it would go (the gate's answer reported), drafted as
rendered (the text approved is the text sent), and approved by a supervisor when the office
asks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from services.agencies.domain.inquiry import Inquiry, InquiryState
from services.agencies.handlers import (
    ensure_settings,
    require_approver,
    require_drafter,
    require_member,
    schedule_of,
)
from services.agencies.liaison.consent_gate import refuse
from services.agencies.liaison.particulars import LetterRequest
from services.agencies.liaison.rendering import letter_document, prepare, release_document
from services.agencies.liaison.views import InquiryView, LetterPreview, view_of
from services.agencies.ports import AgenciesWork, CaseParticulars
from services.chassis.calendar import HolidayCalendar, local_date
from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.errors import NotFound


def preview_letter(
    db: Any, remote: CaseParticulars, office_id: str, actor: Actor, request: LetterRequest
) -> LetterPreview:
    """Exactly what would be sent, and the gate's answer (a refusal is reported here)."""
    require_drafter(actor)
    now = utcnow()
    prepared = prepare(db, remote, office_id, actor, request, now)
    assert prepared.letter is not None and prepared.today is not None
    release = release_document(remote, office_id, prepared.decision.release_id)
    pdf = letter_document(
        prepared.letter,
        prepared.settings,
        prepared.agency,
        prepared.contact,
        prepared.today,
        (release[2], release[1]) if release else None,
        prepared.caseworker_name,
    )
    return LetterPreview(
        subject=prepared.letter.subject,
        body=prepared.letter.body,
        pdf=pdf,
        consent=prepared.decision,
        redactions=tuple(prepared.letter.redactions),
    )


def draft_inquiry(
    db: Any, remote: CaseParticulars, office_id: str, actor: Actor, request: LetterRequest
) -> InquiryView:
    """Store the letter as rendered (the text approved is the text sent)."""
    require_drafter(actor)
    now = utcnow()
    prepared = prepare(db, remote, office_id, actor, request, now)
    if not prepared.decision.allowed:
        raise refuse(db, office_id, actor, "case", request.case_id, prepared.decision)
    assert prepared.letter is not None
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        inquiry = Inquiry.draft(
            inquiry_id=str(uuid.uuid4()),
            case_id=prepared.case.case_id,
            reference=prepared.case.reference,
            agency_code=prepared.agency.code,
            agency_name=prepared.agency.name,
            contact_id=prepared.contact.contact_id if prepared.contact else None,
            template_id=prepared.template.template_id,
            template_version=prepared.template.version,
            subject=prepared.letter.subject,
            body=prepared.letter.body,
            release_id=prepared.decision.release_id,
            drafted_by=actor.user_id,
            drafted_role=actor.role or "",
            at=now,
            approval_roles=settings.approval_roles,
        )
        uow.inquiries.add(
            inquiry, schedule_of(inquiry, settings.calendar, local_date(now, settings.timezone))
        )
        uow.audit("inquiry.drafted", "inquiry", inquiry.inquiry_id)
        (view,) = view_of(uow, [inquiry], settings, now)
        uow.commit()
        return view


def find_inquiry(uow: AgenciesWork, inquiry_id: str, *, for_update: bool = True) -> Inquiry:
    inquiry = uow.inquiries.get(inquiry_id, for_update=for_update)
    if inquiry is None:
        raise NotFound("there is no such inquiry in this office")
    return inquiry


# What a staff move does to a letter, given the time, the office's calendar and its local day.
LetterMove = Callable[[Inquiry, datetime, HolidayCalendar, date], None]


def move_inquiry(
    db: Any, office_id: str, actor: Actor, inquiry_id: str, action: str, move: LetterMove
) -> InquiryView:
    """One staff move on a letter in its own unit of work: the letter changed, its schedule
    saved, the move audited as `action`; the letter as it then stands."""
    now = utcnow()
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        inquiry = find_inquiry(uow, inquiry_id)
        calendar, today = settings.calendar, local_date(now, settings.timezone)
        move(inquiry, now, calendar, today)
        uow.inquiries.save(inquiry, schedule_of(inquiry, calendar, today))
        uow.audit(action, "inquiry", inquiry_id)
        (view,) = view_of(uow, [inquiry], settings, now)
        uow.commit()
        return view


def approval_queue(db: Any, office_id: str, actor: Actor) -> list[InquiryView]:
    require_member(actor)
    now = utcnow()
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        views = view_of(uow, uow.inquiries.in_state(InquiryState.AWAITING_APPROVAL), settings, now)
        uow.commit()
        return views


def approve_inquiry(db: Any, office_id: str, actor: Actor, inquiry_id: str) -> InquiryView:
    require_approver(actor)

    def approve(inquiry: Inquiry, now: datetime, _calendar: HolidayCalendar, _today: date) -> None:
        inquiry.approve(by=actor.user_id, role=actor.role or "", at=now)

    return move_inquiry(db, office_id, actor, inquiry_id, "inquiry.approved", approve)
