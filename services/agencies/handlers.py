"""Agencies' service layer: the directory (platform admins keep it), each office's contacts,
partners, liaison settings and letter templates, the projections other services' events feed,
the overdue scan, and the agency suggested for each new case. Each handler loads, calls the
domain, and commits in the office's unit of work; the letters themselves are in `liaison.py`.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any

from services.agencies import repository
from services.agencies.adapters.inquiries import Schedule
from services.agencies.domain.clock import HolidayCalendar, OverdueLevel
from services.agencies.domain.consent import ReleaseRecord
from services.agencies.domain.default_templates import DEFAULT_TEMPLATES
from services.agencies.domain.directory import (
    Agency,
    AgencyDirectory,
    Suggestion,
    SuggestionBasis,
    normalise_code,
)
from services.agencies.domain.inquiry import Inquiry, InquiryState
from services.agencies.domain.inquiry_clock import CaseClocks
from services.agencies.domain.letter_fields import Letterhead
from services.agencies.domain.letters import check_template
from services.agencies.domain.office import (
    DEFAULT_TIMEZONE,
    WAITING_ON_CONSTITUENT,
    AgencyOverride,
    CaseFacts,
    Contact,
    LiaisonSettings,
    Partner,
    TemplateVersion,
)
from services.agencies.domain.suggestions import CaseSuggestion
from services.agencies.ports import AgenciesWork
from services.agencies.repository import directories
from services.chassis.calendar import local_date
from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.errors import Forbidden, NotFound, PermanentMessageError, ValidationFailed
from services.chassis.events import IncomingEvent
from services.chassis.observability import service_metric
from services.contracts import (
    CaseClosed,
    CaseOpened,
    CaseStatusChanged,
    OfficeRegistered,
    PrivacyReleaseRevoked,
    PrivacyReleaseSigned,
)
from services.contracts.vocabulary import ROLES

log = logging.getLogger(__name__)

CASE_ID_MAX_LENGTH = 64
SYSTEM_APPROVER = "system"
OVERDUE_SCAN_LIMIT = 500
PLATFORM_ADMIN = "platform_admin"
READ_ONLY = "read_only"
CASEWORKER = "caseworker"
SUPERVISOR = "supervisor"
OFFICE_ADMIN = "office_admin"
WRITERS = frozenset({CASEWORKER, SUPERVISOR, OFFICE_ADMIN})
APPROVERS = frozenset({SUPERVISOR, OFFICE_ADMIN})

suggestions_recorded = service_metric(
    "counter",
    "agencies",
    "suggestions_total",
    "Agency suggestions recorded for newly opened cases, by what they rest on",
    ["reason"],
)
for _basis in SuggestionBasis:
    suggestions_recorded.labels(_basis.value)  # every series exists from start-up, at 0
inquiries_overdue = service_metric(
    "counter",
    "agencies",
    "inquiries_overdue_total",
    "Inquiries that reached an overdue level without a final reply, by level",
    ["level"],
)
for _level in OverdueLevel:
    inquiries_overdue.labels(_level.value)


def new_id() -> str:
    return str(uuid.uuid4())


# --- who may do what -----------------------------------------------------------------------


def require_platform_admin(actor: Actor) -> None:
    if actor.is_system or actor.role != PLATFORM_ADMIN:
        raise Forbidden("only a platform admin changes the agency directory")


def require_member(actor: Actor) -> None:
    """Anyone of the office (or the system) reads its liaison work."""
    if not actor.is_system and actor.role not in ROLES:
        raise Forbidden(
            "your role does not allow access to agency liaison", {"role": ["missing or not known"]}
        )


def require_office_admin(actor: Actor) -> None:
    if actor.is_system or actor.role != OFFICE_ADMIN:
        raise Forbidden("only an office admin changes the office's liaison directory and settings")


def require_writer(actor: Actor, what: str) -> None:
    """Caseworkers, supervisors and office admins act on letters."""
    if actor.is_system or actor.role not in WRITERS:
        raise Forbidden(f"a {actor.role or 'caller without a role'} may not {what}")


def require_drafter(actor: Actor) -> None:
    """An intern (read_only) may draft a letter too, when the office's approval rules then
    require a supervisor's approval (checked by the inquiry)."""
    if actor.is_system or actor.role not in ROLES:
        raise Forbidden("drafting a letter needs a staff member of the office")


