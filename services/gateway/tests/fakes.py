"""Gateway's unit of work without a database: offices and staff in dicts, written on commit."""

from __future__ import annotations

import dataclasses
from typing import Any

from services.chassis.errors import Conflict
from services.chassis.fakes import FakeDatabase, FakeUnitOfWork
from services.gateway.domain.staff import (
    DuplicateEmail,
    Office,
    OfficeSummary,
    ReminderIntervals,
    SendingHours,
    StaffMember,
)


def _copy(aggregate: Any) -> Any:
    """A fresh copy, as a new load from a database would give (no events, no shared state)."""
    return dataclasses.replace(aggregate)


class FakeOffices:
    def __init__(self, uow: FakeGatewayUnitOfWork) -> None:
        self._uow = uow

    def get(self, *, for_update: bool = False) -> Office | None:
        office = self._uow.visible_offices().get(self._uow.office_id)
        if office is None:
            return None
        zone = self._uow.timezones.get(office.office_id, office.timezone)
        intervals = self._uow.intervals.get(office.office_id, office.reminders)
        hours = self._uow.sending_hours.get(office.office_id, office.sending_hours)
        return self._uow.track(
            dataclasses.replace(office, timezone=zone, reminders=intervals, sending_hours=hours)
        )

    def add(self, office: Office) -> Office:
        if self._uow.office_id in self._uow.visible_offices():
            raise Conflict(f"office {self._uow.office_id} was registered at the same time")
        self._uow.pending_offices[self._uow.office_id] = office
        return self._uow.track(office)

    def save(self, office: Office) -> None:
        self._uow.pending_offices[self._uow.office_id] = office

    def set_timezone(self, timezone: str) -> None:
        self._uow.timezones[self._uow.office_id] = timezone

    def set_reminder_intervals(self, intervals: ReminderIntervals) -> None:
        self._uow.intervals[self._uow.office_id] = intervals

    def set_sending_hours(self, hours: SendingHours | None) -> None:
        self._uow.sending_hours[self._uow.office_id] = hours

    def summary(self) -> OfficeSummary | None:
        office = self.get()
        if office is None:
            return None
        staff = [m for m in self._uow.visible_staff() if m.office_id == office.office_id]
        return OfficeSummary(
            office.office_id,
            office.name,
            office.reply_to_email,
            sum(1 for member in staff if member.active),
            self._uow.timezones.get(office.office_id, "America/New_York"),
        )


class FakeStaff:
    def __init__(self, uow: FakeGatewayUnitOfWork) -> None:
        self._uow = uow

    def by_email(self, email: str) -> StaffMember | None:
        for member in self._uow.visible_staff():
            if (member.office_id, member.email) == (self._uow.office_id, email):
                return self._uow.track(_copy(member))
        return None

    def get(self, user_id: str) -> StaffMember | None:
        for member in self._uow.visible_staff():
            if (member.office_id, member.user_id) == (self._uow.office_id, user_id):
                return self._uow.track(_copy(member))
        return None

    def save(self, member: StaffMember) -> None:
        self._uow.pending_staff.append(member)  # the latest write of a member wins on commit

    def all(self) -> list[StaffMember]:
        members = [m for m in self._uow.visible_staff() if m.office_id == self._uow.office_id]
        ordered = sorted((_copy(m) for m in members), key=lambda m: (m.display_name, m.email))
        return [self._uow.track(m) for m in ordered]

    def add(self, member: StaffMember) -> StaffMember:
        if self.by_email(member.email) is not None:
            raise DuplicateEmail(self._uow.office_id, member.email)
        self._uow.pending_staff.append(member)
        return self._uow.track(member)


class FakeGatewayUnitOfWork(FakeUnitOfWork):
    def open_repositories(self) -> None:
        self.pending_offices: dict[str, Office] = {}
        self.pending_staff: list[StaffMember] = []
        self.timezones: dict[str, str] = self.database.rows.setdefault("timezones", {})
        self.intervals: dict[str, ReminderIntervals] = self.database.rows.setdefault(
            "reminder_intervals", {}
        )
        self.sending_hours: dict[str, SendingHours | None] = self.database.rows.setdefault(
            "sending_hours", {}
        )
        self.offices = FakeOffices(self)
        self.staff = FakeStaff(self)

    @property
    def committed_offices(self) -> dict[str, Office]:
        return self.database.rows.setdefault("offices", {})  # type: ignore[no-any-return]

    @property
    def committed_staff(self) -> list[StaffMember]:
        return self.database.rows.setdefault("staff", [])  # type: ignore[no-any-return]

    def visible_offices(self) -> dict[str, Office]:
        return {**self.committed_offices, **self.pending_offices}

    def visible_staff(self) -> list[StaffMember]:
        latest = {(m.office_id, m.user_id): m for m in [*self.committed_staff, *self.pending_staff]}
        return list(latest.values())

    def commit(self) -> None:
        self.committed_offices.update(
            {office_id: _copy(office) for office_id, office in self.pending_offices.items()}
        )
        staff = self.visible_staff()
        self.committed_staff[:] = [_copy(member) for member in staff]
        self.pending_offices, self.pending_staff = {}, []
        super().commit()


def fake_database() -> FakeDatabase[FakeGatewayUnitOfWork]:
    return FakeDatabase(FakeGatewayUnitOfWork, service="gateway")
