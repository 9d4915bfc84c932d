"""A letter rendered: its text filled in from the template and the case's particulars (the
caseworker's extra paragraph before the closing), and its PDF with the letterhead, addressee,
signature and the release appended."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.agencies.domain.consent import ConsentDecision
from services.agencies.domain.directory import Agency
from services.agencies.domain.inquiry import Inquiry
from services.agencies.domain.letter_fields import letter_context
from services.agencies.domain.letters import LetterText, render_letter, template_fields
from services.agencies.domain.office import CaseFacts, Contact, LiaisonSettings, TemplateVersion
from services.agencies.domain.redaction import mask_ssns
from services.agencies.handlers import ensure_settings
from services.agencies.letter_pdf import render_letter_pdf
from services.agencies.liaison.consent_gate import gate
from services.agencies.liaison.particulars import (
    LetterRequest,
    agency_to_write_to,
    caseworker_name,
    contact_at,
    known_case,
    public_notes,
    usable_template,
)
from services.agencies.ports import CaseParticulars
from services.chassis.calendar import local_date
from services.chassis.domain import Actor
from services.chassis.observability import service_metric

READ_ONLY = "read_only"

letter_render_seconds = service_metric(
    "histogram",
    "agencies",
    "letter_render_seconds",
    "Time to render a letter's PDF (with the release appended)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


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
    agency = agency_to_write_to(db, request.agency_code)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow, now)
        contact = contact_at(uow, request.contact_id, agency)
        template = usable_template(uow, request.template_id)
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


def inquiry_document(
    inquiry: Inquiry,
    settings: LiaisonSettings,
    agency: Agency,
    contact: Contact | None,
    on: date,
    release: tuple[str, str, bytes] | None,
) -> bytes:
    """The PDF of an inquiry's letter as stored (the text approved is the text sent), with the
    release `release_document` found appended."""
    return letter_document(
        LetterText(inquiry.subject, inquiry.body, ()),
        settings,
        agency,
        contact,
        on,
        (release[2], release[1]) if release else None,
    )


def release_document(
    remote: CaseParticulars, office_id: str, release_id: str | None
) -> tuple[str, str, bytes] | None:
    return remote.release_document(office_id, release_id) if release_id else None