def require_approver(actor: Actor) -> None:
    if actor.is_system or actor.role not in APPROVERS:
        raise Forbidden("only a supervisor or an office admin approves")


# --- the directory (platform) --------------------------------------------------------------


def list_agencies(db: Any) -> list[Agency]:
    return list(repository.read_directory(db).agencies.values())


def get_agency(db: Any, code: str) -> Agency:
    agency = repository.read_directory(db).find(code)
    if agency is None:
        raise NotFound(f"there is no agency with code {normalise_code(code)!r} in the directory")
    return agency


def suggest(db: Any, category: str, agency_hint: str | None) -> Suggestion:
    return repository.read_directory(db).suggest(category, agency_hint)


def current_directory(db: Any) -> AgencyDirectory:
    return directories.get(db)


def agency_from(fields: dict[str, Any], existing: Agency | None) -> Agency:
    """An agency as a platform admin saved it (its intake categories stay the migrations')."""
    return Agency(
        code=fields["code"],
        name=fields["name"],
        liaison_office=fields["liaison_office"],
        website_url=fields["website_url"],
        typical_response_days=fields["response_days"],
        categories=existing.categories if existing else (),
        day_basis=fields["day_basis"],
        interim_every_days=fields.get("interim_every_days"),
        signature=fields["signature"],
        sole_recipient=fields["sole_recipient"],
        valid_days=fields.get("valid_days"),
        new_release_after_closure=fields["new_release_after_closure"],
        active=fields["active"],
    )


def save_agency(db: Any, actor: Actor, fields: dict[str, Any]) -> Agency:
    require_platform_admin(actor)
    agency = agency_from(fields, repository.read_directory(db).find(fields["code"]))
    repository.save_agencies(db, [agency])
    return agency


def save_agencies(db: Any, actor: Actor, rows: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """Several agencies in one transaction (a CSV import): (created, updated)."""
    require_platform_admin(actor)
    directory = repository.read_directory(db)
    agencies, created = [], 0
    for fields in rows:
        existing = directory.find(fields["code"])
        created += existing is None
        agencies.append(agency_from(fields, existing))
    repository.save_agencies(db, agencies)
    return created, len(agencies) - created


# --- the office's settings and default templates -------------------------------------------


def holidays_country() -> str:
    return os.environ.get("CASEWORK_HOLIDAYS_COUNTRY", "US") or "US"


def holidays_subdivision() -> str | None:
    return os.environ.get("CASEWORK_HOLIDAYS_SUBDIVISION") or None


def default_settings(office_id: str) -> LiaisonSettings:
    return LiaisonSettings(
        office_id=office_id,
        timezone=DEFAULT_TIMEZONE,
        holiday_country=holidays_country(),
        holiday_subdivision=holidays_subdivision(),
        letterhead=Letterhead(office_name=office_id),
    )


def ensure_settings(uow: AgenciesWork, at: datetime | None = None) -> LiaisonSettings:
    """The office's liaison settings; on first use, the defaults and the default letter
    templates (version 1, approved by the system) are stored with the unit of work."""
    found = uow.settings.get()
    if found is not None:
        return found
    at = at or utcnow()
    settings = default_settings(uow.office_id)
    uow.settings.save(settings, at)
    for name, subject, body in DEFAULT_TEMPLATES:
        if uow.templates.latest_version(name) == 0:
            uow.templates.add(
                TemplateVersion(
                    template_id=str(uuid.uuid4()),
                    name=name,
                    version=1,
                    subject=subject,
                    body=body,
                    requires_approval=False,
                    created_by=SYSTEM_APPROVER,
                    created_at=at,
                    approved_by=SYSTEM_APPROVER,
                    approved_at=at,
                )
            )
    return replace(settings, updated_at=at)


def liaison_settings(db: Any, office_id: str, actor: Actor) -> LiaisonSettings:
    require_member(actor)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow)
        uow.commit()
        return settings


