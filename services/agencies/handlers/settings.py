"""Each office's liaison settings (time zone, holidays, letterhead, redaction, approvals,
per-agency targets), stored with the default letter templates on first use."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.agencies.domain.default_templates import DEFAULT_TEMPLATES
from services.agencies.domain.letter_fields import Letterhead
from services.agencies.domain.office import (
    DEFAULT_TIMEZONE,
    AgencyOverride,
    LiaisonSettings,
    TemplateVersion,
)
from services.agencies.handlers.directory import current_directory
from services.agencies.handlers.roles import require_member, require_office_admin
from services.agencies.ports import AgenciesWork
from services.chassis.calendar import installation_country, installation_subdivision
from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.errors import ValidationFailed

SYSTEM_APPROVER = "system"


def default_settings(office_id: str) -> LiaisonSettings:
    return LiaisonSettings(
        office_id=office_id,
        timezone=DEFAULT_TIMEZONE,
        holiday_country=installation_country(),
        holiday_subdivision=installation_subdivision(),
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
