"""The tenant context: which office a transaction works for. On PostgreSQL it is the
transaction-local setting row-level security reads, set once when a transaction begins and
again when a batch moves on to another office's events; never per connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

TENANT_SETTING = "casework.office_id"
SET_TENANT_SQL = f"SELECT set_config('{TENANT_SETTING}', %s, true)"


def set_tenant_on_begin(sessions: sessionmaker[Session]) -> None:
    """Make every transaction of these sessions set its office first (PostgreSQL only)."""
    # Marked on the sessionmaker itself: SQLAlchemy's `event.contains` keys its registry by
    # object id, so a new sessionmaker reusing a collected one's id looks hooked and is not.
    if getattr(sessions, "_casework_sets_tenant", False):
        return
    event.listen(sessions, "after_begin", _set_tenant)
    sessions._casework_sets_tenant = True  # type: ignore[attr-defined]


def _set_tenant(session: Session, transaction: Any, connection: Any) -> None:
    office_id = session.info.get("office_id")
    if office_id and connection.dialect.name == "postgresql":
        _tenant_on_driver(connection, office_id)


def switch_tenant(session: Session, office_id: str) -> None:
    """Make the rest of this session's transaction work for `office_id` (a batch moving from
    one office's events to the next); nothing to do if it already does."""
    if session.info.get("office_id") == office_id:
        return
    session.info["office_id"] = office_id
    if session.in_transaction():
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            _tenant_on_driver(connection, office_id)


def _tenant_on_driver(connection: Any, office_id: str) -> None:
    # Straight to the driver: every transaction runs this, and SQLAlchemy's statement
    # execution (compile-cache lookup, result set-up) would cost more than the round trip.
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(SET_TENANT_SQL, (office_id,))
    finally:
        cursor.close()
