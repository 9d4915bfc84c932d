"""The inbox: a consumer records `(event_id, consumer)` in the same transaction as the event's
effects, so a redelivered event changes nothing. One event's claim, or a batch's in one
statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, text
from sqlalchemy.orm import Session

from services.chassis.db import UTCDateTime, insert_on_conflict, utcnow
from services.chassis.events import IncomingEvent

# Built once, in SQL both PostgreSQL and SQLite accept: SQLAlchemy cannot cache a
# dialect-specific `insert().on_conflict_do_nothing()`, and every consumed event runs this.
CLAIM = text(
    "INSERT INTO inbox (event_id, consumer, event_type, processed_at) "
    "VALUES (:event_id, :consumer, :event_type, :processed_at) ON CONFLICT DO NOTHING"
).bindparams(bindparam("processed_at", type_=UTCDateTime()))


def claim_one(session: Session, cause: IncomingEvent[Any], consumer: str) -> bool:
    """Record `(event_id, consumer)`; False when this consumer already handled the event."""
    result = session.execute(
        CLAIM,
        {
            "event_id": cause.event_id,
            "consumer": consumer,
            "event_type": cause.event_type,
            "processed_at": utcnow(),
        },
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


_CLAIM_ALL: dict[tuple[str, Table], Any] = {}


def claim_all(
    session: Session, inbox: Table, events: Sequence[IncomingEvent[Any]], consumer: str
) -> set[str]:
    """Claim the inbox for every event in one statement; the ids of those not handled
    before by this consumer (the others are redeliveries)."""
    dialect = session.get_bind().dialect.name
    statement = _CLAIM_ALL.get((dialect, inbox))
    if statement is None:  # built once per database kind, then reused
        statement = (
            insert_on_conflict(dialect, inbox).on_conflict_do_nothing().returning(inbox.c.event_id)
        )
        _CLAIM_ALL[(dialect, inbox)] = statement
    now = utcnow()
    result = session.execute(
        statement,
        [
            {
                "event_id": event.event_id,
                "consumer": consumer,
                "event_type": event.event_type,
                "processed_at": now,
            }
            for event in events
        ],
    )
    return set(result.scalars())


def claim_cause(uow: Any, cause: IncomingEvent[Any] | None, consumer: str) -> None:
    """Claim the inbox for an event cause; `uow.already_handled` says if it had been."""
    if cause is not None:
        uow.already_handled = not uow.claim(cause, consumer)
