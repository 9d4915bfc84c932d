"""What a unit of work writes to the outbox: one row per event its aggregates recorded (the
payload checked against its contract, the trace context and moment taken once per unit of
work), inserted in one statement with the business change. The relay that publishes them is
outbox.py's."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from opentelemetry import propagate
from sqlalchemy import Table, TextClause, text
from sqlalchemy.orm import Session

from services.chassis.db import utcnow
from services.chassis.domain import RecordedEvent

# The columns `Outbox.row` fills, with their PostgreSQL types (`id` is the table's sequence).
_ROW_COLUMNS = (
    ("event_id", "text"),
    ("event_type", "text"),
    ("schema_version", "int"),
    ("office_id", "text"),
    ("occurred_at", "timestamptz"),
    ("correlation_id", "text"),
    ("causation_id", "text"),
    ("traceparent", "text"),
    ("payload", "text"),
    ("attempts", "int"),
    ("sent_at", "timestamptz"),
    ("last_error", "text"),
)


@functools.cache
def _insert_from_json(table: str) -> TextClause:
    """PostgreSQL: the outbox rows of a JSON array in one INSERT, in the array's order (ids
    follow it, so the relay publishes a unit of work's events in the order recorded)."""
    names = ", ".join(name for name, _ in _ROW_COLUMNS)
    typed = ", ".join(f"{name} {kind}" for name, kind in _ROW_COLUMNS)
    return text(  # the table's and columns' names are the metadata's own, never input
        f"INSERT INTO {table} ({names}) SELECT {names} "  # noqa: S608
        f"FROM json_to_recordset(CAST(:rows AS json)) AS r({typed})"
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to an outbox row")
        return value.isoformat()
    raise TypeError(f"an outbox row holds no {type(value).__name__}")


class Outbox:
    """Where units of work write the events they cause (the chassis `outbox` table)."""

    def __init__(self, session: Session, table: Table) -> None:
        self._session = session
        self._table = table

    def row(
        self,
        event: RecordedEvent,
        *,
        office_id: str,
        correlation_id: str,
        causation_id: str | None,
    ) -> dict[str, Any]:
        """The outbox row of one recorded event (its payload checked against its contract)."""
        return self.rows(
            [event],
            office_id=office_id,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )[0]

    def rows(
        self,
        events: Sequence[RecordedEvent],
        *,
        office_id: str,
        correlation_id: str,
        causation_id: str | None,
    ) -> list[dict[str, Any]]:
        """The outbox rows of one unit of work's events: they share its moment and its trace
        context (taken once: a sweep's unit of work records hundreds)."""
        if not events:
            return []
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        traceparent, occurred_at = carrier.get("traceparent"), utcnow()
        return [
            {
                "event_id": str(uuid.uuid4()),
                "event_type": event.contract.event_type,
                "schema_version": event.contract.version,
                "office_id": office_id,
                "occurred_at": occurred_at,
                "correlation_id": correlation_id,
                "causation_id": causation_id,
                "traceparent": traceparent,
                "payload": json.dumps(event.contract.dump(event.payload), separators=(",", ":")),
                "attempts": 0,
                "sent_at": None,
                "last_error": None,
            }
            for event in events
        ]

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Insert the rows in one statement (a batch's rows, many offices' among them)."""
        if not rows:
            return
        if self._session.get_bind().dialect.name == "postgresql":
            # One prebuilt statement and one JSON parameter, however many rows: SQLAlchemy's
            # multi-row INSERT processes each row's every value in Python first, which is most
            # of what writing a sweep's thousands of events costs.
            self._session.execute(
                _insert_from_json(self._table.name),
                {"rows": json.dumps(rows, separators=(",", ":"), default=_json_value)},
            )
            return
        # A bare Table.insert() with parameter dicts compiles once (.values(...) would build
        # and key a new statement each time); many rows go as one multi-row INSERT.
        self._session.execute(self._table.insert(), rows)
