"""All of gateway's SQL: one office and its staff (through the office's unit of work), and the
list of every office (platform work)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.chassis.db import utcnow
from services.chassis.errors import Conflict
from services.chassis.repository import OfficeScopedRepository
from services.chassis.uow import UnitOfWork
from services.gateway.credentials import OfficeCredentials
from services.gateway.domain.staff import (
    DuplicateEmail,
    Office,
    OfficeSummary,
    ReminderIntervals,
    SendingHours,
    StaffMember,
)
from services.gateway.models import Base

OFFICES = Base.metadata.tables["offices"]
USERS = Base.metadata.tables["users"]
SESSIONS = Base.metadata.tables["staff_sessions"]

# Built once: the statement cache keys them, so each compiles a single time.
INTERVALS = tuple(f.name for f in dataclasses.fields(ReminderIntervals))
OFFICE = select(
    OFFICES.c.office_id,
    OFFICES.c.name,
    OFFICES.c.reply_to_email,
    OFFICES.c.timezone,
    *(OFFICES.c[name] for name in INTERVALS),
    OFFICES.c.sending_from,
    OFFICES.c.sending_until,
).where(OFFICES.c.office_id == bindparam("office_id"))
SUMMARY = select(
    OFFICES.c.office_id,
    OFFICES.c.name,
    OFFICES.c.reply_to_email,
    OFFICES.c.timezone,
    select(func.count())
    .select_from(USERS)
    .where(USERS.c.office_id == OFFICES.c.office_id, USERS.c.active.is_(True))
    .scalar_subquery()
    .label("staff_count"),
).where(OFFICES.c.office_id == bindparam("office_id"))
# SQLite has no row locks (its writers are serialised anyway) and compiles this without them.
OFFICE_FOR_UPDATE = OFFICE.with_for_update()
UPDATE_OFFICE = (
    update(OFFICES)
    # Not "office_id": an UPDATE reserves its columns' names for the SET clause.
    .where(OFFICES.c.office_id == bindparam("office"))
    .values(name=bindparam("new_name"), reply_to_email=bindparam("new_reply_to_email"))
)
MEMBER_COLUMNS = (
    USERS.c.id,
    USERS.c.office_id,
    USERS.c.display_name,
    USERS.c.email,
    USERS.c.role,
    USERS.c.active,
    USERS.c.specialties,
)
STAFF_BY_EMAIL = (
    select(*MEMBER_COLUMNS)
    .where(USERS.c.office_id == bindparam("office_id"), USERS.c.email == bindparam("email"))
    .limit(1)
)
STAFF_BY_ID = select(*MEMBER_COLUMNS).where(
    USERS.c.office_id == bindparam("office_id"), USERS.c.id == bindparam("user_id")
)
UPDATE_MEMBER = (
    update(USERS)
    .where(USERS.c.office_id == bindparam("in_office"), USERS.c.id == bindparam("user"))
    .values(
        role=bindparam("new_role"),
        active=bindparam("new_active"),
        specialties=bindparam("new_specialties"),
    )
)
END_SESSIONS = SESSIONS.delete().where(
    SESSIONS.c.office_id == bindparam("office_id"), SESSIONS.c.user_id == bindparam("user_id")
)
ALL_STAFF = (
    select(*MEMBER_COLUMNS)
    .where(USERS.c.office_id == bindparam("office_id"))
    .order_by(USERS.c.display_name, USERS.c.email)
)
_staff_counts = (
    select(USERS.c.office_id, func.count().label("staff_count"))
    .where(USERS.c.active.is_(True))
    .group_by(USERS.c.office_id)
    .subquery()
)
EVERY_OFFICE = (
    select(
        OFFICES.c.office_id,
        OFFICES.c.name,
        OFFICES.c.reply_to_email,
        func.coalesce(_staff_counts.c.staff_count, 0).label("staff_count"),
    )
    .outerjoin(_staff_counts, _staff_counts.c.office_id == OFFICES.c.office_id)
    .order_by(OFFICES.c.name, OFFICES.c.office_id)
)


class OfficeRepository(OfficeScopedRepository):
    """The office this unit of work is for."""

    def get(self, *, for_update: bool = False) -> Office | None:
        statement = OFFICE_FOR_UPDATE if for_update else OFFICE
        row = self._row(statement)
        if row is None:
            return None
        intervals = ReminderIntervals(**{name: getattr(row, name) for name in INTERVALS})
        hours = (
            SendingHours(row.sending_from, row.sending_until)
            if row.sending_from is not None and row.sending_until is not None
            else None
        )
        return self._uow.track(
            Office(row.office_id, row.name, row.reply_to_email, row.timezone, intervals, hours)
        )

    def add(self, office: Office) -> Office:
        """Insert at once, so a registration racing this one clashes here."""
        _same_office(self._uow, office.office_id)
        try:
            self._session.execute(
                OFFICES.insert(),
                dict(
                    office_id=self._office_id,
                    name=office.name,
                    reply_to_email=office.reply_to_email,
                    timezone=office.timezone,
                    created_at=utcnow(),
                    **dataclasses.asdict(office.reminders),
                ),
            )
        except IntegrityError:
            raise Conflict(f"office {self._office_id} was registered at the same time") from None
        return self._uow.track(office)

    def save(self, office: Office) -> None:
        _same_office(self._uow, office.office_id)
        self._session.execute(
            UPDATE_OFFICE,
            {
                "office": self._office_id,
                "new_name": office.name,
                "new_reply_to_email": office.reply_to_email,
            },
        )

    def set_timezone(self, timezone: str) -> None:
        self._session.execute(
            update(OFFICES).where(OFFICES.c.office_id == self._office_id).values(timezone=timezone)
        )

    def set_reminder_intervals(self, intervals: ReminderIntervals) -> None:
        self._session.execute(
            update(OFFICES)
            .where(OFFICES.c.office_id == self._office_id)
            .values(**dataclasses.asdict(intervals))
        )

    def set_sending_hours(self, hours: SendingHours | None) -> None:
        self._session.execute(
            update(OFFICES)
            .where(OFFICES.c.office_id == self._office_id)
            .values(
                sending_from=hours.start if hours else None,
                sending_until=hours.end if hours else None,
            )
        )

    def summary(self) -> OfficeSummary | None:
        """The office with its active staff count, in one statement (every page asks)."""
        row = self._row(SUMMARY)
        if row is None:
            return None
        return OfficeSummary(
            row.office_id, row.name, row.reply_to_email, int(row.staff_count), row.timezone
        )


class StaffRepository(OfficeScopedRepository):
    """The staff of the office this unit of work is for."""

    def by_email(self, email: str) -> StaffMember | None:
        row = self._row(STAFF_BY_EMAIL, email=email)
        return None if row is None else self._uow.track(_member(row))

    def add(self, member: StaffMember) -> StaffMember:
        """Insert at once: the same email added meanwhile clashes on the unique key here."""
        _same_office(self._uow, member.office_id)
        try:
            self._session.execute(
                USERS.insert(),
                dict(
                    id=member.user_id,
                    office_id=self._office_id,
                    display_name=member.display_name,
                    email=member.email,
                    role=member.role,
                    active=member.active,
                    specialties=json.dumps(list(member.specialties)),
                    password_hash=None,
                    created_at=utcnow(),
                ),
            )
        except IntegrityError:
            raise DuplicateEmail(self._office_id, member.email) from None
        return self._uow.track(member)

    def get(self, user_id: str) -> StaffMember | None:
        row = self._row(STAFF_BY_ID, user_id=user_id)
        return None if row is None else self._uow.track(_member(row))

    def save(self, member: StaffMember) -> None:
        """Write the member's role, specialties and whether they are active; a deactivated
        member's sessions end with their account."""
        _same_office(self._uow, member.office_id)
        self._session.execute(
            UPDATE_MEMBER,
            {
                "in_office": self._office_id,
                "user": member.user_id,
                "new_role": member.role,
                "new_active": member.active,
                "new_specialties": json.dumps(list(member.specialties)),
            },
        )
        if not member.active:
            self._session.execute(END_SESSIONS, self._params(user_id=member.user_id))

    def all(self) -> list[StaffMember]:
        """Every member, each tracked (what one records is kept when the unit commits)."""
        rows = self._rows(ALL_STAFF)
        return [self._uow.track(_member(row)) for row in rows]


class OfficeListing:
    """Every office with its staff count, on a platform session (it spans offices)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def all(self) -> list[OfficeSummary]:
        return [
            OfficeSummary(row.office_id, row.name, row.reply_to_email, int(row.staff_count))
            for row in self._session.execute(EVERY_OFFICE)
        ]


class GatewayUnitOfWork(UnitOfWork):
    """One office's unit of work in gateway: the office and its staff."""

    def open_repositories(self) -> None:
        self.offices = OfficeRepository(self)
        self.staff = StaffRepository(self)
        self.credentials = OfficeCredentials(self)


def _same_office(uow: UnitOfWork, office_id: str) -> None:
    """An aggregate of another office never enters this office's unit of work."""
    if office_id != uow.office_id:
        raise ValueError(f"{office_id} cannot be written in a unit of work for {uow.office_id}")


def _member(row: Row[Any]) -> StaffMember:
    return StaffMember(
        user_id=row.id,
        office_id=row.office_id,
        display_name=row.display_name,
        email=row.email,
        role=row.role,
        active=row.active,
        specialties=tuple(json.loads(row.specialties or "[]")),
    )