def save_liaison_settings(
    db: Any, office_id: str, actor: Actor, changes: dict[str, Any]
) -> LiaisonSettings:
    """The office admin's settings: only the fields given change."""
    require_office_admin(actor)
    directory = current_directory(db)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        settings = ensure_settings(uow)
        letterhead = settings.letterhead
        letterhead = replace(
            letterhead,
            office_name=changes.get("office_name", letterhead.office_name),
            member_name=changes.get("member_name", letterhead.member_name),
            address_lines=tuple(changes.get("address_lines", letterhead.address_lines)),
            phone=changes.get("phone", letterhead.phone),
            email=changes.get("email", letterhead.email),
        )
        simple: dict[str, Any] = {
            key: changes[key]
            for key in (
                "timezone",
                "holiday_country",
                "holiday_subdivision",
                "mask_ssn",
                "include_public_notes",
            )
            if key in changes
        }
        if "approval_roles" in changes:
            simple["approval_roles"] = tuple(changes["approval_roles"])
        if "overrides" in changes:
            overrides = {}
            for override in changes["overrides"]:
                code = override["agency_code"]
                if directory.find(code) is None:
                    raise ValidationFailed(
                        f"there is no agency {code} in the directory",
                        {"overrides": [f"unknown agency {code}"]},
                    )
                overrides[code] = AgencyOverride(
                    code, override["response_days"], override["day_basis"]
                )
            simple["overrides"] = overrides
        updated = replace(settings, letterhead=letterhead, **simple)
        try:
            updated.calendar  # noqa: B018 - refuses an unknown country or subdivision
        except ValueError as exc:
            raise ValidationFailed(
                "that holiday calendar is not known", {"holiday_country": [str(exc)]}
            ) from None
        at = utcnow()
        uow.settings.save(updated, at)
        uow.audit("liaison_settings.saved", "office", office_id)
        uow.commit()
        return replace(updated, updated_at=at)


# --- contacts and partners -----------------------------------------------------------------


def list_contacts(db: Any, office_id: str, actor: Actor, agency_code: str | None) -> list[Contact]:
    require_member(actor)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        return list(uow.contacts.list(agency_code))


def _known_agency(db: Any, code: str, field: str = "agency_code") -> Agency:
    agency = current_directory(db).find(code)
    if agency is None:
        raise ValidationFailed(
            f"there is no agency {code} in the directory", {field: ["unknown agency"]}
        )
    return agency


def save_contact(db: Any, office_id: str, actor: Actor, fields: dict[str, Any]) -> Contact:
    require_office_admin(actor)
    _known_agency(db, fields["agency_code"])
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        contact_id = fields.get("contact_id")
        if contact_id and uow.contacts.get(contact_id) is None:
            raise NotFound("there is no such contact in this office")
        contact = Contact(
            contact_id=contact_id or str(uuid.uuid4()),
            agency_code=fields["agency_code"],
            name=fields["name"],
            email=fields.get("email"),
            phone=fields.get("phone"),
            programme=fields.get("programme"),
            notes=fields.get("notes"),
        )
        uow.contacts.save(contact, utcnow())
        uow.audit("contact.saved", "liaison_contact", contact.contact_id)
        uow.commit()
        return contact


