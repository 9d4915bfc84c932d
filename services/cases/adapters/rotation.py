"""The routing rule (domain/routing.py) as PostgreSQL runs it, where an office's openings meet.

Every opening in an office takes the office's next reference number and the next caseworker's
turn, one opening after another. On PostgreSQL both are taken in ONE message of statements that
the server runs as one transaction and commits at once (`take_turn_apart`), so the office's lock
is held for the time the server takes to run them: never across a round trip to this process,
which under eventlet may wait its turn to be scheduled. It runs on a small engine of its own,
because the opening's unit of work already holds a connection of the service's pool (it claimed
the inbox): a worker waiting for a second connection of the same pool could, with every worker
doing the same, exhaust it. The apart engine's connections are held for one round trip and never
wait for the main pool, so the two pools cannot wait on each other.

`candidates` is rule 1, `specialists` and the first half of `chosen` rule 5, the second half
rules 2 and 3, `assigned` rule 4; COLLATE "C" compares names code point by code point, as the
rule says (and Python does). tests/rotation_oracle.py holds the SQL and the domain's rule to the
same turns written out by hand, and test_routing_sql.py holds them to each other.

A specialist's open caseload is what the rule compares, and it must count the cases of openings
that took their turn apart but have not committed their case yet, or openings at once would all
see the same loads and pile onto one member. So the apart statement also writes the assignment
to `pending_assignments`, committed with the turn, and the opening's own transaction deletes it
as it inserts the case (adapters/allocations.py): every snapshot sees each assignment exactly
once, as a pending row or as a case. An opening that fails leaves its row until its redelivery
takes a new turn (the row is overwritten); a row older than `PENDING_FOR` (an opening never
retried) is no longer counted, and is removed by a later opening.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from services.cases.domain.lifecycle import UNFINISHED
from services.cases.domain.routing import ASSIGNABLE_ROLES, ROUND_ROBIN, RULE, Turn
from services.cases.ports import Allocation
from services.chassis import prepared
from services.chassis.tenant import TENANT_SETTING

ROLES = tuple(sorted(ASSIGNABLE_ROLES))
# Far longer than any opening's transaction: a pending assignment this old was never committed.
PENDING_FOR = timedelta(hours=1)
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
candidates AS (
    SELECT user_id, display_name, last_assigned_at,
        strpos(specialties, %(specialty)s) > 0 AS specialist
    FROM staff_members
    WHERE office_id = %(office_id)s AND active AND role = ANY(%(roles)s){gate}
),
specialists AS (
    SELECT candidate.user_id, candidate.last_assigned_at,
        (
            SELECT count(*) FROM cases
            WHERE office_id = %(office_id)s AND assigned_to_id = candidate.user_id
                AND status = ANY(%(unfinished)s)
        ) + (
            SELECT count(*) FROM pending_assignments
            WHERE office_id = %(office_id)s AND user_id = candidate.user_id
                AND assigned_at > %(pending_since)s
        ) AS caseload
    FROM candidates AS candidate
    WHERE candidate.specialist
),
chosen AS (
    (
        SELECT user_id, %(rule)s AS method FROM specialists
        ORDER BY caseload, last_assigned_at IS NOT NULL, last_assigned_at, user_id COLLATE "C"
        LIMIT 1
    )
    UNION ALL
    (
        SELECT user_id, %(round_robin)s AS method FROM candidates
        WHERE NOT EXISTS (SELECT 1 FROM specialists)
        ORDER BY last_assigned_at IS NOT NULL, last_assigned_at,
            display_name COLLATE "C", user_id COLLATE "C"
        LIMIT 1
    )
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
    RETURNING member.user_id, member.display_name, member.last_assigned_at, chosen.method
)"""

# Does nothing for a submission that already has its case, so a re-announcement takes no number
# and no turn. (A redelivered event never gets here: the unit of work claimed the inbox first.)
# Built from the constants above only, never from input: values travel as parameters.
OPENING_TURN = (
    """
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
),"""  # noqa: S608
    + ROTATION.format(gate=" AND EXISTS (SELECT 1 FROM pending)")
    + """,
held AS (
    INSERT INTO pending_assignments AS held (office_id, submission_id, user_id, assigned_at)
    SELECT %(office_id)s, %(submission_id)s, user_id, last_assigned_at FROM assigned
    ON CONFLICT (office_id, submission_id)
    DO UPDATE SET user_id = excluded.user_id, assigned_at = excluded.assigned_at
),
forgotten AS (
    DELETE FROM pending_assignments
    WHERE office_id = %(office_id)s AND submission_id IN (
        SELECT submission_id FROM pending_assignments
        WHERE office_id = %(office_id)s AND assigned_at <= %(pending_since)s
            AND submission_id <> %(submission_id)s
        FOR UPDATE SKIP LOCKED
    )
)
SELECT numbered.last_number, assigned.user_id, assigned.display_name,
    assigned.last_assigned_at, assigned.method
FROM numbered LEFT JOIN assigned ON true
"""
)

