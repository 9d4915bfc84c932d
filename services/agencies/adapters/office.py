"""One office's directory SQL: its liaison contacts, partner organisations, liaison settings
with per-agency overrides, and versioned letter templates. Every statement is scoped to the
unit of work's office (and, on PostgreSQL, row-level security holds it there too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.sql.elements import BindParameter

from services.agencies.domain.letter_fields import Letterhead
from services.agencies.domain.office import (
    AgencyOverride,
    Contact,
    LiaisonSettings,
    Partner,
    TemplateVersion,
)
from services.agencies.models import (
    AgencyOverride as OverrideRow,
)
from services.agencies.models import (
    LetterTemplate,
    LiaisonContact,
    OfficeLiaisonSettings,
    PartnerOrganisation,
)
from services.chassis.repository import OfficeScopedRepository

OFFICE: BindParameter[str] = bindparam("office_id")
CONTACTS = cast(Table, LiaisonContact.__table__)
PARTNERS = cast(Table, PartnerOrganisation.__table__)
SETTINGS = cast(Table, OfficeLiaisonSettings.__table__)
OVERRIDES = cast(Table, OverrideRow.__table__)
TEMPLATES = cast(Table, LetterTemplate.__table__)

ACTIVE_CONTACTS = (
    select(CONTACTS)
    .where(CONTACTS.c.office_id == OFFICE, CONTACTS.c.active.is_(True))
    .order_by(CONTACTS.c.agency_code, CONTACTS.c.name, CONTACTS.c.id)
)
CONTACT = select(CONTACTS).where(
    CONTACTS.c.office_id == OFFICE, CONTACTS.c.id == bindparam("contact_id")
)
ACTIVE_PARTNERS = (
    select(PARTNERS)
    .where(PARTNERS.c.office_id == OFFICE, PARTNERS.c.active.is_(True))
    .order_by(PARTNERS.c.name, PARTNERS.c.id)
)
PARTNER = select(PARTNERS).where(
    PARTNERS.c.office_id == OFFICE, PARTNERS.c.id == bindparam("partner_id")
)
OFFICE_SETTINGS = select(SETTINGS).where(SETTINGS.c.office_id == OFFICE)
OFFICE_OVERRIDES = (
    select(OVERRIDES).where(OVERRIDES.c.office_id == OFFICE).order_by(OVERRIDES.c.agency_code)
)
ALL_TEMPLATES = (
    select(TEMPLATES)
    .where(TEMPLATES.c.office_id == OFFICE)
    .order_by(TEMPLATES.c.name, TEMPLATES.c.version.desc())
)
TEMPLATE = select(TEMPLATES).where(
    TEMPLATES.c.office_id == OFFICE, TEMPLATES.c.id == bindparam("template_id")
)
LATEST_VERSION = select(func.max(TEMPLATES.c.version)).where(
    TEMPLATES.c.office_id == OFFICE, TEMPLATES.c.name == bindparam("name")
)


def _contact(row: Any) -> Contact:
    return Contact(
        contact_id=row.id,
        agency_code=row.agency_code,
        name=row.name,
        email=row.email,
        phone=row.phone,
        programme=row.programme,
        notes=row.notes,
        active=bool(row.active),
    )


def _partner(row: Any) -> Partner:
    return Partner(
        partner_id=row.id,
        name=row.name,
        kind=row.kind,
        email=row.email,
        phone=row.phone,
        website_url=row.website_url,
        notes=row.notes,
        active=bool(row.active),
    )


def _template(row: Any) -> TemplateVersion:
    return TemplateVersion(
        template_id=row.id,
        name=row.name,
        version=row.version,
        subject=row.subject,
        body=row.body,
        requires_approval=bool(row.requires_approval),
        created_by=row.created_by,
        created_at=row.created_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
    )


class _OfficeDirectory(OfficeScopedRepository):
    """The office's own directory rows (contacts, partners), written in place."""

    def _update_or_insert(
        self, table: Table, row_id: str, values: dict[str, Any], at: datetime
    ) -> bool:
        """Change the office's row `row_id`, or insert it; True when it was new."""
        changed = self._uow.session.execute(
            update(table)
            .where(table.c.office_id == self._office_id, table.c.id == row_id)
            .values(values)
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            return False
        self._uow.session.execute(
            table.insert().values(id=row_id, office_id=self._office_id, created_at=at, **values)
        )
        return True


class SqlContacts(_OfficeDirectory):
    """The office's liaison contacts; a removed one stays (letters name it) but is hidden."""

    def list(self, agency_code: str | None = None) -> list[Contact]:
        contacts = [_contact(row) for row in self._rows(ACTIVE_CONTACTS)]
        return [c for c in contacts if agency_code is None or c.agency_code == agency_code]

    def get(self, contact_id: str) -> Contact | None:
        row = self._row(CONTACT, contact_id=contact_id)
        return _contact(row) if row is not None else None

    def save(self, contact: Contact, at: datetime) -> bool:
        """Insert or change the contact; True when it was new."""
        values = {
            "agency_code": contact.agency_code,
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "programme": contact.programme,
            "notes": contact.notes,
            "active": contact.active,
            "updated_at": at,
        }
        return self._update_or_insert(CONTACTS, contact.contact_id, values, at)


class SqlPartners(_OfficeDirectory):
    """The office's partner organisations; a removed one stays (referrals name it), hidden."""

    def list(self) -> list[Partner]:
        return [_partner(row) for row in self._rows(ACTIVE_PARTNERS)]

    def get(self, partner_id: str) -> Partner | None:
        row = self._row(PARTNER, partner_id=partner_id)
        return _partner(row) if row is not None else None

    def save(self, partner: Partner, at: datetime) -> bool:
        """Insert or change the partner; True when it was new."""
        values = {
            "name": partner.name,
            "kind": partner.kind,
            "email": partner.email,
            "phone": partner.phone,
            "website_url": partner.website_url,
            "notes": partner.notes,
            "active": partner.active,
            "updated_at": at,
        }
        return self._update_or_insert(PARTNERS, partner.partner_id, values, at)


class SqlSettings(OfficeScopedRepository):
    """The office's liaison settings (one row) and its per-agency overrides."""

    def get(self) -> LiaisonSettings | None:
        row = self._row(OFFICE_SETTINGS)
        if row is None:
            return None
        overrides = {
            o.agency_code: AgencyOverride(o.agency_code, o.response_days, o.day_basis)
            for o in self._rows(OFFICE_OVERRIDES)
        }
        return LiaisonSettings(
            office_id=row.office_id,
            timezone=row.timezone,
            holiday_country=row.holiday_country,
            holiday_subdivision=row.holiday_subdivision,
            letterhead=Letterhead(
                office_name=row.office_name,
                member_name=row.member_name,
                address_lines=tuple(line for line in row.letterhead_address.split("\n") if line),
                phone=row.letterhead_phone,
                email=row.letterhead_email,
            ),
            mask_ssn=bool(row.mask_ssn),
            include_public_notes=bool(row.include_public_notes),
            approval_roles=tuple(role for role in row.approval_roles.split(",") if role),
            overrides=overrides,
            updated_at=row.updated_at,
        )

    def save(self, settings: LiaisonSettings, at: datetime) -> None:
        """Insert or replace the settings and the whole set of overrides."""
        letterhead = settings.letterhead
        values = {
            "timezone": settings.timezone,
            "holiday_country": settings.holiday_country,
            "holiday_subdivision": settings.holiday_subdivision,
            "office_name": letterhead.office_name,
            "member_name": letterhead.member_name,
            "letterhead_address": "\n".join(letterhead.address_lines),
            "letterhead_phone": letterhead.phone,
            "letterhead_email": letterhead.email,
            "mask_ssn": settings.mask_ssn,
            "include_public_notes": settings.include_public_notes,
            "approval_roles": ",".join(settings.approval_roles),
            "updated_at": at,
        }
        office = self._office_id
        session = self._uow.session
        changed = session.execute(
            update(SETTINGS).where(SETTINGS.c.office_id == office).values(values)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            session.execute(SETTINGS.insert().values(office_id=office, **values))
        session.execute(delete(OVERRIDES).where(OVERRIDES.c.office_id == office))
        if settings.overrides:
            session.execute(
                OVERRIDES.insert(),
                [
                    {
                        "office_id": office,
                        "agency_code": override.agency_code,
                        "response_days": override.response_days,
                        "day_basis": override.day_basis,
                    }
                    for override in settings.overrides.values()
                ],
            )


class SqlTemplates(OfficeScopedRepository):
    """The office's letter templates, every version of each."""

    def list(self) -> list[TemplateVersion]:
        """Every version, by name, newest version first."""
        return [_template(row) for row in self._rows(ALL_TEMPLATES)]

    def get(self, template_id: str) -> TemplateVersion | None:
        row = self._row(TEMPLATE, template_id=template_id)
        return _template(row) if row is not None else None

    def latest_version(self, name: str) -> int:
        """The newest version number of `name` (0 when there is none)."""
        return int(self._uow.session.execute(LATEST_VERSION, self._params(name=name)).scalar() or 0)

    def add(self, template: TemplateVersion) -> None:
        self._uow.session.execute(
            TEMPLATES.insert().values(
                id=template.template_id,
                office_id=self._office_id,
                name=template.name,
                version=template.version,
                subject=template.subject,
                body=template.body,
                requires_approval=template.requires_approval,
                approved_by=template.approved_by,
                approved_at=template.approved_at,
                created_by=template.created_by,
                created_at=template.created_at,
            )
        )

    def save_approval(self, template: TemplateVersion) -> None:
        self._uow.session.execute(
            update(TEMPLATES)
            .where(
                TEMPLATES.c.office_id == self._office_id,
                TEMPLATES.c.id == template.template_id,
            )
            .values(approved_by=template.approved_by, approved_at=template.approved_at)
        )
