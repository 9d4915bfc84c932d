"""Offices (the tenants) and their staff: what legislature IT may register, and the changes that
are worth announcing to the other services."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

OFFICE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
ROLES = ("office_admin", "supervisor", "caseworker", "read_only")


@dataclass(frozen=True)
class RegisterOffice:
    office_id: str
    name: str
    reply_to_email: str


@dataclass(frozen=True)
class AddStaffMember:
    office_id: str
    display_name: str
    email: str
    role: str


class OfficeChange(Enum):
    """What registering an office did; only `CREATED` and `UPDATED` are announced."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"

    @property
    def announced(self) -> bool:
        return self is not OfficeChange.UNCHANGED


@dataclass(frozen=True)
class OfficeSettings:
    name: str
    reply_to_email: str


def office_change(current: OfficeSettings | None, wanted: OfficeSettings) -> OfficeChange:
    """Re-registering an office with the same details changes nothing and announces nothing."""
    if current is None:
        return OfficeChange.CREATED
    if current == wanted:
        return OfficeChange.UNCHANGED
    return OfficeChange.UPDATED


def normalise_email(email: str) -> str:
    """Staff emails are compared without case or surrounding spaces (one account per person)."""
    return email.strip().lower()


def is_office_id(value: str) -> bool:
    return bool(OFFICE_ID.match(value))


@dataclass(frozen=True)
class OfficeSummary:
    office_id: str
    name: str
    reply_to_email: str
    staff_count: int


@dataclass(frozen=True)
class StaffMember:
    user_id: str
    office_id: str
    display_name: str
    email: str
    role: str
    active: bool


@dataclass(frozen=True)
class StaffMemberOutcome:
    member: StaffMember
    created: bool
