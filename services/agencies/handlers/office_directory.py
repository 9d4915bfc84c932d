"""An office's own directory: its liaison contacts at each agency and the partner
organisations it refers constituents to (office admins keep both)."""

from __future__ import annotations

import uuid
from dataclasses import replace
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
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        contact_id = fields.get("contact_id")
        if contact_id and uow.contacts.get(contact_id) is None:
            raise NotFound("there is no such contact in this office")
        contact = contact_from(fields)
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
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        partner_id = fields.get("partner_id")
        if partner_id and uow.partners.get(partner_id) is None:
            raise NotFound("there is no such partner in this office")
        partner = partner_from(fields)
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
