"""After a letter is sent: the agency's replies logged (with their attachments), its due date
extended, or the letter withdrawn."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from services.agencies.adapters.inquiries import Attachment
from services.agencies.domain.inquiry import Inquiry, Reply
from services.agencies.handlers import ensure_settings, require_writer, schedule_of
from services.agencies.liaison.drafting import find_inquiry, move_inquiry
from services.agencies.liaison.views import Document, InquiryView, view_of
from services.chassis.calendar import HolidayCalendar, local_date
from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.observability import service_metric
from services.contracts.rpc.agencies import REPLY_KINDS

replies_logged = service_metric(
    "counter", "agencies", "replies_logged_total", "Agency replies logged, by kind", ["kind"]
)
for _kind in REPLY_KINDS:
    replies_logged.labels(_kind)


def log_reply(
    db: Any,
    office_id: str,
    actor: Actor,
    inquiry_id: str,
    *,
    kind: str,
    text: str,
    received_on: date,
    attachment: Document | None = None,
) -> InquiryView:
    require_writer(actor, "log an agency's reply")
    now = utcnow()
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        inquiry = find_inquiry(uow, inquiry_id)
        reply = Reply(
            reply_id=str(uuid.uuid4()),
            kind=kind,
            text=text,
            received_on=received_on,
            logged_by=actor.user_id,
            logged_at=now,
            attachment_filename=attachment.filename if attachment else None,
        )
        calendar = settings.calendar
        inquiry.log_reply(reply, calendar=calendar)
        stored = (
            {
                reply.reply_id: Attachment(
                    attachment.filename, attachment.content_type, attachment.content
                )
            }
            if attachment
            else None
        )
        uow.inquiries.save(
            inquiry,
            schedule_of(inquiry, calendar, local_date(now, settings.timezone)),
            reply_attachments=stored,
        )
        uow.audit("inquiry.reply_logged", "inquiry", inquiry_id)
        uow.after_commit(replies_logged.labels(kind).inc)
        (view,) = view_of(uow, [inquiry], settings, now)
        uow.commit()
        return view


def extend_deadline(
    db: Any, office_id: str, actor: Actor, inquiry_id: str, *, days: int, reason: str
) -> InquiryView:
    require_writer(actor, "extend a due date")

    def extend(inquiry: Inquiry, now: datetime, calendar: HolidayCalendar, today: date) -> None:
        inquiry.extend(
            days=days, reason=reason, by=actor.user_id, at=now, calendar=calendar, today=today
        )

    return move_inquiry(db, office_id, actor, inquiry_id, "inquiry.extended", extend)


def withdraw_inquiry(
    db: Any, office_id: str, actor: Actor, inquiry_id: str, *, reason: str
) -> InquiryView:
    require_writer(actor, "withdraw a letter")

    def withdraw(inquiry: Inquiry, now: datetime, _calendar: HolidayCalendar, _today: date) -> None:
        inquiry.withdraw(by=actor.user_id, reason=reason, at=now)

    return move_inquiry(db, office_id, actor, inquiry_id, "inquiry.withdrawn", withdraw)