# The opening turn is prepared once on each connection of the apart engine and executed by
# name: PostgreSQL plans it at its first executions and then keeps a generic plan, instead of
# planning nine CTEs at every opening while the office's lock is held (planning was two thirds
# of the statement's time, and every opening of the office waits behind it).
TURN_STATEMENT = "casework_opening_turn"
_PARAMETER_TYPES = {
    "office_id": "text",
    "submission_id": "text",
    "year": "integer",
    "specialty": "text",
    "roles": "text[]",
    "unfinished": "text[]",
    "pending_since": "timestamptz",
    "rule": "text",
    "round_robin": "text",
    "now": "timestamptz",
}
_NAMED = re.compile(r"%\((\w+)\)s")
_TURN_PARAMETERS = list(dict.fromkeys(_NAMED.findall(OPENING_TURN)))
PREPARE_TURN = (
    f"PREPARE {TURN_STATEMENT} ("
    + ", ".join(_PARAMETER_TYPES[name] for name in _TURN_PARAMETERS)
    + ") AS"
    + _NAMED.sub(lambda match: f"${_TURN_PARAMETERS.index(match.group(1)) + 1}", OPENING_TURN)
)
# One message, run by the server as one transaction: the tenant, the office's lock, the turn;
# as text where prepared statements are off (behind PgBouncer in transaction mode).
TAKE_TURN_AS_TEXT = SET_TENANT + LOCK_OPENINGS + OPENING_TURN
TAKE_TURN_APART = (
    SET_TENANT
    + LOCK_OPENINGS
    + f"\nEXECUTE {TURN_STATEMENT} ("
    + ", ".join(f"%({name})s" for name in _TURN_PARAMETERS)
    + ");"
)
# The server no longer knows the name (a connection pooler in transaction mode, DISCARD ALL), or
# a migration changed a column the plan returns ("cached plan must not change result type").
_STALE_PREPARED = {"26000", "0A000"}
_PREPARED = "casework_turn_prepared"

# The same turn inside a unit of work's own transaction (the tenant is already set), holding the
# office's lock until it commits: for roster changes and the openings that must wait for them.
TAKE_TURN_INLINE = (
    LOCK_OPENINGS
    + "\nWITH"
    + ROTATION.format(gate="")
    + "\nSELECT user_id, display_name, last_assigned_at, method FROM assigned\n"
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


def routing_parameters(office_id: str, category: str, now: datetime) -> dict[str, Any]:
    """What the routing statement needs besides the submission: the office, the case's
    category as its specialties' JSON holds it, the clock."""
    return {
        "office_id": office_id,
        "lock_key": openings_lock_key(office_id),
        "roles": list(ROLES),
        "unfinished": list(UNFINISHED),
        "specialty": json.dumps(category),
        "pending_since": now - PENDING_FOR,
        "rule": RULE,
        "round_robin": ROUND_ROBIN,
        "now": now,
    }


def take_turn_apart(
    bind: Engine, *, office_id: str, submission_id: str, category: str, now: datetime
) -> Allocation | None:
    """Take the number and the turn in a transaction of their own, committed at once.

    None when the submission already has its case. What is taken is kept even if the opening
    then fails: a crash (or a rare race with the same submission announced twice at once) leaves
    a gap in the office's numbers and costs that caseworker one turn. References stay unique and
    increasing, which is all they promise.
    """
    parameters = {
        **routing_parameters(office_id, category, now),
        "submission_id": submission_id,
        "year": now.year,
    }
    with apart_engine(bind).connect() as connection:
        if not prepared.enabled():
            row = connection.exec_driver_sql(TAKE_TURN_AS_TEXT, parameters).first()
            return None if row is None else _allocation(*row)
        prepare_turn(connection)
        try:
            row = connection.exec_driver_sql(TAKE_TURN_APART, parameters).first()
        except DBAPIError as error:
            if getattr(error.orig, "pgcode", None) not in _STALE_PREPARED:
                raise
            # Nothing of the failed message stays (autocommit: it was its own transaction, the
            # lock went with it): prepare afresh and take the turn once more.
            prepare_turn(connection, again=True)
            row = connection.exec_driver_sql(TAKE_TURN_APART, parameters).first()
    return None if row is None else _allocation(*row)


def _allocation(
    number: Any, user_id: Any, display_name: Any, assigned_at: Any, method: Any
) -> Allocation:
    return Allocation(int(number), _turn(user_id, display_name, assigned_at, method))


def prepare_turn(connection: Connection, *, again: bool = False) -> None:
    """Prepare the opening turn on this connection of the apart engine, unless it already
    was; `again` forgets what the server held first. A turn whose plan is old is prepared
    afresh (`prepared.PlanAge`), so that its plan is costed on the tables as they are."""
    info = connection.info
    age = info.get(_PREPARED)
    if age is not None and not again and not age.run():
        return
    if age is not None or again:
        connection.exec_driver_sql("DEALLOCATE ALL")  # the turn is all this connection holds
    connection.exec_driver_sql(PREPARE_TURN)
    info[_PREPARED] = prepared.PlanAge()


def lock_openings(connection: Connection, office_id: str) -> None:
    """Hold the office's openings lock until this transaction ends."""
    connection.exec_driver_sql(LOCK_OPENINGS, {"lock_key": openings_lock_key(office_id)})


def take_turn_inline(
    connection: Connection, office_id: str, category: str, now: datetime
) -> Turn | None:
    """The turn inside the caller's transaction: its case is written in the same transaction
    (or the lock waits for it), so nothing is left pending."""
    row = connection.exec_driver_sql(
        TAKE_TURN_INLINE, routing_parameters(office_id, category, now)
    ).first()
    return None if row is None else _turn(*row)


def _turn(user_id: Any, display_name: Any, assigned_at: Any, method: Any) -> Turn | None:
    if user_id is None:
        return None
    return Turn(str(user_id), str(display_name), assigned_at.astimezone(UTC), str(method))
