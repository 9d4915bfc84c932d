"""The tenant context: which office a transaction works for. On PostgreSQL it is the
transaction-local setting row-level security reads, set once when a transaction begins and
again when a batch moves on to another office's events; never per connection.

The setting travels with the transaction's first statement (after a switch, the next one):
`SELECT set_config(...)` is put in front of it in the same message, so it costs no round trip
of its own. PostgreSQL runs the two in order, so row-level security sees the office by the
time the statement runs. A transaction that ends before any statement forgets it: the next
transaction on the connection never inherits an office."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

TENANT_SETTING = "casework.office_id"
SET_TENANT_SQL = f"SELECT set_config('{TENANT_SETTING}', %s, true)"
# On the connection's record: the office its next statement sets first.
PENDING = "casework_pending_tenant"


def set_tenant_on_begin(sessions: sessionmaker[Session]) -> None:
    """Make every transaction of these sessions set its office first (PostgreSQL only)."""
    # Marked on the sessionmaker itself: SQLAlchemy's `event.contains` keys its registry by
    # object id, so a new sessionmaker reusing a collected one's id looks hooked and is not.
    if getattr(sessions, "_casework_sets_tenant", False):
        return
    event.listen(sessions, "after_begin", _set_tenant)
    sessions._casework_sets_tenant = True  # type: ignore[attr-defined]
    engine: Engine = sessions.kw["bind"]
    if engine.dialect.name == "postgresql" and not getattr(engine, "_casework_tenant", False):
        # The pending tenant goes in front of the engine's next statement, and is dropped
        # when its transaction ends without one.
        event.listen(engine, "before_cursor_execute", _with_tenant, retval=True)
        for ended in ("commit", "rollback"):
            event.listen(engine, ended, _forget_tenant)
        engine._casework_tenant = True  # type: ignore[attr-defined]


def _with_tenant(
    connection: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
) -> tuple[str, Any]:
    office_id = connection.info.pop(PENDING, None)
    if office_id is None:
        return statement, parameters
    setting = cursor.mogrify(SET_TENANT_SQL, (office_id,)).decode()
    if parameters:
        # The driver formats the whole text with the statement's parameters.
        setting = setting.replace("%", "%%")
    return f"{setting};\n{statement}", parameters


def _forget_tenant(connection: Any) -> None:
    # An invalidated connection (its server went away) has no record to ask, and the record's
    # `info` is cleared with it; asking would raise in the middle of the rollback.
    if not connection.invalidated:
        connection.info.pop(PENDING, None)


def _set_tenant(session: Session, transaction: Any, connection: Any) -> None:
    office_id = session.info.get("office_id")
    if office_id and connection.dialect.name == "postgresql":
        connection.info[PENDING] = office_id


def switch_tenant(session: Session, office_id: str) -> None:
    """Make the rest of this session's transaction work for `office_id` (a batch moving from
    one office's events to the next); nothing to do if it already does."""
    if session.info.get("office_id") == office_id:
        return
    session.info["office_id"] = office_id
    if session.in_transaction():
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            connection.info[PENDING] = office_id
