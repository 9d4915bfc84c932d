"""Referrals to the office's partner organisations: the referral itself (a timeline entry on
the case through `agencies.case_referred`) and, when the caseworker asks for one, the referral
letter, rendered once under the office's letterhead and kept, so the letter downloaded later
is the letter written then."""

from __future__ import annotations

import uuid
from typing import Any

from services.agencies.domain.office import Partner, Referral
from services.agencies.domain.referral_letter import ReferralParticulars, referral_letter_text
from services.agencies.handlers import ensure_settings, require_member, require_writer
from services.agencies.letter_pdf import render_letter_pdf
from services.agencies.liaison.panel import referral_entry
from services.agencies.liaison.particulars import case_facts, caseworker_name
from services.agencies.liaison.rendering import date_line, letter_render_seconds, signature_lines
from services.agencies.liaison.views import Document
from services.agencies.ports import CaseParticulars
from services.chassis.calendar import local_date
from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.errors import NotFound, ValidationFailed

PDF = "application/pdf"


def refer_case(
    db: Any,
    remote: CaseParticulars,
    office_id: str,
    actor: Actor,
    *,
    case_id: str,
    partner_id: str,
    note: str,
    with_letter: bool,
    writer_name: str | None = None,
) -> dict[str, Any]:
    require_writer(actor, "refer a case")
    facts, _ = case_facts(db, remote, office_id, actor, case_id)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        partner = _partner(uow, partner_id)
        settings = ensure_settings(uow, utcnow())
        uow.commit()
    letter = (
        _letter(remote, office_id, actor, case_id, partner, note, settings, writer_name)
        if with_letter and partner.active
        else None
    )
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        partner = _partner(uow, partner_id)
        referral = uow.referrals.add(
            Referral.refer(
                referral_id=str(uuid.uuid4()),
                case_id=case_id,
                reference=facts.reference,
                partner=partner,
                note=note,
                with_letter=with_letter,
                by=actor.user_id,
                at=utcnow(),
            ),
            letter=letter,
        )
        uow.audit("case.referred", "case", case_id)
        uow.commit()
        return referral_entry(referral)


def referral_letter(db: Any, office_id: str, actor: Actor, referral_id: str) -> Document:
    """The referral letter as it was written (audited: it names the constituent)."""
    require_member(actor)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        found = uow.referrals.letter(referral_id)
        if found is None:
            raise NotFound("there is no referral letter here", {"referral_id": ["no letter"]})
        referral, pdf = found
        uow.audit("case.referral_letter_read", "case", referral.case_id)
        uow.commit()
    return Document(f"{referral.reference}-referral-letter.pdf", PDF, pdf)


def _partner(uow: Any, partner_id: str) -> Partner:
    partner: Partner | None = uow.partners.get(partner_id)
    if partner is None:
        raise ValidationFailed("there is no such partner", {"partner_id": ["not a partner here"]})
    return partner


def _letter(
    remote: CaseParticulars,
    office_id: str,
    actor: Actor,
    case_id: str,
    partner: Partner,
    note: str,
    settings: Any,
    writer_name: str | None,
) -> bytes:
    """The letter's PDF: the constituent's name and how to reach them from intake (asked
    without a release, so no identifiers come), the case's subject from cases."""
    case_file = remote.case(office_id, case_id)
    submission_id = case_file.get("submission_id")
    particulars = remote.particulars(office_id, submission_id, None) if submission_id else {}
    letterhead = settings.letterhead
    text = referral_letter_text(
        ReferralParticulars(
            constituent_name=particulars.get("name") or case_file.get("constituent_name") or "",
            reference=str(case_file.get("reference") or ""),
            subject=str(case_file.get("subject") or ""),
            email=particulars.get("email") or "",
            phone=particulars.get("phone") or "",
            address_lines=particulars.get("address_lines") or (),
        ),
        partner_name=partner.name,
        note=note,
        office_name=letterhead.office_name,
        office_phone=letterhead.phone,
        office_email=letterhead.email,
        mask_ssn=settings.mask_ssn,
    )
    addressee = [partner.name, *([partner.email] if partner.email else [])]
    with letter_render_seconds.time():
        return render_letter_pdf(
            text,
            letterhead=letterhead,
            date_line=date_line(local_date(utcnow(), settings.timezone)),
            addressee_lines=addressee,
            signature_lines=signature_lines(
                settings, caseworker_name(case_file, actor, writer_name), text.body
            ),
        )
