"""Agencies' service layer for letters: preview, draft, approve, send (by email or marked as
sent), replies, extensions, withdrawals, referrals, the case page's panel and the scorecard.

Every letter is gated: `check_consent` runs on the preview (reported), the draft and the send
(refused with a `Conflict` and an audit row). The particulars come from cases and intake by
RPC, asked as the acting staff member and never while a transaction is open.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.agencies.adapters.inquiries import Attachment
from services.agencies.domain.consent import ConsentDecision, ReleaseRecord, check_consent
from services.agencies.domain.directory import Agency
from services.agencies.domain.inquiry import Inquiry, InquiryState, Reply
from services.agencies.domain.letter_fields import letter_context
from services.agencies.domain.letters import LetterText, render_letter, template_fields
from services.agencies.domain.office import (
    CaseFacts,
    Contact,
    LiaisonSettings,
    Partner,
    Referral,
    TemplateVersion,
)
from services.agencies.domain.redaction import mask_ssns
from services.agencies.domain.scorecard import InquiryFacts, ScorecardLine, scorecard
from services.agencies.handlers import (
    current_directory,
    ensure_settings,
    require_approver,
    require_drafter,
    require_member,
    require_writer,
    schedule_of,
)
from services.agencies.letter_pdf import render_letter_pdf
from services.agencies.mailer import MailAttachment, letter_message, new_message_id
from services.agencies.ports import AgenciesWork, CaseParticulars, Mailer
from services.chassis.calendar import local_date
from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.errors import Conflict, NotFound, Unavailable, ValidationFailed
from services.chassis.observability import service_metric
from services.chassis.smtp import SendOutcomeUnknown, SendRefused
from services.contracts.rpc.agencies import INQUIRY_CHANNELS, REPLY_KINDS

REFUSED_BY_GATE = "inquiry.refused_by_consent_gate"
READ_ONLY = "read_only"
EMAIL = "email"
PUBLIC = "public"

inquiries_sent = service_metric(
    "counter",
    "agencies",
    "inquiries_sent_total",
    "Letters sent to agencies, by channel",
    ["channel"],
)
consent_refusals = service_metric(
    "counter",
    "agencies",
    "consent_refusals_total",
    "Letters the consent gate refused at draft or send, by the kind of each failed rule",
    ["reason"],
)
replies_logged = service_metric(
    "counter", "agencies", "replies_logged_total", "Agency replies logged, by kind", ["kind"]
)
letter_render_seconds = service_metric(
    "histogram",
    "agencies",
    "letter_render_seconds",
    "Time to render a letter's PDF (with the release appended)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
smtp_sends = service_metric(
    "counter",
    "agencies",
    "smtp_sends_total",
    "Letters handed to the SMTP server, by outcome",
    ["outcome"],
)
REASON_KINDS = (
    ("no privacy release", "no_release"),
    ("revoked", "revoked"),
    ("expired", "expired"),
    ("signature", "signature"),
    ("days old", "too_old"),
    ("closed", "after_closure"),
)
for _channel in INQUIRY_CHANNELS:
    inquiries_sent.labels(_channel)
for _kind in REPLY_KINDS:
    replies_logged.labels(_kind)
for _, _reason in (*REASON_KINDS, ("", "other")):
    consent_refusals.labels(_reason)
for _outcome in ("sent", "refused", "unknown"):
    smtp_sends.labels(_outcome)


def reason_kind(reason: str) -> str:
    lowered = reason.lower()
    for words, kind in REASON_KINDS:
        if words in lowered:
            return kind
    return "other"


# --- what RPC answers are dumped from ------------------------------------------------------


@dataclass(frozen=True)
class DeadlineView:
    due_on: date
    follow_up_on: date | None
    explanation: str
    paused: bool
    overdue_level: str | None


@dataclass(frozen=True)
class InquiryView:
    """An inquiry as the staff app shows it (the `InquiryEntry` contract's attributes)."""

    inquiry: Inquiry
    contact: Contact | None
    template: TemplateVersion | None
    deadline: DeadlineView | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inquiry, name)

    @property
    def state(self) -> str:
        return InquiryState(self.inquiry.state).value

    @property
    def contact_name(self) -> str | None:
        return self.contact.name if self.contact else None

    @property
    def contact_email(self) -> str | None:
        return self.contact.email if self.contact else None

    @property
    def template_name(self) -> str | None:
        return self.template.name if self.template else None


