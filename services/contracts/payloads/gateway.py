"""What gateway's events carry: offices registered with their settings, staff added and their
contact details. Each event's wire schema per version (`<Event>V1`) and the dataclass handlers
work with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.contracts.vocabulary import (
    CATEGORIES,
    OFFICE_ID_PATTERN,
    ROLES,
)

# The longest interval an office may set between a reminder and the next.
REMINDER_DAYS_MAX = 60


class OfficeRegisteredV1(Schema):
    office_id = fields.String(required=True, validate=validate.Regexp(OFFICE_ID_PATTERN))
    name = fields.String(required=True)
    reply_to_email = fields.Email(required=True)
    # Added later (additive): the office's IANA time zone, which its deadlines are counted in.
    timezone = fields.String(load_default="America/New_York")
    # Added later (additive): when the office's reminders fall due (its admin's settings).
    first_contact_business_days = fields.Integer(
        load_default=2, validate=validate.Range(1, REMINDER_DAYS_MAX)
    )
    follow_up_every_days = fields.Integer(
        load_default=7, validate=validate.Range(1, REMINDER_DAYS_MAX)
    )
    check_in_every_days = fields.Integer(
        load_default=7, validate=validate.Range(1, REMINDER_DAYS_MAX)
    )
    # Added later (additive): supervisors hear of an open case nothing happened on for so long.
    no_activity_days = fields.Integer(
        load_default=14, validate=validate.Range(1, REMINDER_DAYS_MAX)
    )
    # Added later (additive): the office's own hours for messages to constituents (local,
    # from `sending_from` up to `sending_until`); None, the legislature's.
    sending_from = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(0, 23)
    )
    sending_until = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(1, 24)
    )

    @validates_schema
    def _a_span_of_the_day(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("sending_from"), data.get("sending_until")
        if (start is None) != (end is None) or (start is not None and start >= end):
            raise ValidationError("both or neither, from before until", "sending_until")


class StaffMemberAddedV1(Schema):
    user_id = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    # Added later, so an older announcement still reads: active unless deactivated, and the
    # request categories the member specialises in (routing gives them those cases first).
    active = fields.Boolean(load_default=True)
    specialties = fields.List(fields.String(validate=validate.OneOf(CATEGORIES)), load_default=list)


class StaffContactRecordedV1(Schema):
    """Where a staff member's own mail goes: for notify alone (their daily digest), so their
    address stays out of the roster event every service keeps."""

    user_id = fields.String(required=True)
    email = fields.Email(required=True)


@dataclass(frozen=True)
class OfficeRegistered:
    office_id: str
    name: str
    reply_to_email: str
    timezone: str = "America/New_York"
    first_contact_business_days: int = 2
    follow_up_every_days: int = 7
    check_in_every_days: int = 7
    no_activity_days: int = 14
    sending_from: int | None = None
    sending_until: int | None = None


@dataclass(frozen=True)
class StaffMemberAdded:
    user_id: str
    display_name: str
    role: str
    active: bool = True
    specialties: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # From the wire a list; one value, whichever side built it.
        object.__setattr__(self, "specialties", tuple(self.specialties))


@dataclass(frozen=True)
class StaffContactRecorded:
    user_id: str
    email: str
