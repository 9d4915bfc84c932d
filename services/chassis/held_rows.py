"""Rows a batch writes once every event's handler has run, each table's in one statement.

A batch of events runs every handler on its own unit of work in one transaction
(`DatabaseAccess.consume_together`). A handler that appends a row nothing in the batch reads
back (a counted event's fact, a case's timeline note) need not send it on its own: held on the
transaction's session, the rows of all the batch's events go with the others of their table
and office in one multi-row INSERT, just before the outbox rows, under the same tenant. A
unit of work outside a batch writes them at once, as before.

A repository that reads such a table in a batch first writes its office's held rows of it
(`write_held`), so a handler never misses what an earlier event of the batch appended.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.orm import Session

HELD = "casework_held_rows"

Held = dict[Insert, list[dict[str, Any]]]


def insert_later(session: Session, statement: Insert, rows: Sequence[dict[str, Any]]) -> None:
    """`statement` (a prebuilt `Table.insert()`) with `rows`, each carrying its `office_id`:
    at the batch's end when the session is a batch's, now otherwise."""
    if not rows:
        return
    if session.info.get("batched"):
        session.info.setdefault(HELD, {}).setdefault(statement, []).extend(rows)
    else:
        session.execute(statement, list(rows))


def write_held(session: Session, statement: Insert, office_id: str) -> None:
    """The office's rows held for `statement`, written now (the tenant is that office's)."""
    held: Held = session.info.get(HELD, {})
    rows = held.get(statement)
    if not rows:
        return
    mine = [row for row in rows if row["office_id"] == office_id]
    if mine:
        held[statement] = [row for row in rows if row["office_id"] != office_id]
        session.execute(statement, mine)


def take_held(session: Session) -> dict[str, Held]:
    """Every held row, taken off the session: by office, then by statement, in the order the
    handlers held them."""
    held: Held = session.info.pop(HELD, {})
    by_office: dict[str, Held] = {}
    for statement, rows in held.items():
        for row in rows:
            by_office.setdefault(row["office_id"], {}).setdefault(statement, []).append(row)
    return by_office
