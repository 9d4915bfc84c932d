"""The agency directory, platform reference data that platform admins keep (an agency's
response target and release rules); every office reads it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.agencies import repository
from services.agencies.domain.directory import Agency, AgencyDirectory, Suggestion, normalise_code
from services.agencies.handlers.roles import require_platform_admin
from services.agencies.repository import directories
from services.chassis.domain import Actor
from services.chassis.errors import NotFound


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
