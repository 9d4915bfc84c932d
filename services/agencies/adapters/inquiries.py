"""One office's inquiries SQL: the letters, their clocks (pauses and extensions as JSON), the
replies (a child table, with any scan), the sent letter's PDF, and referrals to partners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.sql.elements import BindParameter

from services.agencies.domain.clock import DayBasis, Extension, OverdueLevel, Pause, ResponseTarget
from services.agencies.domain.inquiry import Inquiry, InquiryState, Reply
from services.agencies.domain.office import Referral
from services.agencies.models import InquiryReplyRow, InquiryRow
from services.agencies.models import Referral as ReferralRow
from services.chassis.db import utcnow
from services.chassis.repository import OfficeScopedRepository
from services.chassis.uow import UnitOfWork

OFFICE: BindParameter[str] = bindparam("office_id")
INQUIRIES = cast(Table, InquiryRow.__table__)
REPLIES = cast(Table, InquiryReplyRow.__table__)
REFERRALS = cast(Table, ReferralRow.__table__)
# Every column but the PDF: pages list inquiries, the letter is fetched on its own.
INQUIRY_COLUMNS = [column for column in INQUIRIES.c if column.name != "letter_pdf"]
REPLY_COLUMNS = [column for column in REPLIES.c if column.name != "attachment"]

INQUIRY = select(*INQUIRY_COLUMNS).where(
    INQUIRIES.c.office_id == OFFICE, INQUIRIES.c.id == bindparam("inquiry_id")
)
# PostgreSQL: a second overdue scan (another instance) skips a row the first holds.
INQUIRY_TO_CHECK = INQUIRY.with_for_update(skip_locked=True)
INQUIRY_TO_CHANGE = INQUIRY.with_for_update()
OF_CASE = (
    select(*INQUIRY_COLUMNS)
    .where(INQUIRIES.c.office_id == OFFICE, INQUIRIES.c.case_id == bindparam("case_id"))
    .order_by(INQUIRIES.c.drafted_at, INQUIRIES.c.id)
)
IN_STATE = (
    select(*INQUIRY_COLUMNS)
    .where(INQUIRIES.c.office_id == OFFICE, INQUIRIES.c.state == bindparam("state"))
    .order_by(INQUIRIES.c.drafted_at, INQUIRIES.c.id)
)
EVER_SENT = (
    select(*INQUIRY_COLUMNS)
    .where(INQUIRIES.c.office_id == OFFICE, INQUIRIES.c.sent_at.is_not(None))
    .order_by(INQUIRIES.c.sent_at, INQUIRIES.c.id)
)
REPLIES_OF = (
    select(*REPLY_COLUMNS)
    .where(
        REPLIES.c.office_id == OFFICE, REPLIES.c.inquiry_id.in_(bindparam("ids", expanding=True))
    )
    .order_by(REPLIES.c.logged_at, REPLIES.c.id)
)
LETTER = select(INQUIRIES.c.letter_pdf).where(
    INQUIRIES.c.office_id == OFFICE, INQUIRIES.c.id == bindparam("inquiry_id")
)
REPLY_ATTACHMENT = select(
    REPLIES.c.attachment_filename, REPLIES.c.attachment_content_type, REPLIES.c.attachment
).where(REPLIES.c.office_id == OFFICE, REPLIES.c.id == bindparam("reply_id"))
REFERRAL_COLUMNS = [column for column in REFERRALS.c if column.name != "letter_pdf"]
REFERRALS_OF_CASE = (
    select(*REFERRAL_COLUMNS)
    .where(REFERRALS.c.office_id == OFFICE, REFERRALS.c.case_id == bindparam("case_id"))
    .order_by(REFERRALS.c.referred_at, REFERRALS.c.id)
)
REFERRAL_LETTER = select(*REFERRAL_COLUMNS, REFERRALS.c.letter_pdf).where(
    REFERRALS.c.office_id == OFFICE, REFERRALS.c.id == bindparam("referral_id")
)


@dataclass(frozen=True)
class Schedule:
    """The dates the overdue scan reads, kept with the inquiry: its due date as of the last
    change and the first day its next overdue level can be reached (None: nothing to watch)."""

    due_on: date | None
    overdue_check_on: date | None


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


def _pauses(stored: list[dict[str, Any]]) -> list[Pause]:
    return [
        Pause(
            start=date.fromisoformat(p["start"]),
            end=date.fromisoformat(p["end"]) if p.get("end") else None,
            reason=p.get("reason") or "waiting on the constituent",
        )
        for p in stored or []
    ]


def _stored_pauses(pauses: list[Pause]) -> list[dict[str, Any]]:
    return [
        {
            "start": p.start.isoformat(),
            "end": p.end.isoformat() if p.end else None,
            "reason": p.reason,
        }
        for p in pauses
    ]


def _reply(row: Any) -> Reply:
    return Reply(
        reply_id=row.id,
        kind=row.kind,
        text=row.text,
        received_on=row.received_on,
        logged_by=row.logged_by,
        logged_at=row.logged_at,
        attachment_filename=row.attachment_filename,
    )


def _inquiry(row: Any, replies: list[Reply]) -> Inquiry:
    target = (
        ResponseTarget(row.response_days, DayBasis(row.day_basis), row.interim_every_days)
        if row.response_days is not None and row.day_basis is not None
        else None
    )
    inquiry = Inquiry(
        inquiry_id=row.id,
        case_id=row.case_id,
        reference=row.reference,
        agency_code=row.agency_code,
        agency_name=row.agency_name,
        contact_id=row.contact_id,
        template_id=row.template_id,
        template_version=row.template_version,
        subject=row.subject,
        body=row.body,
        release_id=row.release_id,
        drafted_by=row.drafted_by,
        drafted_at=row.drafted_at,
        needs_approval=bool(row.needs_approval),
        state=InquiryState(row.state),
        channel=row.channel,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        sent_by=row.sent_by,
        sent_at=row.sent_at,
        started_on=row.started_on,
        target=target,
        pauses=_pauses(row.pauses),
        extensions=[Extension(int(e["days"]), str(e["reason"])) for e in row.extensions or []],
        replies=replies,
        follow_up_on=row.follow_up_on,
        overdue_level=OverdueLevel(row.overdue_level) if row.overdue_level else None,
        message_id=row.message_id,
    )
    inquiry.withdrawn_reason = row.withdrawn_reason
    inquiry.withdrawn_by = row.withdrawn_by
    inquiry.withdrawn_at = row.withdrawn_at
    return inquiry


def _values(inquiry: Inquiry, schedule: Schedule) -> dict[str, Any]:
    target = inquiry.target
    return {
        "case_id": inquiry.case_id,
        "reference": inquiry.reference,
        "agency_code": inquiry.agency_code,
        "agency_name": inquiry.agency_name,
        "contact_id": inquiry.contact_id,
        "template_id": inquiry.template_id,
        "template_version": inquiry.template_version,
        "subject": inquiry.subject,
        "body": inquiry.body,
        "release_id": inquiry.release_id,
        "drafted_by": inquiry.drafted_by,
        "drafted_at": inquiry.drafted_at,
        "needs_approval": inquiry.needs_approval,
        "state": InquiryState(inquiry.state).value,
        "channel": inquiry.channel,
        "approved_by": inquiry.approved_by,
        "approved_at": inquiry.approved_at,
        "sent_by": inquiry.sent_by,
        "sent_at": inquiry.sent_at,
        "started_on": inquiry.started_on,
        "response_days": target.days if target else None,
        "day_basis": DayBasis(target.basis).value if target else None,
        "interim_every_days": target.interim_every_days if target else None,
        "pauses": _stored_pauses(list(inquiry.pauses)),
        "extensions": [{"days": e.days, "reason": e.reason} for e in inquiry.extensions],
        "follow_up_on": inquiry.follow_up_on,
        "due_on": schedule.due_on,
        "overdue_level": OverdueLevel(inquiry.overdue_level).value
        if inquiry.overdue_level
        else None,
        "overdue_check_on": schedule.overdue_check_on,
        "message_id": inquiry.message_id,
        "withdrawn_reason": inquiry.withdrawn_reason,
        "withdrawn_by": inquiry.withdrawn_by,
        "withdrawn_at": inquiry.withdrawn_at,
        "updated_at": utcnow(),
    }


class SqlInquiries(OfficeScopedRepository):
    """The office's inquiries; an inquiry handed out is tracked, so the events it records
    go to the outbox when the unit of work commits."""

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self._stored_replies: dict[str, set[str]] = {}

    def _load(self, rows: list[Any]) -> list[Inquiry]:
        if not rows:
            return []
        replies: dict[str, list[Reply]] = {}
        for reply in self._rows(REPLIES_OF, ids=[row.id for row in rows]):
            replies.setdefault(reply.inquiry_id, []).append(_reply(reply))
        loaded = []
        for row in rows:
            found = replies.get(row.id, [])
            self._stored_replies[row.id] = {reply.reply_id for reply in found}
            loaded.append(self._uow.track(_inquiry(row, found)))
        return loaded

    def get(self, inquiry_id: str, *, for_update: bool = False) -> Inquiry | None:
        statement = INQUIRY_TO_CHANGE if for_update else INQUIRY
        found = self._load(self._rows(statement, inquiry_id=inquiry_id))
        return found[0] if found else None

    def get_to_check(self, inquiry_id: str) -> Inquiry | None:
        """The inquiry, locked for this overdue check; None when another worker holds it
        (PostgreSQL) or it is gone."""
        found = self._load(self._rows(INQUIRY_TO_CHECK, inquiry_id=inquiry_id))
        return found[0] if found else None

    def for_case(self, case_id: str) -> list[Inquiry]:
        return self._load(self._rows(OF_CASE, case_id=case_id))

    def in_state(self, state: InquiryState) -> list[Inquiry]:
        return self._load(self._rows(IN_STATE, state=InquiryState(state).value))

    def ever_sent(self) -> list[tuple[Inquiry, date | None]]:
        """Every inquiry that went out, with its stored due date (the scorecard's facts)."""
        rows = self._rows(EVER_SENT)
        due = {row.id: row.due_on for row in rows}
        return [(inquiry, due[inquiry.inquiry_id]) for inquiry in self._load(rows)]

    def add(self, inquiry: Inquiry, schedule: Schedule) -> Inquiry:
        self._uow.session.execute(
            INQUIRIES.insert().values(
                id=inquiry.inquiry_id, office_id=self._office_id, **_values(inquiry, schedule)
            )
        )
        self._stored_replies[inquiry.inquiry_id] = set()
        self._insert_replies(inquiry, {})
        return self._uow.track(inquiry)

    def save(
        self,
        inquiry: Inquiry,
        schedule: Schedule,
        *,
        reply_attachments: dict[str, Attachment] | None = None,
    ) -> None:
        """Write the inquiry's changes and any reply logged since it was loaded."""
        self._uow.session.execute(
            update(INQUIRIES)
            .where(
                INQUIRIES.c.office_id == self._office_id,
                INQUIRIES.c.id == inquiry.inquiry_id,
            )
            .values(_values(inquiry, schedule))
        )
        self._insert_replies(inquiry, reply_attachments or {})

    def _insert_replies(self, inquiry: Inquiry, attachments: dict[str, Attachment]) -> None:
        stored = self._stored_replies.setdefault(inquiry.inquiry_id, set())
        new = [reply for reply in inquiry.replies if reply.reply_id not in stored]
        if not new:
            return
        rows = []
        for reply in new:
            attachment = attachments.get(reply.reply_id)
            rows.append(
                {
                    "id": reply.reply_id,
                    "office_id": self._office_id,
                    "inquiry_id": inquiry.inquiry_id,
                    "kind": reply.kind,
                    "text": reply.text,
                    "received_on": reply.received_on,
                    "logged_by": reply.logged_by,
                    "logged_at": reply.logged_at,
                    "attachment_filename": attachment.filename if attachment else None,
                    "attachment_content_type": attachment.content_type if attachment else None,
                    "attachment": attachment.content if attachment else None,
                }
            )
            stored.add(reply.reply_id)
        self._uow.session.execute(REPLIES.insert(), rows)

    def store_letter(self, inquiry_id: str, pdf: bytes) -> None:
        self._uow.session.execute(
            update(INQUIRIES)
            .where(INQUIRIES.c.office_id == self._office_id, INQUIRIES.c.id == inquiry_id)
            .values(letter_pdf=pdf)
        )

    def letter(self, inquiry_id: str) -> bytes | None:
        return self._uow.session.execute(  # type: ignore[no-any-return]
            LETTER, self._params(inquiry_id=inquiry_id)
        ).scalar()

    def reply_attachment(self, reply_id: str) -> Attachment | None:
        row = self._row(REPLY_ATTACHMENT, reply_id=reply_id)
        if row is None or row.attachment is None:
            return None
        return Attachment(row.attachment_filename, row.attachment_content_type, row.attachment)


def _referral(row: Any) -> Referral:
    return Referral(
        referral_id=row.id,
        case_id=row.case_id,
        reference=row.reference,
        partner_id=row.partner_id,
        partner_name=row.partner_name,
        note=row.note,
        with_letter=bool(row.with_letter),
        referred_by=row.referred_by,
        referred_at=row.referred_at,
    )


class SqlReferrals(OfficeScopedRepository):
    """The office's referrals of cases to partner organisations."""

    def add(self, referral: Referral, letter: bytes | None = None) -> Referral:
        self._uow.session.execute(
            REFERRALS.insert().values(
                id=referral.referral_id,
                office_id=self._office_id,
                case_id=referral.case_id,
                reference=referral.reference,
                partner_id=referral.partner_id,
                partner_name=referral.partner_name,
                note=referral.note,
                with_letter=referral.with_letter,
                referred_by=referral.referred_by,
                referred_at=referral.referred_at,
                letter_pdf=letter,
            )
        )
        return self._uow.track(referral)

    def for_case(self, case_id: str) -> list[Referral]:
        return [_referral(row) for row in self._rows(REFERRALS_OF_CASE, case_id=case_id)]

    def letter(self, referral_id: str) -> tuple[Referral, bytes] | None:
        """The referral and its letter; None when there is no such referral or no letter."""
        row = self._row(REFERRAL_LETTER, referral_id=referral_id)
        if row is None or row.letter_pdf is None:
            return None
        return _referral(row), bytes(row.letter_pdf)
