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


def ahead_on(db: Any, milliseconds: int) -> float:
    """How far ahead to prepare a moment's reminders on this database (seconds): on SQLite,
    none, since a transaction held open until the moment would keep its one writer from
    everyone else."""
    return milliseconds / 1000 if getattr(db, "dialect", None) == "postgresql" else 0.0


FindOffices = Callable[[datetime, int], list[str]]
NextDue = Callable[[], datetime | None]


def fire_due_reminders(
    db: Any,
    find_offices: FindOffices,
    now: Callable[[], datetime],
    at: datetime | None = None,
) -> int:
    """Fire every reminder due now, or due by `at` (a moment ahead: what falls due then is
    claimed and written now, and committed when `at` comes); how many fired. Another notify
    doing the same at the same time takes other rows (PostgreSQL) or loses the compare-and-set
    on a row it also read (SQLite), so each occurrence fires once."""
    started = time.perf_counter()
    fired = 0
    while True:
        offices = find_offices(at or now(), OFFICE_BATCH)
        fired_now = _fire_offices(db, offices, now, at)
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
    ahead: float = 0.0,
) -> int:
    """A timer tick's sweep: fire what is due, then, until the next tick (`seconds` away),
    fire each moment's reminders when it comes instead of leaving them for up to a tick; how
    many fired. With `ahead` (seconds; PostgreSQL) a moment's reminders are claimed and
    written that long before it and committed at it, so ten thousand falling due at once
    fire on time rather than over the seconds their writing takes. A reminder due and still
    there after a sweep that fired nothing is another sweeper's (held under its lock): the
    next tick looks again."""
    ends = time.monotonic() + seconds
    fired = fire_due_reminders(db, find_offices, now)
    tried = None if fired else now()  # a moment whose sweep fired nothing
    while True:
        due = next_due()
        if due is None:
            return fired
        wait = (due - now()).total_seconds()
        held = tried is not None and due <= tried
        if held and wait <= 0:
            return fired
        # What another sweeper holds for a moment ahead is fired by it then: look after it.
        start_in = wait if held else wait - ahead
        if start_in > ends - time.monotonic():
            return fired
        if start_in > 0:
            time.sleep(start_in)  # cooperative under eventlet, as notify and the sweeper run
        moment = max(due, now())
        fired_now = fire_due_reminders(db, find_offices, now, at=moment)
        fired += fired_now
        tried = None if fired_now else moment


def fire_office(uow: NotifyWork, now: datetime) -> list[ReminderDue]:
    """One claim of the office's due reminders: fire each, save them, ring the bells."""
    claimed = uow.reminders.claim_due(now, CLAIM_BATCH)
    if not claimed:
        return []
    announced = [reminder.fire(now) for reminder in claimed]
    uow.reminders.save_fired(claimed)
    notifications.notify_staff(uow, announced, now)
    return announced


def _fire_offices(
    db: Any, offices: list[str], now: Callable[[], datetime], at: datetime | None
) -> int:
    """The offices' due reminders, OFFICES_TOGETHER offices a transaction and LANES such
    transactions at once: while one waits for the database, another builds its events. For
    a moment still ahead, the offices are shared among the lanes instead, so that every
    transaction is written before the moment and commits at it."""
    together = OFFICES_TOGETHER
    if at is not None and at > now():
        together = max(together, -(-len(offices) // LANES))
    groups = [offices[start : start + together] for start in range(0, len(offices), together)]
    if len(groups) <= 1:
        return sum(_fire_group(db, group, now, at) for group in groups)
    lanes = eventlet.GreenPool(LANES)
    return sum(lanes.imap(lambda group: _fire_group(db, group, now, at), groups))


def _fire_group(
    db: Any, offices: list[str], now: Callable[[], datetime], at: datetime | None
) -> int:
    """One transaction of these offices' claims, committed no earlier than `at`; again for
    those whose claim was full."""

    def stamp() -> datetime:
        # Each office's claim is made (and its firings dated) when its turn comes, or at the
        # moment ahead that the transaction waits for before it commits.
        current = now()
        return current if at is None or at < current else at

    def until_due() -> None:
        if at is not None and (wait := (at - now()).total_seconds()) > 0:
            time.sleep(wait)

    fired = 0
    waiting = list(offices)
    while waiting:
        try:
            announced = db.office_after_office(
                waiting, lambda uow: fire_office(uow, stamp()), before_commit=until_due
            )
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
