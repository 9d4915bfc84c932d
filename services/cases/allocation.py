"""Taking an office's next reference number and its next caseworker's turn.

Every opening in an office needs both, one opening after another, so this is where openings in
one office meet. On PostgreSQL it is done apart from the opening's transaction, in one round
trip that commits at once (`take_turn_apart`); on SQLite, which has a single writer anyway,
inside it (`take_turn_inline`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.cases.domain.routing import (
    ASSIGNABLE_ROLES,
    RosterMember,
    next_in_rotation,
    turn_taken_at,
)
from services.cases.models import Base


@dataclass(frozen=True)
class Turn:
    """Whose turn a new case is, and when they took it."""

    user_id: str
    display_name: str
    assigned_at: datetime


@dataclass(frozen=True)
class Allocation:
    """A reference number for the new case, and its caseworker (None: nobody takes cases)."""

    number: int
    turn: Turn | None


def openings_lock_key(office_id: str) -> int:
    """The advisory lock that makes an office's openings take turns (a signed 64-bit key)."""
    digest = hashlib.blake2b(office_id.encode(), digest_size=8, person=b"case-opening").digest()
    return int.from_bytes(digest, "big", signed=True)


# Two statements sent as ONE message, which PostgreSQL runs as one transaction and commits at
# once, so the office's lock is held for the time the server takes to run them: never across a
# round trip to this process, which under eventlet may wait its turn to be scheduled.
#
# The first statement waits for the office's earlier openings to commit. The second reads the
# roster with a snapshot taken after that, so it sees their turns; in one statement it could not.
# It does nothing for an event already handled or a submission that already has its case, so a
# redelivery takes no number and no turn. `chosen` is `next_in_rotation` (domain/routing.py)
# written as a query, and the date is `turn_taken_at`'s; tests/test_opening.py checks that
# the two agree. COLLATE "C" orders names by code point, as Python does.
TAKE_TURN_SQL = """
SELECT pg_advisory_xact_lock(%(lock_key)s);
WITH pending AS (
    SELECT 1 AS pending
    WHERE NOT EXISTS (
        SELECT 1 FROM inbox WHERE event_id = %(event_id)s AND consumer = %(consumer)s
    )
    AND NOT EXISTS (
        SELECT 1 FROM cases
        WHERE office_id = %(office_id)s AND submission_id = %(submission_id)s
    )
),
numbered AS (
    INSERT INTO case_reference_counters AS counter (office_id, year, last_number)
    SELECT %(office_id)s, %(year)s, 1 FROM pending
    ON CONFLICT (office_id, year) DO UPDATE SET last_number = counter.last_number + 1
    RETURNING counter.last_number
),
chosen AS (
    SELECT user_id FROM staff_members
    WHERE office_id = %(office_id)s AND role IN %(roles)s AND EXISTS (SELECT 1 FROM pending)
    ORDER BY last_assigned_at IS NOT NULL, last_assigned_at,
        display_name COLLATE "C", user_id COLLATE "C"
    LIMIT 1
),
assigned AS (
    UPDATE staff_members AS member
    SET last_assigned_at = GREATEST(
        %(now)s,
        (
            SELECT max(last_assigned_at) + interval '1 microsecond'
            FROM staff_members WHERE office_id = %(office_id)s
        )
    )
    FROM chosen
    WHERE member.office_id = %(office_id)s AND member.user_id = chosen.user_id
    RETURNING member.user_id, member.display_name, member.last_assigned_at
)
SELECT numbered.last_number, assigned.user_id, assigned.display_name,
    assigned.last_assigned_at
FROM numbered LEFT JOIN assigned ON true
"""


def take_turn_apart(
    engine: Engine,
    *,
    event_id: str,
    consumer: str,
    office_id: str,
    submission_id: str,
    now: datetime,
) -> Allocation | None:
    """PostgreSQL: take the number and the turn in a transaction of their own, committed at once.

    None when the event was already handled or the submission already has its case. Call it
    while holding no other connection from the pool (before the opening's unit of work runs its
    first statement): a worker holding one connection while waiting for a second could, with
    every worker doing the same, exhaust the pool.

    What is taken is kept even if the opening then fails: a crash (or a rare race with the same
    submission announced twice at once) leaves a gap in the office's numbers and costs that
    caseworker one turn. References stay unique and increasing, which is all they promise.
    """
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        row = connection.exec_driver_sql(
            TAKE_TURN_SQL,
            {
                "lock_key": openings_lock_key(office_id),
                "event_id": event_id,
                "consumer": consumer,
                "office_id": office_id,
                "submission_id": submission_id,
                "year": now.year,
                "roles": tuple(sorted(ASSIGNABLE_ROLES)),
                "now": now,
            },
        ).first()
    if row is None:
        return None
    number, user_id, display_name, assigned_at = row
    turn = (
        Turn(str(user_id), str(display_name), assigned_at.astimezone(UTC))
        if user_id is not None
        else None
    )
    return Allocation(int(number), turn)


def take_turn_inline(session: Session, office_id: str, now: datetime) -> Allocation:
    """SQLite: take the number and the turn inside the opening's own transaction.

    SQLite lets one transaction write at a time, so openings already take turns; a transaction
    of their own would need a second connection, and the engine has only one. (Correct on
    PostgreSQL too, where the counter's row lock orders openings, but held until the opening
    commits.)
    """
    counters = _table("case_reference_counters")
    staff = _table("staff_members")
    upsert = insert_on_conflict(session, counters).values(
        office_id=office_id, year=now.year, last_number=1
    )
    number = session.execute(
        upsert.on_conflict_do_update(
            index_elements=[counters.c.office_id, counters.c.year],
            set_={"last_number": counters.c.last_number + 1},
        ).returning(counters.c.last_number)
    ).scalar_one()
    roster = [
        RosterMember(row.user_id, row.display_name, row.role, row.last_assigned_at)
        for row in session.execute(
            select(
                staff.c.user_id, staff.c.display_name, staff.c.role, staff.c.last_assigned_at
            ).where(staff.c.office_id == office_id)
        )
    ]
    chosen = next_in_rotation(roster)
    if chosen is None:
        return Allocation(int(number), None)
    assigned_at = turn_taken_at(now, roster)
    session.execute(
        update(staff)
        .where(staff.c.office_id == office_id, staff.c.user_id == chosen.user_id)
        .values(last_assigned_at=assigned_at)
    )
    return Allocation(int(number), Turn(chosen.user_id, chosen.display_name, assigned_at))


def insert_on_conflict(session: Session, table: Table) -> Any:
    """An INSERT that can say ON CONFLICT, for this session's database."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def _table(name: str) -> Table:
    return Base.metadata.tables[name]
