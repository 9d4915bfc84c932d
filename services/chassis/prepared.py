"""Statements PostgreSQL plans once per connection: a service's repeated statements, prepared.

psycopg2 sends every statement as text, and PostgreSQL parses, checks against row-level
security and plans it each time: for a one-row read that is more than half of the server's
work (225 µs of backend CPU plain, 95 µs prepared, on the reference machine). So on each
connection a statement that comes a second time is prepared (`PREPARE casework_N AS ...`, its
parameters as `$1..$n`) and from then on sent as `EXECUTE casework_N (...)` with the same
values psycopg2 would have written into it. This happens below SQLAlchemy's
`before_cursor_execute` (in the dialect's `do_execute`), so logs, traces and the tests that
count statements still see the statement itself.

A statement is prepared only when doing so cannot change what it means:
- one statement (SELECT, INSERT, UPDATE, DELETE or WITH), its values all named parameters;
- values psycopg2 writes as plain literals (no tuples, no adapters);
- the types PostgreSQL infers for the parameters agree with the values, checked at every
  execution (else that execution is sent as text): a value that is not a string never goes
  where PostgreSQL would read text (a bare `SELECT %(n)s` would return '1' prepared and 1
  plain), and an int never into a narrower type than its literal's (3,000,000,000 into an
  integer parameter fails to convert where the literal compares).
PREPARE, with the question about its parameters' types, goes in one message under a savepoint
named after it, so a refusal costs the transaction nothing; nothing is prepared in a failed
transaction. PREPARE is not transactional: a prepared statement outlives a rollback. A server
that forgot the name (DISCARD ALL), or a migration that changed a column a plan returns
("cached plan must not change result type") or a column a parameter is compared with (an error
of class 42), fails that statement once, as a transient error the caller retries; it then runs
as text on that connection, and is prepared afresh when it comes again.

A prepared statement is planned afresh once it is `REPLAN_SECONDS` old and has run
`REPLAN_RUNS` times since (the same name, prepared again). From its sixth execution PostgreSQL
may keep one generic plan for it, costed once when first built; where autovacuum lags (it is off
on some machines) nothing tells the server that the tables grew since, and a sequential scan
chosen while a table held a few rows went on reading all of it: notify's sweep read 6 million
reminder rows in 4,000 submissions.

`CASEWORK_DB_PREPARED_STATEMENTS=false` turns it off: behind a connection pooler in transaction
mode (PgBouncer), a session's prepared statements are not the next transaction's.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from psycopg2.extensions import TRANSACTION_STATUS_INERROR
from sqlalchemy import Engine, event

from services.chassis.config import env_str
from services.chassis.tenant import TENANT_SETTING

# On the connection's record (cleared with the connection): what it prepared and counted.
PREPARED = "casework_prepared"
SEEN = "casework_seen_once"
NUMBERED = "casework_prepared_last"
# A statement is prepared on its second execution on a connection (a fifth, as psycopg 3 does,
# measured a 12 % saving of PostgreSQL's CPU where the second measured 22 %: a batch's multi-row
# statements differ by their number of rows, and a pool's connections share the executions),
# and a connection prepares at most this many; the rest stay plain.
PREPARE_AT = 2
MOST_PER_CONNECTION = 200
MOST_SEEN = 2000
# How long a connection keeps a statement's plan before preparing it again: the plan's costs
# were reckoned on the tables as they were then.
REPLAN_SECONDS = 60.0
# ...and has run this many times since: a statement run now and then keeps its plan longer,
# rather than paying a PREPARE at nearly every run.
REPLAN_RUNS = 20
# A prepared statement the server no longer has (26000), or whose plan a migration made stale:
# "cached plan must not change result type" (0A000, told by the function that raises it, which
# is never translated), or a parameter's type that no longer fits its column (class 42).
FORGOTTEN = "26000"
STALE_PLAN = ("0A000", "RevalidateCachedQuery")
# Errors on PREPARE that say "not now" rather than "not this statement" (tried again later).
_TRANSIENT_CLASSES = ("08", "40", "53", "57")
# An error our EXECUTE raised where the statement, sent as text, might have run: the caller may
# try it again, and on this connection it runs as text until prepared afresh.
RETRY_PLAIN = "casework_retry_plain"

_NAMED = re.compile(r"%\((\w+)\)s")
_KINDS = ("select", "insert", "update", "delete", "with")
_TENANT_FIRST = f"SELECT set_config('{TENANT_SETTING}', "
_TYPES_OF = "SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = '{}'"
# What PostgreSQL may infer for a parameter, by the Python type of its value; a string or None
# is written as an untyped literal, which PostgreSQL types from its place exactly as a parameter.
# psycopg2 writes an int as a literal PostgreSQL reads as integer, bigint or numeric by its size:
# the parameter may be that type or a wider one, never narrower (a smallint parameter would
# overflow, or fail to convert, where the literal does not).
_FLOATS = {"real", "double precision"}
_INT_TYPES = (
    (2**31, {"integer", "bigint", "numeric", *_FLOATS}),
    (2**63, {"bigint", "numeric", *_FLOATS}),
)
_EXPECTED: dict[type, set[str]] = {
    bool: {"boolean"},
    float: {*_FLOATS, "numeric"},
    Decimal: {"numeric"},
    date: {"date"},
    bytes: {"bytea"},
}


_LATER = object()
_clock = time.monotonic


class _Prepared:
    """One prepared statement on one connection: its name, its parameters in order, their
    inferred types."""

    __slots__ = ("age", "execute", "name", "names", "types")

    def __init__(self, name: str, names: list[str], types: list[str]) -> None:
        self.name = name
        self.names = names
        self.types = types
        self.age = PlanAge()
        self.execute = f"EXECUTE {name} (" + ", ".join(f"%({n})s" for n in names) + ")"

    def fits(self, parameters: dict[str, Any]) -> bool:
        return all(
            _fits(parameters[name], inferred)
            for name, inferred in zip(self.names, self.types, strict=True)
        )


def enabled() -> bool:
    return env_str("CASEWORK_DB_PREPARED_STATEMENTS", "true").lower() not in {"0", "false", "no"}


def prepare_repeated(engine: Engine) -> None:
    """Prepare the statements `engine` (PostgreSQL with psycopg2) runs again on a connection."""
    if engine.dialect.driver == "psycopg2" and enabled():
        event.listen(engine, "do_execute", _do_execute)


class PlanAge:
    """When a plan made now is to be made again: once it is REPLAN_SECONDS old and has run
    REPLAN_RUNS times since."""

    __slots__ = ("runs", "until")

    def __init__(self) -> None:
        self.until = _clock() + REPLAN_SECONDS
        self.runs = 0

    def run(self) -> bool:
        """Count a run of the plan; whether it is to be made again first."""
        self.runs += 1
        return self.runs > REPLAN_RUNS and self.until < _clock()


def retry_plain(error: BaseException | None) -> bool:
    """Whether a driver error came from a prepared statement the server forgot or can no longer
    run as prepared: trying again runs it as text (db.is_transient)."""
    return bool(getattr(error, RETRY_PLAIN, False))


def _stale(error: Any) -> bool:
    code = getattr(error, "pgcode", None) or ""
    if code == FORGOTTEN or code.startswith("42"):
        return True
    source = getattr(getattr(error, "diag", None), "source_function", None)
    return (code, source) == STALE_PLAN


def _fits(value: Any, inferred: str) -> bool:
    if value is None or isinstance(value, str):
        return True
    if isinstance(value, int) and not isinstance(value, bool):
        wide_enough = next((types for limit, types in _INT_TYPES if -limit <= value < limit), None)
        return inferred in (wide_enough or {"numeric"})
    if isinstance(value, datetime):
        zoned = value.tzinfo is not None
        return inferred == ("timestamp with time zone" if zoned else "timestamp without time zone")
    if isinstance(value, list):
        return inferred.endswith("[]")
    expected = _EXPECTED.get(type(value))
    return expected is not None and inferred in expected


def _preparable(statement: str, parameters: Any) -> bool:
    if not isinstance(parameters, dict) or not parameters or ";" in statement:
        return False
    if not statement.lstrip()[:6].lower().startswith(_KINDS):
        return False
    if "%" in _NAMED.sub("", statement).replace("%%", ""):
        return False
    return all(
        value is None or isinstance(value, (str, int, list, datetime, *_EXPECTED))
        for value in parameters.values()
    )


def _do_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    if cursor.name is not None:  # a server-side cursor declares its statement itself
        return False
    try:
        info = context.root_connection.info
    except NotImplementedError:  # the engine's first connection, checking the server
        return False
    setting, body = _split_tenant(statement)
    prepared: dict[str, _Prepared | None] = info.setdefault(PREPARED, {})
    if body in prepared:
        known = prepared[body]
    else:
        if info.get(NUMBERED, 0) >= MOST_PER_CONNECTION:
            return False
        if not _preparable(body, parameters):
            prepared[body] = None  # never asked again on this connection
            return False
        seen: dict[str, int] = info.setdefault(SEEN, {})
        if len(seen) >= MOST_SEEN:
            seen.clear()
        seen[body] = seen.get(body, 0) + 1
        if seen[body] < PREPARE_AT:
            return False
        del seen[body]
        if cursor.connection.get_transaction_status() == TRANSACTION_STATUS_INERROR:
            return False  # the statement fails as it would; nothing to prepare it for
        number = info[NUMBERED] = info.get(NUMBERED, 0) + 1
        known = _prepare(cursor, body, parameters, f"casework_{number}")
        if known is _LATER:
            seen[body] = PREPARE_AT - 1
            return False
        prepared[body] = known
    if known is None or not known.fits(parameters):
        return False
    if known.age.run() and cursor.connection.get_transaction_status() != TRANSACTION_STATUS_INERROR:
        known = prepared[body] = _prepare(cursor, body, parameters, known.name, again=True)
        if known is None or known is _LATER:
            # Gone from the server: counted afresh, and prepared under a new name next time.
            del prepared[body]
            info.setdefault(SEEN, {})[body] = PREPARE_AT - 1
            return False
    try:
        cursor.execute(setting + known.execute, parameters)
    except Exception as error:
        if _stale(error):
            # Run as text from now on here, until counted and prepared afresh under a new name;
            # the caller's next attempt (a transient error) does just that.
            del prepared[body]
            setattr(error, RETRY_PLAIN, True)
        raise
    return True


def _split_tenant(statement: str) -> tuple[str, str]:
    """The tenant setting the transaction's first statement carries (tenant.py), and the
    statement itself."""
    if statement.startswith(_TENANT_FIRST):
        end = statement.index(";\n") + 2
        return statement[:end], statement[end:]
    return "", statement


def _prepare(
    cursor: Any, body: str, parameters: dict[str, Any], name: str, *, again: bool = False
) -> Any:
    """Prepare `body` on the cursor's connection as `name` (`again`: in place of the statement
    of that name, in the same message): the prepared statement, None when PostgreSQL refuses it
    or infers types the values do not fit, or _LATER when it could not say now."""
    names = list(dict.fromkeys(_NAMED.findall(body)))
    positional = _NAMED.sub(lambda match: f"${names.index(match.group(1)) + 1}", body)
    guarded = not cursor.connection.autocommit
    # One message: `%%` stands for `%` in the statement's text, and psycopg2 unescapes it only
    # when it formats parameters, which this message has none of. The savepoint is named after
    # the statement, so it can never be an older one.
    prepare = f"PREPARE {name} AS {positional.replace('%%', '%')};\n"
    if again:  # not undone by a rollback: the old plan is gone whatever follows
        prepare = f"DEALLOCATE {name};\n{prepare}"
    if guarded:
        prepare = f"SAVEPOINT {name};\n{prepare}RELEASE SAVEPOINT {name};\n"
    try:
        cursor.execute(prepare + _TYPES_OF.format(name))
        types = list(cursor.fetchone()[0])
    except Exception as refused:
        if guarded:
            try:  # back to before the PREPARE, and the savepoint gone
                cursor.execute(f"ROLLBACK TO SAVEPOINT {name};\nRELEASE SAVEPOINT {name}")
            except Exception:
                raise refused from None  # it failed after the RELEASE: the transaction with it
        code = getattr(refused, "pgcode", None) or ""
        return _LATER if code.startswith(_TRANSIENT_CLASSES) else None
    found = _Prepared(name, names, types)
    # A placeholder in a literal or a comment is no parameter to PostgreSQL.
    if len(types) != len(names) or not found.fits(parameters):
        cursor.execute(f"DEALLOCATE {name}")
        return None
    return found