def remove_contact(db: Any, office_id: str, actor: Actor, contact_id: str) -> None:
    require_office_admin(actor)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        contact = uow.contacts.get(contact_id)
        if contact is None or not contact.active:
            raise NotFound("there is no such contact in this office")
        uow.contacts.save(replace(contact, active=False), utcnow())
        uow.audit("contact.removed", "liaison_contact", contact_id)
        uow.commit()


def save_contacts(
    db: Any, office_id: str, actor: Actor, rows: list[dict[str, Any]]
) -> tuple[int, int]:
    """A CSV import's contacts, in one transaction: (created, updated)."""
    require_office_admin(actor)
    created = 0
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        at = utcnow()
        for fields in rows:
            contact_id = fields.get("contact_id") or str(uuid.uuid4())
            contact = Contact(
                contact_id=contact_id,
                agency_code=fields["agency_code"],
                name=fields["name"],
                email=fields.get("email"),
                phone=fields.get("phone"),
                programme=fields.get("programme"),
                notes=fields.get("notes"),
            )
            created += uow.contacts.save(contact, at)
        uow.audit("contacts.imported", "office", office_id)
        uow.commit()
    return created, len(rows) - created


def list_partners(db: Any, office_id: str, actor: Actor) -> list[Partner]:
    require_member(actor)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        return list(uow.partners.list())


def _partner(fields: dict[str, Any], partner_id: str) -> Partner:
    return Partner(
        partner_id=partner_id,
        name=fields["name"],
        kind=fields["kind"],
        email=fields.get("email"),
        phone=fields.get("phone"),
        website_url=fields.get("website_url"),
        notes=fields.get("notes"),
    )


def save_partner(db: Any, office_id: str, actor: Actor, fields: dict[str, Any]) -> Partner:
    require_office_admin(actor)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        partner_id = fields.get("partner_id")
        if partner_id and uow.partners.get(partner_id) is None:
            raise NotFound("there is no such partner in this office")
        partner = _partner(fields, partner_id or str(uuid.uuid4()))
        uow.partners.save(partner, utcnow())
        uow.audit("partner.saved", "partner", partner.partner_id)
        uow.commit()
        return partner


def remove_partner(db: Any, office_id: str, actor: Actor, partner_id: str) -> None:
    require_office_admin(actor)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        partner = uow.partners.get(partner_id)
        if partner is None or not partner.active:
            raise NotFound("there is no such partner in this office")
        uow.partners.save(replace(partner, active=False), utcnow())
        uow.audit("partner.removed", "partner", partner_id)
        uow.commit()


def save_partners(
    db: Any, office_id: str, actor: Actor, rows: list[dict[str, Any]]
) -> tuple[int, int]:
    require_office_admin(actor)
    created = 0
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        at = utcnow()
        for fields in rows:
            created += uow.partners.save(
                _partner(fields, fields.get("partner_id") or str(uuid.uuid4())), at
            )
        uow.audit("partners.imported", "office", office_id)
        uow.commit()
    return created, len(rows) - created


# --- templates -----------------------------------------------------------------------------


def list_templates(db: Any, office_id: str, actor: Actor) -> list[TemplateVersion]:
    require_member(actor)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        ensure_settings(uow)
        templates = list(uow.templates.list())
        uow.commit()
        return templates


def save_template(
    db: Any,
    office_id: str,
    actor: Actor,
    *,
    name: str,
    subject: str,
    body: str,
    requires_approval: bool,
) -> TemplateVersion:
    """A new version of the template, refused when it cannot render (with the line)."""
    require_office_admin(actor)
    problems = check_template(subject, body)
    if problems:
        raise ValidationFailed(
            f"the template cannot be used: {', '.join(sorted(problems))}", problems
        )
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        ensure_settings(uow)
        template = TemplateVersion(
            template_id=str(uuid.uuid4()),
            name=name,
            version=uow.templates.latest_version(name) + 1,
            subject=subject,
            body=body,
            requires_approval=requires_approval,
            created_by=actor.user_id,
            created_at=utcnow(),
        )
        uow.templates.add(template)
        uow.audit("template.saved", "letter_template", template.template_id)
        uow.commit()
        return template


