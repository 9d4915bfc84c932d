"""An office's own directory: its liaison contacts at each agency and the partner
organisations it refers constituents to (office admins keep both)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from services.agencies.domain.directory import Agency
from services.agencies.domain.office import Contact, Partner
from services.agencies.handlers.directory import current_directory
from services.agencies.handlers.roles import require_member, require_office_admin
from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.errors import NotFound, ValidationFailed


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


def contact_from(fields: dict[str, Any]) -> Contact:
    """A contact as saved (a new one without `contact_id`), from `save_contact`'s arguments or
    an imported row."""
    return Contact(
        contact_id=fields.get("contact_id") or str(uuid.uuid4()),
        agency_code=fields["agency_code"],
        name=fields["name"],
        email=fields.get("email"),
        phone=fields.get("phone"),
        programme=fields.get("programme"),
        notes=fields.get("notes"),
    )


def save_contact(db: Any, office_id: str, actor: Actor, fields: dict[str, Any]) -> Contact:
    require_office_admin(actor)
    _known_agency(db, fields["agency_code"])
    contact = contact_from(fields)
    _save(db, office_id, actor, CONTACTS, fields.get("contact_id"), contact, contact.contact_id)
    return contact


def remove_contact(db: Any, office_id: str, actor: Actor, contact_id: str) -> None:
    _remove(db, office_id, actor, CONTACTS, contact_id)


def list_partners(db: Any, office_id: str, actor: Actor) -> list[Partner]:
    require_member(actor)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        return list(uow.partners.list())


def partner_from(fields: dict[str, Any]) -> Partner:
    """A partner as saved (a new one without `partner_id`), from `save_partner`'s arguments or
    an imported row."""
    return Partner(
        partner_id=fields.get("partner_id") or str(uuid.uuid4()),
        name=fields["name"],
        kind=fields["kind"],
        email=fields.get("email"),
        phone=fields.get("phone"),
        website_url=fields.get("website_url"),
        notes=fields.get("notes"),
    )


def save_partner(db: Any, office_id: str, actor: Actor, fields: dict[str, Any]) -> Partner:
    require_office_admin(actor)
    partner = partner_from(fields)
    _save(db, office_id, actor, PARTNERS, fields.get("partner_id"), partner, partner.partner_id)
    return partner


def remove_partner(db: Any, office_id: str, actor: Actor, partner_id: str) -> None:
    _remove(db, office_id, actor, PARTNERS, partner_id)


@dataclass(frozen=True)
class _Kept:
    """One of the office's two directories: its repository and what its audit rows say."""

    repository: Callable[[Any], Any]  # of a unit of work
    noun: str  # `<noun>.saved`, `<noun>.removed`
    audited_as: str  # the audit rows' entity type


CONTACTS = _Kept(lambda uow: uow.contacts, "contact", "liaison_contact")
PARTNERS = _Kept(lambda uow: uow.partners, "partner", "partner")


def _save(
    db: Any,
    office_id: str,
    actor: Actor,
    kept: _Kept,
    given_id: str | None,
    entry: Any,
    entry_id: str,
) -> None:
    """Save a new entry, or a changed one (`given_id`) that must be the office's."""
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        entries = kept.repository(uow)
        if given_id and entries.get(given_id) is None:
            raise NotFound(f"there is no such {kept.noun} in this office")
        entries.save(entry, utcnow())
        uow.audit(f"{kept.noun}.saved", kept.audited_as, entry_id)
        uow.commit()


def _remove(db: Any, office_id: str, actor: Actor, kept: _Kept, entry_id: str) -> None:
    """An active entry is removed by marking it inactive, never by deleting its row."""
    require_office_admin(actor)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        entries = kept.repository(uow)
        entry = entries.get(entry_id)
        if entry is None or not entry.active:
            raise NotFound(f"there is no such {kept.noun} in this office")
        entries.save(replace(entry, active=False), utcnow())
        uow.audit(f"{kept.noun}.removed", kept.audited_as, entry_id)
        uow.commit()