@dataclass(frozen=True)
class LetterPreview:
    subject: str
    body: str
    pdf: bytes
    consent: ConsentDecision
    redactions: tuple[str, ...]


@dataclass(frozen=True)
class CaseLiaison:
    inquiries: list[InquiryView]
    consent: list[ConsentDecision]
    templates: list[TemplateVersion]
    contacts: list[Contact]
    partners: list[Partner]
    referrals: list[dict[str, Any]]


@dataclass(frozen=True)
class LetterRequest:
    case_id: str
    agency_code: str
    contact_id: str | None
    template_id: str
    extra_text: str = ""
    # The writer's name as the staff app knows it (their user id when it does not say).
    writer_name: str | None = None


@dataclass(frozen=True)
class Document:
    filename: str
    content_type: str
    content: bytes


@dataclass
class Prepared:
    """Everything a letter rests on, read before it is rendered."""

    settings: LiaisonSettings
    agency: Agency
    contact: Contact | None
    template: TemplateVersion
    case: CaseFacts
    decision: ConsentDecision
    case_file: Mapping[str, Any]
    letter: LetterText | None = None
    caseworker_name: str = ""
    today: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def view_of(
    uow: AgenciesWork, inquiries: Iterable[Inquiry], settings: LiaisonSettings, now: datetime
) -> list[InquiryView]:
    contacts = {contact.contact_id: contact for contact in uow.contacts.list()}
    templates = {template.template_id: template for template in uow.templates.list()}
    calendar = settings.calendar
    today = local_date(now, settings.timezone)
    views = []
    for inquiry in inquiries:
        deadline = inquiry.deadline(calendar, today)
        contact = contacts.get(inquiry.contact_id or "")
        if contact is None and inquiry.contact_id:
            contact = uow.contacts.get(inquiry.contact_id)  # removed since, still named
        views.append(
            InquiryView(
                inquiry=inquiry,
                contact=contact,
                template=templates.get(inquiry.template_id or ""),
                deadline=DeadlineView(
                    due_on=deadline.due_on,
                    follow_up_on=inquiry.follow_up_on,
                    explanation=deadline.explanation(),
                    paused=deadline.paused,
                    overdue_level=inquiry.overdue_level.value if inquiry.overdue_level else None,
                )
                if deadline is not None
                else None,
            )
        )
    return views


# --- reading a letter's particulars --------------------------------------------------------


def _agency(db: Any, code: str) -> Agency:
    agency = current_directory(db).find(code)
    if agency is None or not agency.active:
        raise ValidationFailed(
            f"there is no agency {code} in the directory to write to",
            {"agency_code": ["not an agency in the directory"]},
        )
    return agency


def _contact(uow: AgenciesWork, contact_id: str | None, agency: Agency) -> Contact | None:
    if contact_id is None:
        return None
    contact = uow.contacts.get(contact_id)
    if contact is None or not contact.active:
        raise ValidationFailed("there is no such contact", {"contact_id": ["not a contact here"]})
    if contact.agency_code != agency.code:
        raise ValidationFailed(
            f"{contact.name} is a contact at {contact.agency_code}, not {agency.code}",
            {"contact_id": [f"not a contact at {agency.code}"]},
        )
    return contact


def _template(uow: AgenciesWork, template_id: str) -> TemplateVersion:
    template = uow.templates.get(template_id)
    if template is None:
        raise ValidationFailed(
            "there is no such template", {"template_id": ["not a template here"]}
        )
    if not template.usable:
        raise Conflict(
            f"{template.name} v{template.version} waits for a supervisor's approval",
            {"template_id": ["not approved yet"]},
        )
    return template


