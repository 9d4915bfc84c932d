"""The case page's agency panel (the case's letters, the gate's answer for each agency, what to
pick from) and the office's agency scorecard."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.agencies.domain.office import Referral, TemplateVersion
from services.agencies.domain.scorecard import InquiryFacts, ScorecardLine, scorecard
from services.agencies.handlers import current_directory, ensure_settings, require_member
from services.agencies.liaison.consent_gate import gate
from services.agencies.liaison.particulars import case_facts
from services.agencies.liaison.views import CaseLiaison, view_of
from services.agencies.ports import CaseParticulars
from services.chassis.calendar import local_date
from services.chassis.db import utcnow
from services.chassis.domain import Actor


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
