"""Sending an approved letter: gated again, then emailed with the release (its Message-ID fixed
first) or recorded as sent by fax, portal or post; and the letter's PDF as sent."""

from __future__ import annotations

from typing import Any

from services.agencies.domain.inquiry import InquiryState
from services.agencies.handlers import (
    current_directory,
    ensure_settings,
    require_member,
    require_writer,
    schedule_of,
)
from services.agencies.liaison.consent_gate import gate, refuse
from services.agencies.liaison.drafting import find_inquiry
from services.agencies.liaison.particulars import agency_to_write_to, case_facts, contact_at
from services.agencies.liaison.rendering import inquiry_document, release_document
from services.agencies.liaison.views import Document, InquiryView, view_of
from services.agencies.mailer import MailAttachment, letter_message, new_message_id
from services.agencies.ports import CaseParticulars, Mailer
from services.chassis.calendar import local_date
from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.errors import Conflict, NotFound, Unavailable, ValidationFailed
from services.chassis.observability import service_metric
from services.chassis.smtp import SendOutcomeUnknown, SendRefused
from services.contracts.rpc.agencies import INQUIRY_CHANNELS

EMAIL = "email"

inquiries_sent = service_metric(
    "counter",
    "agencies",
    "inquiries_sent_total",
    "Letters sent to agencies, by channel",
    ["channel"],
)
smtp_sends = service_metric(
    "counter",
    "agencies",
    "smtp_sends_total",
    "Letters handed to the SMTP server, by outcome",
    ["outcome"],
)
for _channel in INQUIRY_CHANNELS:
    inquiries_sent.labels(_channel)
for _outcome in ("sent", "refused", "unknown"):
    smtp_sends.labels(_outcome)


def send_inquiry(
    db: Any,
    remote: CaseParticulars,
    mailer: Mailer,
    office_id: str,
    actor: Actor,
    inquiry_id: str,
    channel: str,
) -> InquiryView:
    """Gate again, then email the letter (its Message-ID committed first, so a retry after a
    crash sends the same message) or record that staff sent it by fax, portal or post; the
    clock starts on the office's date."""
    require_writer(actor, "send a letter")
    now = utcnow()
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        inquiry = find_inquiry(uow, inquiry_id, for_update=False)
        case_id = inquiry.case_id
    facts, releases = case_facts(db, remote, office_id, actor, case_id)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        inquiry = find_inquiry(uow, inquiry_id)
        state = InquiryState(inquiry.state)
        if state is not InquiryState.APPROVED:
            raise Conflict(
                f"the letter is {state.value.replace('_', ' ')}: only an approved letter is sent"
            )
        agency = agency_to_write_to(db, inquiry.agency_code)
        contact = contact_at(uow, inquiry.contact_id, agency)
        decision = gate(releases, agency, facts, settings, now)
        if channel == EMAIL and (contact is None or not contact.email):
            raise ValidationFailed(
                "the letter has no contact with an email address to send to",
                {"channel": ["pick a contact with an email address, or send it another way"]},
            )
        if decision.allowed and channel == EMAIL and inquiry.message_id is None:
            inquiry.assign_message_id(new_message_id(mailer.sender_address))
            uow.inquiries.save(
                inquiry, schedule_of(inquiry, settings.calendar, local_date(now, settings.timezone))
            )
            uow.commit()
        message_id = inquiry.message_id
    if not decision.allowed:
        raise refuse(db, office_id, actor, "inquiry", inquiry_id, decision)
    release = release_document(remote, office_id, decision.release_id)
    today = local_date(now, settings.timezone)
    pdf = inquiry_document(inquiry, settings, agency, contact, today, release)
    if channel == EMAIL:
        assert contact is not None and contact.email and message_id
        attachments = [
            MailAttachment(f"{inquiry.reference}-{agency.code}-letter.pdf", "application/pdf", pdf)
        ]
        if release is not None:
            attachments.append(MailAttachment(release[0], release[1], release[2]))
        message = letter_message(
            message_id=message_id,
            sender_address=mailer.sender_address,
            sender_name=settings.letterhead.office_name,
            reply_to=settings.letterhead.email or None,
            to_address=contact.email,
            to_name=contact.name,
            subject=inquiry.subject,
            body=inquiry.body,
            attachments=attachments,
        )
        try:
            mailer.send(message)
        except SendRefused as refused:
            smtp_sends.labels("refused").inc()
            raise Unavailable(
                "the mail server did not take the letter, so nothing was sent; try again"
                + (" after checking the contact's address" if refused.permanent else "")
            ) from None
        except SendOutcomeUnknown:
            smtp_sends.labels("unknown").inc()
            raise Unavailable(
                "the connection to the mail server broke while sending; sending again reuses "
                "the same message, so the liaison office can tell it is one letter"
            ) from None
        smtp_sends.labels("sent").inc()
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        inquiry = find_inquiry(uow, inquiry_id)
        if InquiryState(inquiry.state) is InquiryState.APPROVED:
            calendar = settings.calendar
            inquiry.mark_sent(
                channel=channel,
                by=actor.user_id,
                at=now,
                started_on=today,
                target=settings.target_for(agency),
                calendar=calendar,
            )
            uow.inquiries.save(inquiry, schedule_of(inquiry, calendar, today))
            uow.inquiries.store_letter(inquiry_id, pdf)
            uow.audit("inquiry.sent", "inquiry", inquiry_id)
            uow.after_commit(inquiries_sent.labels(channel).inc)
        (view,) = view_of(uow, [inquiry], settings, now)
        uow.commit()
        return view


def letter_pdf(
    db: Any, remote: CaseParticulars, office_id: str, actor: Actor, inquiry_id: str
) -> Document:
    """The letter as sent (stored), or as it would be sent now."""
    require_member(actor)
    now = utcnow()
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        inquiry = find_inquiry(uow, inquiry_id, for_update=False)
        stored = uow.inquiries.letter(inquiry_id)
        uow.audit("inquiry.letter_read", "inquiry", inquiry_id)
        agency = current_directory(db).find(inquiry.agency_code)
        contact = uow.contacts.get(inquiry.contact_id) if inquiry.contact_id else None
        uow.commit()
    filename = f"{inquiry.reference}-{inquiry.agency_code}-letter.pdf"
    if stored is not None:
        return Document(filename, "application/pdf", stored)
    if agency is None:
        raise NotFound(f"{inquiry.agency_code} is no longer in the directory")
    release = release_document(remote, office_id, inquiry.release_id)
    pdf = inquiry_document(
        inquiry, settings, agency, contact, local_date(now, settings.timezone), release
    )
    return Document(filename, "application/pdf", pdf)