def _parse_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def facts_from_case_file(case_file: Mapping[str, Any]) -> CaseFacts:
    outcome = case_file.get("outcome") or {}
    return CaseFacts(
        case_id=case_file["case_id"],
        reference=case_file["reference"],
        status=case_file["status"],
        submission_id=case_file.get("submission_id"),
        constituent_id=case_file.get("constituent_id"),
        category=case_file.get("category"),
        opened_at=_parse_datetime(case_file.get("opened_at")),
        closed_at=_parse_datetime(outcome.get("closed_at")) if outcome else None,
    )


def releases_from_case_file(case_file: Mapping[str, Any]) -> list[ReleaseRecord]:
    """cases' copy of the submission's releases, for a case agencies heard of before it kept
    its own (a deployment upgraded mid-case)."""
    return [
        ReleaseRecord(
            release_id=release["release_id"],
            submission_id=case_file["submission_id"],
            agencies=tuple(release["agencies"]),
            kind=release["kind"],
            signed_at=_parse_datetime(release["signed_at"]),  # type: ignore[arg-type]
            expires_at=_parse_datetime(release["expires_at"]),  # type: ignore[arg-type]
            revoked_at=_parse_datetime(release.get("revoked_at")),
            revoked_by=release.get("revoked_by"),
        )
        for release in case_file.get("releases") or []
    ]


def known_case(
    uow: AgenciesWork, case_file: Mapping[str, Any] | None, case_id: str
) -> tuple[CaseFacts | None, list[ReleaseRecord]]:
    """The case as agencies knows it, backfilled from cases' case file when it has none; and
    its submission's releases."""
    facts = uow.cases.get(case_id)
    if facts is None and case_file is not None:
        facts = facts_from_case_file(case_file)
        uow.cases.save(facts)
    if facts is None or facts.submission_id is None:
        return facts, []
    releases = uow.releases.for_submission(facts.submission_id)
    if case_file is not None:
        known = {release.release_id for release in releases}
        for release in releases_from_case_file(case_file):
            if release.release_id not in known and facts.constituent_id:
                uow.releases.signed(release, facts.constituent_id)
                releases.append(release)
    return facts, releases


def gate(
    releases: Sequence[ReleaseRecord],
    agency: Agency,
    case: CaseFacts,
    settings: LiaisonSettings,
    now: datetime,
) -> ConsentDecision:
    return check_consent(
        releases,
        agency.code,
        agency.name,
        agency.release_rules,
        now=now,
        case_closed_at=case.closed_at,
        zone=settings.timezone,
    )


def refuse(
    db: Any,
    office_id: str,
    actor: Actor,
    subject_type: str,
    subject_id: str,
    decision: ConsentDecision,
) -> Conflict:
    """Record the refusal (committed on its own: the letter is not) and say why."""
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        uow.audit(REFUSED_BY_GATE, subject_type, subject_id)
        for reason in decision.reasons:
            uow.after_commit(consent_refusals.labels(reason_kind(reason)).inc)
        uow.commit()
    reasons = list(decision.reasons)
    remedy = f" {decision.remedy}" if decision.remedy else ""
    return Conflict(
        f"the consent gate refused the letter to {decision.agency_code}: "
        f"{'; '.join(reasons)}.{remedy}",
        {"consent": reasons, "remedy": [decision.remedy] if decision.remedy else []},
    )


def caseworker_name(
    case_file: Mapping[str, Any], actor: Actor, writer_name: str | None = None
) -> str:
    """The writer's name as the office knows it: as the staff app said it, else from the case
    file (the assignee, or an author on its timeline), else their user id."""
    if writer_name:
        return writer_name
    if case_file.get("assigned_to_id") == actor.user_id and case_file.get("assigned_to_name"):
        return str(case_file["assigned_to_name"])
    for entry in case_file.get("timeline") or []:
        if entry.get("author_id") == actor.user_id and entry.get("author_name"):
            return str(entry["author_name"])
    return actor.user_id


def public_notes(case_file: Mapping[str, Any]) -> list[str]:
    return [
        entry["body"]
        for entry in case_file.get("timeline") or []
        if entry.get("visibility") == PUBLIC and entry.get("body")
    ]


