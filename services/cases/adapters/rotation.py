"""The rotation rule (domain/routing.py) as PostgreSQL runs it, where an office's openings meet.

Every opening in an office takes the office's next reference number and the next caseworker's
turn, one opening after another. On PostgreSQL both are taken in ONE message of statements that
the server runs as one transaction and commits at once (`take_turn_apart`), so the office's lock
is held for the time the server takes to run them: never across a round trip to this process,
which under eventlet may wait its turn to be scheduled. It runs on a small engine of its own,
because the opening's unit of work already holds a connection of the service's pool (it claimed
the inbox): a worker waiting for a second connection of the same pool could, with every worker
doing the same, exhaust it. The apart engine's connections are held for one round trip and never
wait for the main pool, so the two pools cannot wait on each other.

`chosen` is rules 1 to 3 of the rotation, `assigned` rule 4; COLLATE "C" compares names code
point by code point, as the rule says (and Python does). tests/rotation_oracle.py holds the SQL
and the domain's `take_turn` to the same turns written out by hand.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

from services.cases.domain.routing import ASSIGNABLE_ROLES, Turn
from services.cases.ports import Allocation
from services.chassis.tenant import TENANT_SETTING

ROLES = tuple(sorted(ASSIGNABLE_ROLES))
# The apart engine's pool: one round trip per opening, so a few connections serve every worker.
APART_POOL_SIZE = 2
APART_MAX_OVERFLOW = 2


def openings_lock_key(office_id: str) -> int:
    """The advisory lock that makes an office's openings and roster changes take turns (a
    signed 64-bit key)."""
    digest = hashlib.blake2b(office_id.encode(), digest_size=8, person=b"case-opening").digest()
    return int.from_bytes(digest, "big", signed=True)


# Row-level security reads the tenant from this transaction-local setting; the apart statements
# run on their own connection, outside the unit of work that sets it.
SET_TENANT = f"SELECT set_config('{TENANT_SETTING}', %(office_id)s, true);"
# Waits for the office's earlier openings (and roster changes) to commit. The statement after it
# reads the roster with a snapshot taken after that, so it sees their turns; in one statement it
# could not.
LOCK_OPENINGS = "SELECT pg_advisory_xact_lock(%(lock_key)s);"

ROTATION = """
chosen AS (
    SELECT user_id FROM staff_members
    WHERE office_id = %(office_id)s AND role IN %(roles)s{gate}
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
)"""

# Does nothing for a submission that already has its case, so a re-announcement takes no number
# and no turn. (A redelivered event never gets here: the unit of work claimed the inbox first.)
# Built from the constants above only, never from input: values travel as parameters.
TAKE_TURN_APART = (
    SET_TENANT  # noqa: S608
    + LOCK_OPENINGS
    + """
WITH pending AS (
    SELECT 1 AS pending
    WHERE NOT EXISTS (
        SELECT 1 FROM cases
        WHERE office_id = %(office_id)s AND submission_id = %(submission_id)s
    )
),
numbered AS (
    INSERT INTO case_reference_counters AS counter (office_id, year, last_number)
    SELECT %(office_id)s, %(year)s, 1 FROM pending
    ON CONFLICT (office_id, year) DO UPDATE SET last_number = counter.last_number + 1
    RETURNING counter.last_number
),"""
    + ROTATION.format(gate=" AND EXISTS (SELECT 1 FROM pending)")
    + """
SELECT numbered.last_number, assigned.user_id, assigned.display_name,
    assigned.last_assigned_at
FROM numbered LEFT JOIN assigned ON true
"""
)

# The same turn inside a unit of work's own transaction (the tenant is already set), holding the
# office's lock until it commits: for roster changes and the openings that must wait for them.
TAKE_TURN_INLINE = (
    LOCK_OPENINGS
    + "\nWITH"
    + ROTATION.format(gate="")
    + "\nSELECT user_id, display_name, last_assigned_at FROM assigned\n"
)

_apart_engines: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def apart_engine(bind: Engine) -> Engine:
    """The small autocommit engine beside `bind` for apart turns, made on first use and
    disposed with `bind`."""
    engine = _apart_engines.get(bind)
    if engine is None:
        engine = create_engine(
            bind.url,
            hide_parameters=True,
            isolation_level="AUTOCOMMIT",
            pool_size=APART_POOL_SIZE,
            max_overflow=APART_MAX_OVERFLOW,
            pool_recycle=1800,
            pool_timeout=30,
        )
        _apart_engines[bind] = engine
        event.listen(bind, "engine_disposed", _disposer(engine))
    return engine


def _disposer(engine: Engine) -> Any:
    def dispose(_bind: Engine) -> None:
        engine.dispose()

    return dispose


def take_turn_apart(
    bind: Engine, *, office_id: str, submission_id: str, now: datetime
) -> Allocation | None:
    """Take the number and the turn in a transaction of their own, committed at once.

    None when the submission already has its case. What is taken is kept even if the opening
    then fails: a crash (or a rare race with the same submission announced twice at once) leaves
    a gap in the office's numbers and costs that caseworker one turn. References stay unique and
    increasing, which is all they promise.
    """
    with apart_engine(bind).connect() as connection:
        row = connection.exec_driver_sql(
            TAKE_TURN_APART,
            {
                "office_id": office_id,
                "lock_key": openings_lock_key(office_id),
                "submission_id": submission_id,
                "year": now.year,
                "roles": ROLES,
                "now": now,
            },
        ).first()
    if row is None:
        return None
    number, user_id, display_name, assigned_at = row
    return Allocation(int(number), _turn(user_id, display_name, assigned_at))


def lock_openings(connection: Connection, office_id: str) -> None:
    """Hold the office's openings lock until this transaction ends."""
    connection.exec_driver_sql(LOCK_OPENINGS, {"lock_key": openings_lock_key(office_id)})


def take_turn_inline(connection: Connection, office_id: str, now: datetime) -> Turn | None:
    row = connection.exec_driver_sql(
        TAKE_TURN_INLINE,
        {
            "office_id": office_id,
            "lock_key": openings_lock_key(office_id),
            "roles": ROLES,
            "now": now,
        },
    ).first()
    return None if row is None else _turn(*row)


def _turn(user_id: Any, display_name: Any, assigned_at: Any) -> Turn | None:
    if user_id is None:
        return None
    return Turn(str(user_id), str(display_name), assigned_at.astimezone(UTC))
