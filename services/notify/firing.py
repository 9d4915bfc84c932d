"""The reminder sweep (docs/reminders.md): fire every reminder due, with its bells.

The platform path says which offices have reminders due; their reminders are then claimed
office after office, many offices to a transaction (`db.office_after_office`: each office's
claim, firings, bells and outbox rows run under that office's tenant, so the wall holds).
On PostgreSQL a claim is `FOR UPDATE SKIP LOCKED`, so any number of notify instances share
the work; everywhere the save is a compare-and-set on the row. Each fired reminder's
`notify.reminder_due` goes to the outbox in the transaction that marks it fired, so it fires
exactly once per occurrence.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import eventlet

from services.chassis.db import is_transient
from services.contracts import ReminderDue
from services.notify import notifications
from services.notify.domain.reminders import lateness_seconds
from services.notify.observability import (
    REMINDER_LATENESS,
    REMINDER_SWEEP_SECONDS,
    REMINDERS_FIRED,
)
from services.notify.ports import NotifyWork, ReminderChangedElsewhere

log = logging.getLogger(__name__)

# Reminders one office's claim takes at most; offices one look-up returns at most; offices
# whose claims share a transaction (a few hundred reminders at the usual twenty an office:
# commits stay rare, and what a transaction fired becomes visible a moment after its claim);
# transactions in flight at once (each on a connection of its own: cooperative under
# eventlet, as notify and the sweeper command run).
CLAIM_BATCH = 200
OFFICE_BATCH = 500
OFFICES_TOGETHER = 25
LANES = 2

FindOffices = Callable[[datetime, int], list[str]]
NextDue = Callable[[], datetime | None]


def fire_due_reminders(db: Any, find_offices: FindOffices, now: Callable[[], datetime]) -> int:
    """Fire every reminder due now; how many fired. Another notify doing the same at the same
    time takes other rows (PostgreSQL) or loses the compare-and-set on a row it also read
    (SQLite), so each occurrence fires once."""
    started = time.perf_counter()
    fired = 0
    while True:
        offices = find_offices(now(), OFFICE_BATCH)
        fired_now = _fire_offices(db, offices, now)
        fired += fired_now
        if len(offices) < OFFICE_BATCH or fired_now == 0:
            break
    REMINDER_SWEEP_SECONDS.observe(time.perf_counter() - started)
    return fired


def fire_within(
    db: Any,
    find_offices: FindOffices,
    next_due: NextDue,
    now: Callable[[], datetime],
    seconds: float,
) -> int:
    """A timer tick's sweep: fire what is due, then, until the next tick (`seconds` away),
    wake at each moment a reminder falls due and fire it then, instead of leaving it for up
    to a tick; how many fired. A reminder due and still there after a sweep that fired
    nothing is another sweeper's (held under its lock): the next tick looks again."""
    ends = time.monotonic() + seconds
    fired = fired_now = fire_due_reminders(db, find_offices, now)
    while True:
        due = next_due()
        if due is None:
            return fired
        wait = (due - now()).total_seconds()
        if wait > ends - time.monotonic() or (wait <= 0 and fired_now == 0):
            return fired
        if wait > 0:
            time.sleep(wait)  # cooperative under eventlet, as notify and the sweeper run
        fired_now = fire_due_reminders(db, find_offices, now)
        fired += fired_now


def fire_office(uow: NotifyWork, now: datetime) -> list[ReminderDue]:
    """One claim of the office's due reminders: fire each, save them, ring the bells."""
    claimed = uow.reminders.claim_due(now, CLAIM_BATCH)
    if not claimed:
        return []
    announced = [reminder.fire(now) for reminder in claimed]
    uow.reminders.save_fired(claimed)
    notifications.notify_staff(uow, announced, now)
    return announced


def _fire_offices(db: Any, offices: list[str], now: Callable[[], datetime]) -> int:
    """The offices' due reminders, OFFICES_TOGETHER offices a transaction and LANES such
    transactions at once: while one waits for the database, another builds its events."""
    groups = [
        offices[start : start + OFFICES_TOGETHER]
        for start in range(0, len(offices), OFFICES_TOGETHER)
    ]
    if len(groups) <= 1:
        return sum(_fire_group(db, group, now) for group in groups)
    lanes = eventlet.GreenPool(LANES)
    return sum(lanes.imap(lambda group: _fire_group(db, group, now), groups))


def _fire_group(db: Any, offices: list[str], now: Callable[[], datetime]) -> int:
    """One transaction of these offices' claims; again for those whose claim was full."""
    fired = 0
    waiting = list(offices)
    while waiting:
        try:
            # Each office's claim is made (and its firings dated) when its turn comes.
            announced = db.office_after_office(waiting, lambda uow: fire_office(uow, now()))
        except ReminderChangedElsewhere:
            # Another claimer fired one of these first (SQLite has no SKIP LOCKED): nothing
            # of this transaction was kept; claim again and see what is left.
            continue
        except Exception as exc:
            if not is_transient(exc):
                raise
            # The database is busy or away (SQLite's one writer is another sweeper): nothing
            # of this transaction was kept; the next sweep tries these offices again.
            log.warning("reminders of %d offices left for the next sweep: %s", len(waiting), exc)
            return fired
        _count(announced)
        fired += sum(len(office_fired) for office_fired in announced)
        waiting = [
            office_id
            for office_id, office_fired in zip(waiting, announced, strict=True)
            if len(office_fired) == CLAIM_BATCH
        ]
    return fired


def _count(announced: list[list[ReminderDue]]) -> None:
    kinds: Counter[str] = Counter()
    for office_fired in announced:
        for reminder in office_fired:
            kinds[reminder.kind] += 1
            REMINDER_LATENESS.observe(lateness_seconds(reminder))
    for kind, count in kinds.items():
        REMINDERS_FIRED.labels(kind).inc(count)