def prepare(
    db: Any,
    remote: CaseParticulars,
    office_id: str,
    actor: Actor,
    request: LetterRequest,
    now: datetime,
) -> Prepared:
    """Read, gate and render a letter (nothing stored but projections' backfill)."""
    case_file = remote.case(office_id, request.case_id)
    agency = _agency(db, request.agency_code)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        contact = _contact(uow, request.contact_id, agency)
        template = _template(uow, request.template_id)
        facts, releases = known_case(uow, case_file, request.case_id)
        assert facts is not None
        decision = gate(releases, agency, facts, settings, now)
        uow.commit()
    prepared = Prepared(settings, agency, contact, template, facts, decision, case_file)
    render(prepared, remote, office_id, actor, request, now)
    return prepared


def render(
    prepared: Prepared,
    remote: CaseParticulars,
    office_id: str,
    actor: Actor,
    request: LetterRequest,
    now: datetime,
) -> None:
    settings, case_file, case = prepared.settings, prepared.case_file, prepared.case
    particulars: Mapping[str, Any] = {}
    if case.submission_id:
        # Intake reveals (and audits) a release's identifiers to staff who may see them; an
        # intern's draft goes without them, and its approver sees the letter as it will go.
        release_id = prepared.decision.release_id if actor.role != READ_ONLY else None
        particulars = remote.particulars(office_id, case.submission_id, release_id)
    today = local_date(now, settings.timezone)
    name = caseworker_name(case_file, actor, request.writer_name)
    opened = case.opened_at
    context = letter_context(
        case={
            "reference": case.reference,
            "subject": case_file.get("subject", ""),
            "category": case.category or case_file.get("category", ""),
            "opened_on": local_date(opened, settings.timezone) if opened else "",
            "description": particulars.get("description") or "",
            "public_notes": public_notes(case_file),
        },
        constituent={
            "name": particulars.get("name") or case_file.get("constituent_name", ""),
            "address_lines": particulars.get("address_lines") or [],
            "email": particulars.get("email") or "",
            "phone": particulars.get("phone") or "",
        },
        identifiers=particulars.get("identifiers") or {},
        agency={"name": prepared.agency.name, "liaison_office": prepared.agency.liaison_office},
        contact={"name": prepared.contact.name, "programme": prepared.contact.programme or ""}
        if prepared.contact
        else None,
        letterhead=settings.letterhead,
        caseworker_name=name,
        today=today,
        # Typed by the caseworker for this letter: a value the template places (never run as
        # a template itself), redacted like every other value.
        extra_text=request.extra_text,
    )
    letter = render_letter(
        prepared.template.subject, prepared.template.body, context, settings.redaction
    )
    extra = request.extra_text.strip()
    if extra and "extra_text" not in template_fields(prepared.template.body):
        # An office's own template that does not place it: before the letter's closing.
        if settings.redaction.mask_ssn:
            known = str((particulars.get("identifiers") or {}).get("ssn") or "")
            extra = mask_ssns(extra, known)
        letter = LetterText(letter.subject, before_closing(letter.body, extra), letter.redactions)
    prepared.letter = letter
    prepared.caseworker_name = name
    prepared.today = today


CLOSINGS = ("sincerely", "respectfully", "yours", "thank you")


def before_closing(body: str, paragraph: str) -> str:
    """`paragraph` inserted before the letter's closing ("Thank you...", "Sincerely,"), or at
    its end when it has none."""
    lines = body.rstrip().split("\n")
    for index, line in enumerate(lines):
        if line.strip().lower().startswith(CLOSINGS):
            return "\n".join([*lines[:index], paragraph, "", *lines[index:]])
    return f"{body.rstrip()}\n\n{paragraph}"


