"""Statements PostgreSQL plans once per connection: a service's repeated statements, prepared.

psycopg2 sends every statement as text, and PostgreSQL parses, checks against row-level
security and plans it each time: for a one-row read that is more than half of the server's
work (225 µs of backend CPU plain, 95 µs prepared, on the reference machine). So on each
connection a statement that comes a fifth time is prepared (`PREPARE casework_N AS ...`, its
parameters as `$1..$n`) and from then on sent as `EXECUTE casework_N (...)` with the same
values psycopg2 would have written into it. This happens below SQLAlchemy's
`before_cursor_execute` (in the dialect's `do_execute`), so logs, traces and the tests that
count statements still see the statement itself.

A statement is prepared only when doing so cannot change what it means:
- one statement (SELECT, INSERT, UPDATE, DELETE or WITH), its values all named parameters;
- values psycopg2 writes as plain literals (no tuples, no adapters);
- the types PostgreSQL infers for the parameters agree with the values: a value that is not
  a string never goes where PostgreSQL would have read text (a bare `SELECT %(n)s` would
  return '1' prepared and 1 plain), and each later execution is checked the same way, else
  sent plain.
PREPARE runs under a savepoint, so one PostgreSQL refuses costs the transaction nothing; it is
not transactional, so a prepared statement outlives a rollback. A server that forgot the name
(DISCARD ALL) or a migration that changed a column a plan returns ("cached plan must not change
result type") fails that statement once, as a transient error the caller retries; the
connection then prepares afresh.

`CASEWORK_DB_PREPARED_STATEMENTS=false` turns it off: behind a connection pooler in transaction
mode (PgBouncer), a session's prepared statements are not the next transaction's.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, event

from services.chassis.config import env_str
from services.chassis.tenant import TENANT_SETTING

# On the connection's record (cleared with the connection): what it prepared and counted.
PREPARED = "casework_prepared"
SEEN = "casework_seen_once"
NUMBERED = "casework_prepared_last"
# A statement is prepared on its fifth execution on a connection (as psycopg 3 does: a statement
# run a few times only is not worth the round trip), and a connection prepares at most this many
# (a service has a few dozen hot statements; the rest stay plain).
PREPARE_AT = 5
MOST_PER_CONNECTION = 200
MOST_SEEN = 2000
# The SQLSTATEs of a prepared statement the server no longer has or can no longer run.
STALE = {"26000": "", "0A000": "cached plan must not change result type"}

_NAMED = re.compile(r"%\((\w+)\)s")
_KINDS = ("select", "insert", "update", "delete", "with")
_TENANT_FIRST = f"SELECT set_config('{TENANT_SETTING}', "
_TYPES_OF = "SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = '{}'"
# What PostgreSQL may infer for a parameter, by the Python type of its value; a string or None
# is written as an untyped literal, which PostgreSQL types from its place exactly as a parameter.
_NUMBERS = {"smallint", "integer", "bigint", "numeric", "real", "double precision"}
_EXPECTED: dict[type, set[str]] = {
    bool: {"boolean"},
    int: _NUMBERS,
    float: {"real", "double precision", "numeric"},
    Decimal: {"numeric"},
    date: {"date"},
    bytes: {"bytea"},
}


class _Prepared:
    """One prepared statement on one connection: its name, its parameters in order, their
    inferred types."""

    __slots__ = ("execute", "names", "types")

    def __init__(self, name: str, names: list[str], types: list[str]) -> None:
        self.names = names
        self.types = types
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


def is_stale(code: str | None, message: str) -> bool:
    """Whether a database error means a prepared statement must be prepared again."""
    return code in STALE and STALE[code] in message


def _fits(value: Any, inferred: str) -> bool:
    if value is None or isinstance(value, str):
        return True
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
        value is None or isinstance(value, (str, list, datetime, *_EXPECTED))
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
        number = info[NUMBERED] = info.get(NUMBERED, 0) + 1
        known = prepared[body] = _prepare(cursor, body, parameters, f"casework_{number}")
    if known is None or not known.fits(parameters):
        return False
    try:
        cursor.execute(setting + known.execute, parameters)
    except Exception as error:
        if is_stale(getattr(error, "pgcode", None), str(error)):
            # Each statement is prepared afresh, under a new name, on its next use here.
            info[PREPARED] = {}
        raise
    return True


def _split_tenant(statement: str) -> tuple[str, str]:
    """The tenant setting the transaction's first statement carries (tenant.py), and the
    statement itself."""
    if statement.startswith(_TENANT_FIRST):
        end = statement.index(";\n") + 2
        return statement[:end], statement[end:]
    return "", statement


def _prepare(cursor: Any, body: str, parameters: dict[str, Any], name: str) -> _Prepared | None:
    """Prepare `body` on the cursor's connection as `name`, or None when PostgreSQL refuses it
    or infers types the values do not fit."""
    names = list(dict.fromkeys(_NAMED.findall(body)))
    positional = _NAMED.sub(lambda match: f"${names.index(match.group(1)) + 1}", body)
    guarded = not cursor.connection.autocommit
    # One message: `%%` stands for `%` in the statement's text, and psycopg2 unescapes it only
    # when it formats parameters, which this message has none of.
    prepare = f"PREPARE {name} AS {positional.replace('%%', '%')};\n"
    if guarded:
        prepare = f"SAVEPOINT casework_prepare;\n{prepare}RELEASE SAVEPOINT casework_prepare;\n"
    try:
        cursor.execute(prepare + _TYPES_OF.format(name))
        types = list(cursor.fetchone()[0])
    except Exception:
        if guarded:  # the statements after the refused PREPARE did not run
            cursor.execute("ROLLBACK TO SAVEPOINT casework_prepare")
        return None
    found = _Prepared(name, names, types)
    if not found.fits(parameters):
        cursor.execute(f"DEALLOCATE {name}")
        return None
    return found
