"""Notify's reminders in SQL: the repository a unit of work opens for one office's reminders,
and the platform-wide questions the sweep asks (which offices have reminders due, and when the
next one falls due). Statements are built once at import, the upsert once per dialect."""

from __future__ import annotations

import functools
import json
from typing import Any

from sqlalchemy import RowMapping, bindparam, func, select, text, update

from services.chassis.db import insert_on_conflict, office_rows
from services.chassis.uow import UnitOfWork
from services.notify.adapters.base import Repository, due_in_office, offices_with_due
from services.notify.domain.reminders import (
    Reminder,
    ReminderKind,
    ReminderState,
    case_of_key,
)
from services.notify.models import PENDING, reminders
from services.notify.ports import ReminderChangedElsewhere

REMINDER_BY_KEY = office_rows(reminders, "cancel_key")
# "Pending" is written as the partial indexes' own predicate, a literal: a plan that PostgreSQL
# keeps for a prepared statement (one plan for any value of a parameter) cannot use an index
# whose predicate names a value it only learns at execution, and read every reminder instead.
PENDING_OF_CASE = office_rows(reminders, "case_id").where(PENDING)
REMINDERS_OF_CASE = office_rows(reminders, "case_id").order_by(
    reminders.c.due_at, reminders.c.reminder_id
)
# The office's due reminders, oldest first, through its partial index. On PostgreSQL another
# claimer (a second notify) skips the rows this one holds instead of waiting for them; the
# row's state is checked again under the lock, so a reminder fired meanwhile is not taken.
DUE = due_in_office(reminders, reminders.c.due_at, PENDING)
DUE_LOCKED = DUE.with_for_update(skip_locked=True)
# Which offices have something due (platform work: three columns, no tenant).
OFFICES_WITH_DUE = offices_with_due(reminders, reminders.c.due_at, PENDING)
# Compare-and-set on (state, occurrence): two claimers can never fire one occurrence twice,
# on SQLite (no SKIP LOCKED) as on PostgreSQL.
UPDATE_REMINDER = update(reminders).where(
    reminders.c.office_id == bindparam("was_office_id"),
    reminders.c.reminder_id == bindparam("was_reminder_id"),
    reminders.c.state == bindparam("was_state"),
    reminders.c.occurrence == bindparam("was_occurrence"),
)
REMINDER_MUTABLE = ("summary", "state", "due_at", "created_at", "occurrence", "fired_at")
# PostgreSQL: a whole claim's firings in one statement (its rows are locked by this unit of
# work; the compare-and-set still holds: the count of rows changed must be the claim's). The
# ids as an array, and the state compared with the row's as loaded rather than with
# 'pending', make the planner find the rows by primary key: otherwise it reads every pending
# reminder of the office through the partial index (thousands) to update twenty.
FIRED_TOGETHER = text(
    """
    UPDATE reminders AS r
       SET state = v.state, due_at = v.due_at, occurrence = v.occurrence, fired_at = v.fired_at
      FROM json_to_recordset(CAST(:rows AS json)) AS v(
           reminder_id text, state text, due_at timestamptz, occurrence int,
           fired_at timestamptz, was_state text, was_occurrence int)
     WHERE r.office_id = :office_id AND r.reminder_id = ANY(CAST(:ids AS text[]))
       AND r.reminder_id = v.reminder_id AND r.state = v.was_state
       AND r.occurrence = v.was_occurrence
    """
)
_REMINDER_COLUMNS = tuple(c.name for c in reminders.columns if c.name != "office_id")


