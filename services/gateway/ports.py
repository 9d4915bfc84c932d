"""What gateway's service layer needs from storage, as protocols: `repository.py` satisfies
them with SQL, `tests/fakes.py` with dicts."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from services.chassis.domain import Actor
from services.gateway.domain.staff import (
    Office,
    OfficeSummary,
    ReminderIntervals,
    SendingHours,
    StaffMember,
)

if TYPE_CHECKING:
    from services.gateway.credentials import OfficeCredentials


class Offices(Protocol):
    """The office a unit of work is for."""

    def get(self, *, for_update: bool = False) -> Office | None:
        """The office, locked against another registration until commit with `for_update`."""
        ...

    def add(self, office: Office) -> Office:
        """Raises Conflict when the office was registered meanwhile."""
        ...

    def save(self, office: Office) -> None: ...

    def summary(self) -> OfficeSummary | None: ...

    def set_timezone(self, timezone: str) -> None:
        """Where the office works (an IANA zone name): its pages show times there."""
        ...

    def set_reminder_intervals(self, intervals: ReminderIntervals) -> None:
        """When the office's reminders fall due."""
        ...

    def set_sending_hours(self, hours: SendingHours | None) -> None:
        """When its messages to constituents go out (None: the legislature's hours)."""
        ...


class Staff(Protocol):
    """The staff of the office a unit of work is for."""

    def by_email(self, email: str) -> StaffMember | None:
        """The member with this (normalised) email."""
        ...

    def add(self, member: StaffMember) -> StaffMember:
        """Raises DuplicateEmail when the email was taken meanwhile."""
        ...

    def all(self) -> list[StaffMember]:
        """Every member of the office (active or not), by name."""
        ...

    def get(self, user_id: str) -> StaffMember | None: ...

    def save(self, member: StaffMember) -> None:
        """Write role, specialties and active (a deactivated member's sessions end)."""
        ...


class OfficeWork(Protocol):
    """What every unit of work for one office offers: its staff, the audit trail, commit."""

    @property
    def staff(self) -> Staff: ...

    def audit(
        self, action: str, subject_type: str, subject_id: str, *, actor: Actor | None = None
    ) -> None: ...

    def commit(self) -> None: ...


class GatewayWork(OfficeWork, Protocol):
    """A gateway unit of work, real or fake."""

    @property
    def offices(self) -> Offices: ...


class GatewayDatabase(Protocol):
    """Opens a unit of work for one office (a chassis `DatabaseAccess` or a fake)."""

    def unit_of_work(
        self, *, office_id: str, actor: Actor | None = None
    ) -> AbstractContextManager[GatewayWork]: ...


class PlatformDatabase(Protocol):
    """Opens work that spans offices (a chassis `DatabaseAccess`)."""

    def platform_work(self) -> AbstractContextManager[Any]: ...


class SigninWork(OfficeWork, Protocol):
    """An office's unit of work as signing in uses it: the SQL credentials (no fake holds
    passwords or sessions; their tests run on the databases)."""

    @property
    def office_id(self) -> str: ...

    @property
    def credentials(self) -> OfficeCredentials: ...


class SigninDatabase(PlatformDatabase, Protocol):
    def unit_of_work(
        self, *, office_id: str, actor: Actor | None = None
    ) -> AbstractContextManager[SigninWork]: ...