def approve_template(db: Any, office_id: str, actor: Actor, template_id: str) -> TemplateVersion:
    require_approver(actor)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        template = uow.templates.get(template_id)
        if template is None:
            raise NotFound("there is no such template in this office")
        template.approve(by=actor.user_id, role=actor.role, at=utcnow())
        uow.templates.save_approval(template)
        uow.audit("template.approved", "letter_template", template_id)
        uow.commit()
        return template


# --- the overdue scan ----------------------------------------------------------------------


def schedule_of(inquiry: Inquiry, calendar: HolidayCalendar, today: date) -> Schedule:
    """The dates the overdue scan reads: the due date as of `today`, and the first day the
    next overdue level can be reached (none once answered, withdrawn or at the last level)."""
    deadline = inquiry.deadline(calendar, today)
    return Schedule(
        deadline.due_on if deadline else None, inquiry.next_overdue_check_on(calendar, today)
    )


def detect_overdue(db: Any, now: datetime | None = None, limit: int = OVERDUE_SCAN_LIMIT) -> int:
    """Announce every sent inquiry that reached an overdue level, once per level: candidates
    from every office (platform work), then each office's unit of work checks and commits
    its own (the stored level is the guard; on PostgreSQL a row another worker holds is
    skipped). Returns the levels announced."""
    now = now or utcnow()
    # No office's date is more than a day ahead of UTC's: the scan may pick a row a few hours
    # early, and the office's own check leaves it alone until its day comes.
    candidates = repository.overdue_candidates(db, now.date() + timedelta(days=1), limit)
    announced = 0
    for office_id, rows in groupby(sorted(candidates), key=itemgetter(0)):
        with db.unit_of_work(office_id=office_id) as uow:
            settings = ensure_settings(uow, now)
            calendar = settings.calendar
            today = local_date(now, settings.timezone)
            for _, inquiry_id in rows:
                inquiry = uow.inquiries.get_to_check(inquiry_id)
                if inquiry is None or InquiryState(inquiry.state) is not InquiryState.SENT:
                    continue
                levels = inquiry.check_overdue(today=today, at=now, calendar=calendar)
                uow.inquiries.save(inquiry, schedule_of(inquiry, calendar, today))
                for level in levels:
                    uow.after_commit(inquiries_overdue.labels(OverdueLevel(level).value).inc)
                announced += len(levels)
            uow.commit()
    return announced


# --- what other services announced --------------------------------------------------------


def suggest_agency(
    directory: AgencyDirectory,
    uow: AgenciesWork,
    event: IncomingEvent[CaseOpened],
) -> CaseSuggestion | None:
    """Record which agency a new case concerns (announced when one is found); the same case
    announced again, under any event id, changes nothing."""
    case = event.payload
    if len(case.case_id) > CASE_ID_MAX_LENGTH:
        raise PermanentMessageError(f"case_id is longer than {CASE_ID_MAX_LENGTH} characters")
    if uow.suggestions.exists_for(case.case_id):
        return None
    suggestion = uow.suggestions.add(
        CaseSuggestion.for_new_case(
            directory,
            case_id=case.case_id,
            category=case.category,
            agency_hint=case.agency_hint,
            at=utcnow(),
        )
    )
    uow.after_commit(suggestions_recorded.labels(suggestion.basis.value).inc)
    return suggestion


def record_opened_case(
    directory: AgencyDirectory, uow: AgenciesWork, event: IncomingEvent[CaseOpened]
) -> CaseSuggestion | None:
    """A new case: agencies' projection of it, and the agency it suggests."""
    suggestion = suggest_agency(directory, uow, event)
    case = event.payload
    known = uow.cases.get(case.case_id)
    uow.cases.save(
        CaseFacts(
            case_id=case.case_id,
            reference=case.reference,
            status=known.status if known else "new",
            submission_id=case.submission_id,
            constituent_id=case.constituent_id,
            category=case.category,
            opened_at=case.opened_at,
            closed_at=known.closed_at if known else None,
        )
    )
    return suggestion