class ReminderRepository(Repository):
    """An event's handlers ask for several of a case's keys, some more than once (an opening
    schedules its first-contact, unassigned and quiet-case reminders, each asking first
    whether its key is taken and whether the case is finished; activity asks about the quiet
    case again). The first question about a case's key reads all of that case's reminders in
    one statement (a case has a handful), and the unit of work answers every later question
    about its keys, and any other key it read, added or saved, from memory. Another
    transaction adding a key meanwhile still meets the unique index (`add_if_new` then
    keeps nothing and reads the row that holds the key); one changing a row meets the
    compare-and-set of `save`."""

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self._loaded: dict[str, tuple[str, int]] = {}
        self._by_key: dict[str, Reminder | None] = {}
        self._cases_read: set[str] = set()
        self._staged: list[Reminder] = []

    def by_key(self, cancel_key: str) -> Reminder | None:
        if cancel_key in self._by_key:
            return self._by_key[cancel_key]
        case_id = case_of_key(cancel_key)
        if case_id is not None:
            if case_id not in self._cases_read:
                self.for_case(case_id)
            return self._by_key.setdefault(cancel_key, None)
        self.flush()
        row = self._one(REMINDER_BY_KEY, cancel_key=cancel_key)
        found = self._load(row) if row else None
        self._by_key[cancel_key] = found
        return found

    def pending_for_case(self, case_id: str) -> list[Reminder]:
        self.flush()
        return [self._load(row) for row in self._rows(PENDING_OF_CASE, case_id=case_id)]

    def for_case(self, case_id: str) -> list[Reminder]:
        self.flush()
        self._cases_read.add(case_id)
        return [self._load(row) for row in self._rows(REMINDERS_OF_CASE, case_id=case_id)]

    def claim_due(self, now: Any, limit: int) -> list[Reminder]:
        self.flush()
        statement = DUE_LOCKED if self._uow.dialect == "postgresql" else DUE
        return [self._load(row) for row in self._rows(statement, now=now, limit=limit)]

    def add_if_new(self, reminder: Reminder) -> bool:
        self.add_later(reminder)
        self.flush()
        # Kept, or the row that holds its key, read afresh, answers for the key now.
        return self._by_key[reminder.cancel_key] is reminder

    def add_later(self, reminder: Reminder) -> None:
        """`add_if_new` where nobody waits for the answer: an opening's three reminders go in
        one statement, when the unit of work next asks the database about reminders or
        finishes. Until then `by_key` answers with it."""
        self._staged.append(reminder)
        self._by_key[reminder.cancel_key] = reminder

    def flush(self) -> None:
        """Write the staged reminders, in one statement; a key another transaction took
        meanwhile keeps theirs, read afresh."""
        if not self._staged:
            return
        staged, self._staged = self._staged, []
        rows = [
            _plain({"office_id": self._office_id, **{n: getattr(r, n) for n in _REMINDER_COLUMNS}})
            for r in staged
        ]
        inserted = set(
            self._session.execute(_insert_new_reminders(self._uow.dialect), rows).scalars()
        )
        for reminder in staged:
            if reminder.reminder_id in inserted:
                self._remember(reminder)
                continue
            # Another transaction committed the key after this one looked (an opening and an
            # assignment of the same case, heard at once): the row that holds it, read afresh.
            held = self._one(REMINDER_BY_KEY, cancel_key=reminder.cancel_key)
            self._by_key[reminder.cancel_key] = self._load(held) if held else None

    def save(self, reminder: Reminder) -> None:
        self.flush()
        if reminder.reminder_id not in self._loaded:  # staged, and its key was taken meanwhile
            raise ReminderChangedElsewhere(f"reminder {reminder.cancel_key} was added elsewhere")
        was_state, was_occurrence = self._loaded[reminder.reminder_id]
        params = _plain({name: getattr(reminder, name) for name in REMINDER_MUTABLE})
        params.update(
            was_office_id=self._office_id,
            was_reminder_id=reminder.reminder_id,
            was_state=was_state,
            was_occurrence=was_occurrence,
        )
        if self._session.execute(UPDATE_REMINDER, params).rowcount != 1:  # type: ignore[attr-defined]
            raise ReminderChangedElsewhere(f"reminder {reminder.reminder_id} moved elsewhere")
        self._remember(reminder)

    def save_fired(self, fired: list[Reminder]) -> None:
        """Save the reminders a claim just fired (each was pending when claimed)."""
        self.flush()
        if self._uow.dialect != "postgresql":
            for reminder in fired:
                self.save(reminder)
            return
        rows = [
            {
                "reminder_id": reminder.reminder_id,
                "state": reminder.state.value,
                "due_at": reminder.due_at.isoformat(),
                "occurrence": reminder.occurrence,
                "fired_at": reminder.fired_at.isoformat() if reminder.fired_at else None,
                "was_state": self._loaded[reminder.reminder_id][0],
                "was_occurrence": self._loaded[reminder.reminder_id][1],
            }
            for reminder in fired
        ]
        changed = self._session.execute(
            FIRED_TOGETHER,
            {
                "office_id": self._office_id,
                "ids": [reminder.reminder_id for reminder in fired],
                "rows": json.dumps(rows),
            },
        ).rowcount  # type: ignore[attr-defined]
        if changed != len(fired):
            raise ReminderChangedElsewhere(f"{len(fired) - changed} reminders moved elsewhere")
        for reminder in fired:
            self._remember(reminder)

    def _load(self, row: RowMapping) -> Reminder:
        values = {name: row[name] for name in _REMINDER_COLUMNS}
        values["kind"] = ReminderKind(values["kind"])
        values["state"] = ReminderState(values["state"])
        return self._remember(Reminder(**values))

    def _remember(self, reminder: Reminder) -> Reminder:
        self._loaded[reminder.reminder_id] = (reminder.state.value, reminder.occurrence)
        self._by_key[reminder.cancel_key] = reminder
        return self._uow.track(reminder)


@functools.cache
def _insert_new_reminders(dialect: str) -> Any:
    """Insert reminders, doing nothing for a cancel key that is taken; answers with the ids
    it inserted."""
    return (
        insert_on_conflict(dialect, reminders)
        .on_conflict_do_nothing(index_elements=["office_id", "cancel_key"])
        .returning(reminders.c.reminder_id)
    )


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Enum members as their values, for the driver."""
    return {key: getattr(value, "value", value) for key, value in values.items()}


def offices_with_due_reminders(db: Any, now: Any, limit: int) -> list[str]:
    """The offices with reminders due at `now`, most overdue first (platform work: office,
    state and due time only; each office's reminders are claimed in its own unit of work)."""
    with db.platform_work() as session:
        return [
            row.office_id for row in session.execute(OFFICES_WITH_DUE, {"now": now, "limit": limit})
        ]


# When the next pending reminder falls due (platform work: the partial index's first entry).
NEXT_DUE = select(func.min(reminders.c.due_at)).where(PENDING)


def next_due_reminder(db: Any) -> Any:
    """When the earliest pending reminder of any office falls due (None: nothing pending);
    the sweep waits for it rather than for its next tick."""
    with db.platform_work() as session:
        return session.execute(NEXT_DUE).scalar()
