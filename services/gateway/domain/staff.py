"""Offices (the tenants) and their staff: what legislature IT may register, and the changes that
are worth announcing to the other services."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from zoneinfo import available_timezones

from services.chassis.domain import Aggregate
from services.chassis.errors import Conflict, ValidationFailed
from services.contracts import (
    OFFICE_REGISTERED,
    STAFF_CONTACT_RECORDED,
    STAFF_MEMBER_ADDED,
    OfficeRegistered,
    StaffContactRecorded,
    StaffMemberAdded,
)
from services.contracts.payloads import REMINDER_DAYS_MAX
from services.contracts.vocabulary import CATEGORIES

ROLES = ("office_admin", "supervisor", "caseworker", "read_only")
# Where an office works until its admin says otherwise (the offices table's default too).
DEFAULT_TIMEZONE = "America/New_York"


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


@dataclass(frozen=True)
class ReminderIntervals:
    """When the office's reminders fall due (notify schedules them): first contact with a new
    request's constituent within so many business days of opening; follow up with an agency
    every so many days until its final reply; check in with a constituent every so many days
    while the case waits on them; tell the supervisors of an open case nothing happened on for
    so many days. The defaults are what the incumbents' users know."""

    first_contact_business_days: int = 2
    follow_up_every_days: int = 7
    check_in_every_days: int = 7
    no_activity_days: int = 14

    def __post_init__(self) -> None:
        wrong = {
            name: [f"a whole number of days from 1 to {REMINDER_DAYS_MAX}"]
            for name in (
                "first_contact_business_days",
                "follow_up_every_days",
                "check_in_every_days",
                "no_activity_days",
            )
            if not 1 <= getattr(self, name) <= REMINDER_DAYS_MAX
        }
        if wrong:
            raise ValidationFailed("not a reminder interval", fields=wrong)