def date_line(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def addressee_lines(agency: Agency, contact: Contact | None) -> list[str]:
    lines = []
    if contact is not None:
        lines.append(contact.name)
        if contact.programme:
            lines.append(contact.programme)
    lines.extend([agency.liaison_office, agency.name])
    return lines


def signature_lines(
    settings: LiaisonSettings, caseworker: str | None = None, body: str = ""
) -> list[str]:
    """The PDF's signature block, when the letter has no closing of its own (the default
    templates sign off themselves)."""
    if any(line.strip().lower().startswith(CLOSINGS[:2]) for line in body.splitlines()):
        return []
    letterhead = settings.letterhead
    lines = ["Sincerely,", "", letterhead.member_name or letterhead.office_name]
    if letterhead.member_name:
        lines.append(letterhead.office_name)
    if caseworker:
        lines.append(f"Caseworker: {caseworker}")
    return lines


def letter_document(
    letter: LetterText,
    settings: LiaisonSettings,
    agency: Agency,
    contact: Contact | None,
    on: date,
    release: tuple[bytes, str] | None,
    caseworker: str | None = None,
) -> bytes:
    started = time.perf_counter()
    pdf = render_letter_pdf(
        letter,
        letterhead=settings.letterhead,
        date_line=date_line(on),
        addressee_lines=addressee_lines(agency, contact),
        signature_lines=signature_lines(settings, caseworker, letter.body),
        release=release,
    )
    letter_render_seconds.observe(time.perf_counter() - started)
    return pdf


def _release(
    remote: CaseParticulars, office_id: str, release_id: str | None
) -> tuple[str, str, bytes] | None:
    return remote.release_document(office_id, release_id) if release_id else None


# --- the RPC methods -----------------------------------------------------------------------


def preview_letter(
    db: Any, remote: CaseParticulars, office_id: str, actor: Actor, request: LetterRequest
) -> LetterPreview:
    """Exactly what would be sent, and the gate's answer (a refusal is reported here)."""
    require_drafter(actor)
    now = utcnow()
    prepared = prepare(db, remote, office_id, actor, request, now)
    assert prepared.letter is not None and prepared.today is not None
    release = _release(remote, office_id, prepared.decision.release_id)
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


def _inquiry(uow: AgenciesWork, inquiry_id: str, *, for_update: bool = True) -> Inquiry:
    inquiry = uow.inquiries.get(inquiry_id, for_update=for_update)
    if inquiry is None:
        raise NotFound("there is no such inquiry in this office")
    return inquiry


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
    now = utcnow()
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        inquiry = _inquiry(uow, inquiry_id)
        inquiry.approve(by=actor.user_id, role=actor.role or "", at=now)
        today = local_date(now, settings.timezone)
        uow.inquiries.save(inquiry, schedule_of(inquiry, settings.calendar, today))
        uow.audit("inquiry.approved", "inquiry", inquiry_id)
        (view,) = view_of(uow, [inquiry], settings, now)
        uow.commit()
        return view


def case_facts(
    db: Any, remote: CaseParticulars, office_id: str, actor: Actor, case_id: str
) -> tuple[CaseFacts, list[ReleaseRecord]]:
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        facts, releases = known_case(uow, None, case_id)
        if facts is not None and facts.submission_id is not None:
            return facts, releases
    case_file = remote.case(office_id, case_id)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        facts, releases = known_case(uow, case_file, case_id)
        uow.commit()
    assert facts is not None
    return facts, releases


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
        inquiry = _inquiry(uow, inquiry_id, for_update=False)
        case_id = inquiry.case_id
    facts, releases = case_facts(db, remote, office_id, actor, case_id)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        inquiry = _inquiry(uow, inquiry_id)
        state = InquiryState(inquiry.state)
        if state is not InquiryState.APPROVED:
            raise Conflict(
                f"the letter is {state.value.replace('_', ' ')}: only an approved letter is sent"
            )
        agency = _agency(db, inquiry.agency_code)
        contact = _contact(uow, inquiry.contact_id, agency)
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
    release = _release(remote, office_id, decision.release_id)
    today = local_date(now, settings.timezone)
    letter = LetterText(inquiry.subject, inquiry.body, ())
    pdf = letter_document(
        letter, settings, agency, contact, today, (release[2], release[1]) if release else None
    )
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
        inquiry = _inquiry(uow, inquiry_id)
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
        inquiry = _inquiry(uow, inquiry_id, for_update=False)
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
    release = _release(remote, office_id, inquiry.release_id)
    pdf = letter_document(
        LetterText(inquiry.subject, inquiry.body, ()),
        settings,
        agency,
        contact,
        local_date(now, settings.timezone),
        (release[2], release[1]) if release else None,
    )
    return Document(filename, "application/pdf", pdf)


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
        inquiry = _inquiry(uow, inquiry_id)
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
    now = utcnow()
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        inquiry = _inquiry(uow, inquiry_id)
        calendar, today = settings.calendar, local_date(now, settings.timezone)
        inquiry.extend(
            days=days, reason=reason, by=actor.user_id, at=now, calendar=calendar, today=today
        )
        uow.inquiries.save(inquiry, schedule_of(inquiry, calendar, today))
        uow.audit("inquiry.extended", "inquiry", inquiry_id)
        (view,) = view_of(uow, [inquiry], settings, now)
        uow.commit()
        return view


def withdraw_inquiry(
    db: Any, office_id: str, actor: Actor, inquiry_id: str, *, reason: str
) -> InquiryView:
    require_writer(actor, "withdraw a letter")
    now = utcnow()
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        inquiry = _inquiry(uow, inquiry_id)
        inquiry.withdraw(by=actor.user_id, reason=reason, at=now)
        today = local_date(now, settings.timezone)
        uow.inquiries.save(inquiry, schedule_of(inquiry, settings.calendar, today))
        uow.audit("inquiry.withdrawn", "inquiry", inquiry_id)
        (view,) = view_of(uow, [inquiry], settings, now)
        uow.commit()
        return view


def referral_entry(referral: Referral) -> dict[str, Any]:
    return {
        "referral_id": referral.referral_id,
        "partner_id": referral.partner_id,
        "partner_name": referral.partner_name,
        "note": referral.note,
        "with_letter": referral.with_letter,
        "referred_by": referral.referred_by,
        "referred_at": referral.referred_at.isoformat(),
    }


def latest_usable(templates: Iterable[TemplateVersion]) -> list[TemplateVersion]:
    """Each template's newest usable version."""
    chosen: dict[str, TemplateVersion] = {}
    for template in templates:
        best = chosen.get(template.name)
        if template.usable and (best is None or template.version > best.version):
            chosen[template.name] = template
    return sorted(chosen.values(), key=lambda template: template.name)


def case_liaison(
    db: Any, remote: CaseParticulars, office_id: str, actor: Actor, case_id: str
) -> CaseLiaison:
    """The case page's agency panel."""
    require_member(actor)
    now = utcnow()
    facts, releases = case_facts(db, remote, office_id, actor, case_id)
    directory = current_directory(db)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        inquiries = view_of(uow, uow.inquiries.for_case(case_id), settings, now)
        templates = latest_usable(uow.templates.list())
        contacts = list(uow.contacts.list())
        partners = list(uow.partners.list())
        referrals = [referral_entry(r) for r in uow.referrals.for_case(case_id)]
        uow.commit()
    consent = [
        gate(releases, agency, facts, settings, now)
        for agency in directory.agencies.values()
        if agency.active
    ]
    return CaseLiaison(inquiries, consent, templates, contacts, partners, referrals)


def office_scorecard(db: Any, office_id: str, actor: Actor) -> list[ScorecardLine]:
    require_member(actor)
    now = utcnow()
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        sent = uow.inquiries.ever_sent()
        uow.commit()
    calendar, today = settings.calendar, local_date(now, settings.timezone)
    facts = []
    for inquiry, _ in sent:
        deadline = inquiry.deadline(calendar, today)
        if deadline is None or inquiry.sent_at is None:
            continue
        finals = [reply.received_on for reply in inquiry.replies if reply.kind == "final"]
        facts.append(
            InquiryFacts(
                agency_code=inquiry.agency_code,
                agency_name=inquiry.agency_name,
                sent_on=inquiry.started_on or local_date(inquiry.sent_at, settings.timezone),
                final_reply_on=min(finals) if finals else None,
                due_on=deadline.due_on,
                overdue=inquiry.overdue_level is not None,
            )
        )
    return scorecard(facts, calendar, today)