def record_release_signed(uow: AgenciesWork, event: IncomingEvent[PrivacyReleaseSigned]) -> None:
    release = event.payload
    uow.releases.signed(
        ReleaseRecord(
            release_id=release.release_id,
            submission_id=release.submission_id,
            agencies=tuple(release.agencies),
            kind=release.kind,
            signed_at=release.signed_at,
            expires_at=release.expires_at,
        ),
        release.constituent_id,
    )


def record_release_revoked(uow: AgenciesWork, event: IncomingEvent[PrivacyReleaseRevoked]) -> None:
    release = event.payload
    uow.releases.revoked(
        release_id=release.release_id,
        submission_id=release.submission_id,
        constituent_id=release.constituent_id,
        agencies=tuple(release.agencies),
        revoked_by=release.revoked_by,
        revoked_at=release.revoked_at,
    )


def record_status_changed(uow: AgenciesWork, event: IncomingEvent[CaseStatusChanged]) -> None:
    """The projection follows; a case that starts waiting on its constituent stops its sent
    inquiries' clocks, and one that stops waiting starts them again."""
    change = event.payload
    known = uow.cases.get(change.case_id)
    uow.cases.save(
        replace(known, status=change.to_status, reference=change.reference)
        if known
        else CaseFacts(case_id=change.case_id, reference=change.reference, status=change.to_status)
    )
    waits, waited = (
        change.to_status == WAITING_ON_CONSTITUENT,
        change.from_status == WAITING_ON_CONSTITUENT,
    )
    if waits == waited:
        return
    sent = [
        inquiry
        for inquiry in uow.inquiries.for_case(change.case_id)
        if InquiryState(inquiry.state) is InquiryState.SENT
    ]
    if not sent:
        return
    settings = ensure_settings(uow)
    calendar = settings.calendar
    on = local_date(change.changed_at, settings.timezone)
    today = local_date(utcnow(), settings.timezone)
    clocks = uow.track(CaseClocks(case_id=change.case_id, reference=change.reference))
    if waits:
        clocks.pause_all(sent, on=on, at=change.changed_at, calendar=calendar, today=today)
    else:
        clocks.resume_all(
            sent,
            on=on,
            at=change.changed_at,
            calendar=calendar,
            today=today,
            reason=change.to_status,
        )
    for inquiry in sent:
        uow.inquiries.save(inquiry, schedule_of(inquiry, calendar, today))


def record_case_closed(uow: AgenciesWork, event: IncomingEvent[CaseClosed]) -> None:
    closed = event.payload
    known = uow.cases.get(closed.case_id)
    uow.cases.save(
        replace(known, status="closed", closed_at=closed.closed_at)
        if known
        else CaseFacts(
            case_id=closed.case_id,
            reference=closed.reference,
            status="closed",
            category=closed.category,
            opened_at=closed.opened_at,
            closed_at=closed.closed_at,
        )
    )


def record_office_registered(uow: AgenciesWork, event: IncomingEvent[OfficeRegistered]) -> None:
    """A new office: its liaison settings (and default templates) with its time zone, and
    its name and reply-to address on the letterhead until the office admin changes them."""
    office = event.payload
    settings = ensure_settings(uow)
    letterhead = settings.letterhead
    if letterhead.office_name in ("", uow.office_id):
        letterhead = replace(letterhead, office_name=office.name)
    if not letterhead.email:
        letterhead = replace(letterhead, email=office.reply_to_email)
    uow.settings.save(
        replace(settings, timezone=office.timezone or settings.timezone, letterhead=letterhead),
        utcnow(),
    )