@dataclass(frozen=True)
class SendingHours:
    """When the office's messages to constituents about their case go out, local hours from
    `start` up to `end` on its business days (the legislature's, 8 to 20, unless its admin
    chose others)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= 24:
            raise ValidationFailed(
                "not sending hours",
                fields={"sending_until": ["a span of the day: from 0 to 23, until 1 to 24"]},
            )


@dataclass
class Office(Aggregate):
    """A member office; every registration that changes it is announced to the services, and
    so is a new time zone (agencies counts the office's deadlines in it)."""

    office_id: str
    name: str
    reply_to_email: str
    # Where the office works (an IANA zone name): its pages show dates and times there.
    timezone: str = DEFAULT_TIMEZONE
    reminders: ReminderIntervals = field(default_factory=ReminderIntervals)
    # None: the legislature's sending hours (notify's configuration).
    sending_hours: SendingHours | None = None

    @classmethod
    def register(cls, command: RegisterOffice) -> Office:
        office = cls(command.office_id, command.name, command.reply_to_email)
        office._announce()
        return office

    @property
    def settings(self) -> OfficeSettings:
        return OfficeSettings(self.name, self.reply_to_email)

    def register_again(self, command: RegisterOffice) -> OfficeChange:
        """Take the details registered now; announced only when they differ."""
        wanted = OfficeSettings(command.name, command.reply_to_email)
        change = office_change(self.settings, wanted)
        if change.announced:
            self.name, self.reply_to_email = wanted.name, wanted.reply_to_email
            self._announce()
        return change

    def set_timezone(self, timezone: str) -> bool:
        """The office admin says where the office works: announced again when it changed
        (the same zone again changes nothing). False when nothing changed."""
        if timezone not in available_timezones():
            raise ValidationFailed(
                "not a time zone", fields={"timezone": ["a zone such as America/Chicago"]}
            )
        if timezone == self.timezone:
            return False
        self.timezone = timezone
        self._announce()
        return True

    def set_reminder_intervals(self, intervals: ReminderIntervals) -> bool:
        """The office admin says when its reminders fall due: announced when they changed
        (notify schedules the office's new reminders by them). False when nothing changed."""
        if intervals == self.reminders:
            return False
        self.reminders = intervals
        self._announce()
        return True

    def set_sending_hours(self, hours: SendingHours | None) -> bool:
        """The office admin says when its messages to constituents go out (None: the
        legislature's hours): announced when they changed. False when nothing changed."""
        if hours == self.sending_hours:
            return False
        self.sending_hours = hours
        self._announce()
        return True

    def _announce(self) -> None:
        hours = self.sending_hours
        self.record(
            OFFICE_REGISTERED,
            OfficeRegistered(
                office_id=self.office_id,
                name=self.name,
                reply_to_email=self.reply_to_email,
                timezone=self.timezone,
                **dataclasses.asdict(self.reminders),
                sending_from=hours.start if hours else None,
                sending_until=hours.end if hours else None,
            ),
        )


@dataclass
class StaffMember(Aggregate):
    """A staff member of one office; routing learns of caseworkers from the announcement."""

    user_id: str
    office_id: str
    display_name: str
    email: str
    role: str
    active: bool = True
    # Request categories the member specialises in: routing gives them those cases first.
    specialties: tuple[str, ...] = ()

    @classmethod
    def join(cls, command: AddStaffMember, *, user_id: str) -> StaffMember:
        if command.role not in ROLES:
            raise ValidationFailed(
                f"{command.role!r} is not a role", fields={"role": [f"one of {', '.join(ROLES)}"]}
            )
        member = cls(
            user_id=user_id,
            office_id=command.office_id,
            display_name=command.display_name,
            email=normalise_email(command.email),
            role=command.role,
        )
        member._announce()
        member._announce_contact()
        return member

    def change(
        self,
        *,
        role: str | None = None,
        specialties: tuple[str, ...] | None = None,
        active: bool | None = None,
    ) -> bool:
        """Apply what the office admin changed; announced (routing must know) when anything
        did. False when nothing changed."""
        if role is not None and role not in ROLES:
            raise ValidationFailed(
                f"{role!r} is not a role", fields={"role": [f"one of {', '.join(ROLES)}"]}
            )
        unknown = sorted(set(specialties or ()) - set(CATEGORIES))
        if unknown:
            raise ValidationFailed(
                "not a category", fields={"specialties": [f"not categories: {', '.join(unknown)}"]}
            )
        wanted = (
            self.role if role is None else role,
            self.specialties if specialties is None else tuple(sorted(set(specialties))),
            self.active if active is None else active,
        )
        if wanted == (self.role, self.specialties, self.active):
            return False
        self.role, self.specialties, self.active = wanted
        self._announce()
        return True

    def announce_again(self) -> None:
        """Announce the member as they are: a service that starts keeping the roster after
        they joined (an upgrade) hears of them too (the latest announcement wins)."""
        self._announce()
        self._announce_contact()

    def _announce_contact(self) -> None:
        """Where their own mail goes, for notify alone (their daily digest)."""
        self.record(
            STAFF_CONTACT_RECORDED, StaffContactRecorded(user_id=self.user_id, email=self.email)
        )

    def _announce(self) -> None:
        self.record(
            STAFF_MEMBER_ADDED,
            StaffMemberAdded(
                user_id=self.user_id,
                display_name=self.display_name,
                role=self.role,
                active=self.active,
                specialties=self.specialties,
            ),
        )


class DuplicateEmail(Conflict):
    """One account per person and office: the email is already used there."""

    def __init__(self, office_id: str, email: str) -> None:
        super().__init__(
            f"{office_id} already has a staff member with email {email}",
            fields={"email": ["already used in this office"]},
        )


@dataclass(frozen=True)
class OfficeSummary:
    office_id: str
    name: str
    reply_to_email: str
    staff_count: int
    # Where the office works: its pages show dates and times there (an IANA zone name).
    timezone: str = DEFAULT_TIMEZONE


@dataclass(frozen=True)
class StaffMemberOutcome:
    member: StaffMember
    created: bool
