"""The office's roster in the database (gateway's staff, as cases routes to them), and the
routing's next turn taken inside a unit of work."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select

from services.cases.adapters.rotation import lock_openings, take_turn_inline
from services.cases.domain.lifecycle import UNFINISHED
from services.cases.domain.routing import RosterMember, Turn, route, specialists
from services.cases.models import Base
from services.chassis.db import insert_on_conflict
from services.chassis.repository import OfficeScopedRepository

STAFF = Base.metadata.tables["staff_members"]
CASES = Base.metadata.tables["cases"]
IN_OFFICE = STAFF.c.office_id == bindparam("office_id")
ROSTER = select(
    STAFF.c.user_id,
    STAFF.c.display_name,
    STAFF.c.role,
    STAFF.c.last_assigned_at,
    STAFF.c.updated_at,
    STAFF.c.active,
    STAFF.c.specialties,
).where(IN_OFFICE)
MEMBER = ROSTER.where(STAFF.c.user_id == bindparam("user_id"))
SET_TURN = STAFF.update().where(
    STAFF.c.office_id == bindparam("in_office"), STAFF.c.user_id == bindparam("member")
)
# The open caseload of some members (the specialists of a case's category): read from
# ix_cases_office_assignee_status, their unfinished cases only.
CASELOADS = (
    select(CASES.c.assigned_to_id, func.count().label("caseload"))
    .where(
        CASES.c.office_id == bindparam("office_id"),
        CASES.c.assigned_to_id.in_(bindparam("members", expanding=True)),
        CASES.c.status.in_(UNFINISHED),
    )
    .group_by(CASES.c.assigned_to_id)
)


class SqlRoster(OfficeScopedRepository):
    """On PostgreSQL, reading a member for a change and taking a turn hold the office's
    openings lock until the unit of work ends: a roster change and the openings of its office
    take turns, so no opening can miss a caseworker who is being added, and no waiting case can
    be missed by the caseworker's arrival (see `SqlAllocations`)."""

    @property
    def holds_lock(self) -> bool:
        """Whether this transaction holds the office's openings lock already (kept on the
        session: a batch's units of work share one transaction, and so its locks)."""
        return self._office_id in self._locked_offices()

    @property
    def holds_any_lock(self) -> bool:
        """Whether this transaction holds any office's openings lock."""
        return bool(self._locked_offices())

    def _locked_offices(self) -> set[str]:
        return self._session.info.setdefault("openings_locked", set())  # type: ignore[no-any-return]

    def get(self, user_id: str) -> RosterMember | None:
        self.lock()
        row = self._row(MEMBER, user_id=user_id)
        return None if row is None else _member(row)

    def find(self, user_id: str) -> RosterMember | None:
        """The member as the roster has them, to name or check them (takes no lock: for
        reading, not for changing the roster)."""
        row = self._row(MEMBER, user_id=user_id)
        return None if row is None else _member(row)

    def members(self) -> list[RosterMember]:
        return [_member(row) for row in self._rows(ROSTER)]

    def put(self, member: RosterMember) -> None:
        upsert = insert_on_conflict(self._uow.dialect, STAFF).values(
            office_id=self._office_id,
            user_id=member.user_id,
            display_name=member.display_name,
            role=member.role,
            updated_at=member.announced_at,
            last_assigned_at=member.last_assigned_at,
            active=member.active,
            specialties=json.dumps(list(member.specialties)),
        )
        self._session.execute(
            upsert.on_conflict_do_update(
                index_elements=[STAFF.c.office_id, STAFF.c.user_id],
                set_={
                    "display_name": upsert.excluded.display_name,
                    "role": upsert.excluded.role,
                    "updated_at": upsert.excluded.updated_at,
                    "active": upsert.excluded.active,
                    "specialties": upsert.excluded.specialties,
                },
            )
        )

    def take_turn(self, now: datetime, category: str) -> Turn | None:
        # Cases this unit of work gave out and holds back (the waiting cases an arrival takes)
        # count in their caseloads: write them first.
        self._uow.flush()
        if self._uow.dialect == "postgresql":
            self._locked_offices().add(self._office_id)  # the statement takes it itself
            return take_turn_inline(self._session.connection(), self._office_id, category, now)
        # SQLite lets one transaction write at a time, so turns are taken one after another
        # already; the rule runs here on the roster and caseloads as read.
        roster = [_member(row) for row in self._rows(ROSTER)]
        turn = route(roster, category, self._caseloads(specialists(roster, category)), now)
        if turn is not None:
            self._session.execute(
                SET_TURN,
                {
                    "in_office": self._office_id,
                    "member": turn.user_id,
                    "last_assigned_at": turn.assigned_at,
                },
            )
        return turn

    def _caseloads(self, members: list[RosterMember]) -> dict[str, int]:
        if not members:
            return {}
        rows = self._rows(CASELOADS, members=[m.user_id for m in members])
        return {row.assigned_to_id: int(row.caseload) for row in rows}

    def lock(self) -> None:
        """Hold the office's openings lock until the transaction ends (PostgreSQL)."""
        if not self.holds_lock and self._uow.dialect == "postgresql":
            lock_openings(self._session.connection(), self._office_id)
            self._locked_offices().add(self._office_id)


def _member(row: Any) -> RosterMember:
    return RosterMember(
        user_id=row.user_id,
        display_name=row.display_name,
        role=row.role,
        last_assigned_at=row.last_assigned_at,
        announced_at=row.updated_at,
        active=bool(row.active),
        specialties=tuple(json.loads(row.specialties or "[]")),
    )
