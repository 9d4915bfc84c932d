"""The outbox relay: publishes events committed in business transactions, with confirms.

Woken right after each commit that wrote events (the normal case) and by its own timer, which
picks up whatever a crash or a broker outage left pending.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import eventlet
from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from services.chassis.db import utcnow
from services.chassis.messaging import envelope_body, envelope_headers
from services.chassis.observability import service_metric
from services.chassis.publisher import EventPublisher

log = logging.getLogger(__name__)

SENT_RETENTION = timedelta(days=7)
# Rows marked sent leave dead entries in the "pending" index until a VACUUM (which a server
# whose autovacuum lags, or the service role, cannot be relied on to run), so a poll from the
# first row would slow with every event ever sent. Polls read above a mark that trails the
# newest row seen by GRACE_SECONDS; a sweep from the first row every SWEEP_SECONDS finds a row
# whose transaction took longer than that to commit.
GRACE_SECONDS = 10.0
SWEEP_SECONDS = 30.0
PARK_AFTER_ATTEMPTS = 10
# The pending gauges cost a query; under load the relay wakes on every commit.
OBSERVE_EVERY_SECONDS = 5.0
# How often a relay looks again at a SQLite file's relay lock another process holds.
LOCK_RETRY_SECONDS = 0.05


class OutboxRelay:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        outbox: Table,
        publisher: EventPublisher,
        *,
        service: str,
        batch_size: int = 200,
        interval_seconds: float = 1.0,
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._publisher = publisher
        self._batch_size = batch_size
        self._interval = interval_seconds
        self._wakeup = threading.Event()
        self._stopping = False
        self._last_purge = utcnow()
        self._last_observed = 0.0
        # The polls read ids above `_after` only (see `_advance`); every SWEEP_SECONDS one
        # reads from the start, for a row whose transaction outlived the grace period.
        self._after = 0
        self._seen: deque[tuple[float, int]] = deque()
        self._last_sweep = time.monotonic()
        self._sweep_cursor: int | None = None
        self._sweep_first: int | None = None
        self._counted_above = 0
        swept = (
            select(outbox)
            .where(outbox.c.sent_at.is_(None), outbox.c.id > bindparam("after"))
            .order_by(outbox.c.id)
            .limit(batch_size)
        )
        # A row refused again and again (parked) is left to the sweeps, so it cannot hold up
        # the rows behind it.
        polled = swept.where(outbox.c.attempts < PARK_AFTER_ATTEMPTS)
        self._polls = {
            (sweep, locked): statement.with_for_update(skip_locked=True) if locked else statement
            for sweep, statement in ((False, polled), (True, swept))
            for locked in (False, True)
        }
        self._mark_sent = (
            update(outbox)
            .where(outbox.c.id.in_(bindparam("ids", expanding=True)))
            .values(sent_at=bindparam("sent_at"))
        )
        self._count_attempt = (
            update(outbox)
            .where(outbox.c.id == bindparam("failed_id"))
            .values(attempts=outbox.c.attempts + 1, last_error=bindparam("error"))
        )
        self._published = service_metric(
            "counter", service, "outbox_published_total", "Outbox events published (confirmed)"
        )
        self._failures = service_metric(
            "counter",
            service,
            "outbox_publish_failures_total",
            "Outbox publish attempts that failed",
        )
        self._pending = service_metric(
            "gauge", service, "outbox_pending", "Outbox events not yet published"
        )
        self._oldest = service_metric(
            "gauge", service, "outbox_oldest_pending_seconds", "Age of the oldest unpublished event"
        )

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()

    def close(self) -> None:
        self._publisher.close()

    def abandon(self) -> None:
        self._publisher.abandon()

    def run(self) -> None:
        failures = 0
        while not self._stopping:
            self._wakeup.wait(self._interval)
            self._wakeup.clear()
            try:
                while not self._stopping and self.publish_batch() == self._batch_size:
                    pass
                failures = 0
            except Exception as exc:
                failures += 1
                self._failures.inc()
                log.warning("outbox relay could not publish (%s); retrying", type(exc).__name__)
                eventlet.sleep(min(10.0, 0.5 * 2**failures))
            try:
                if time.monotonic() - self._last_observed >= OBSERVE_EVERY_SECONDS:
                    self._last_observed = time.monotonic()
                    self.observe()
                self.purge_sent()
            except Exception as exc:
                log.warning("outbox bookkeeping failed (%s)", type(exc).__name__)

    def publish_batch(self) -> int:
        """Publish up to one batch of pending events; returns how many were pending."""
        now = time.monotonic()
        if self._sweep_cursor is None and now - self._last_sweep >= SWEEP_SECONDS:
            self._sweep_cursor, self._sweep_first = 0, None  # a sweep from the first row begins
        sweeping = self._sweep_cursor is not None
        after = self._sweep_cursor if self._sweep_cursor is not None else self._after
        with self._sessions() as session:
            bind = session.get_bind()
            if bind.dialect.name == "sqlite":
                # SQLite has one pooled connection per process: never hold it while talking to
                # the broker, or a broker that is away would stall every request. Without
                # FOR UPDATE, what keeps two processes' relays (intake and intake-web) from
                # publishing the same rows is the file lock, held from poll to settle.
                with relay_lock(bind.engine.url, lambda: self._stopping) as locked:
                    if not locked:
                        return 0  # stopping while another process relays this file
                    poll = self._polls[(sweeping, False)]
                    rows = session.execute(poll, {"after": after}).mappings().all()
                    session.rollback()
                    outcomes = self._publish(rows)
                    with session.begin():
                        error = self._settle(session, rows, outcomes)
            else:
                with session.begin():
                    # Several instances of one service never publish the same row at once.
                    poll = self._polls[(sweeping, True)]
                    rows = session.execute(poll, {"after": after}).mappings().all()
                    outcomes = self._publish(rows)
                    error = self._settle(session, rows, outcomes)
        failed = [
            row["id"]
            for row, outcome in zip(rows, outcomes, strict=True)
            if outcome is not None and row["attempts"] + 1 < PARK_AFTER_ATTEMPTS
        ]
        if sweeping:
            self._sweep_page(now, rows)
        elif rows:
            self._advance(now, rows[-1]["id"])
        if failed:
            # Never past a row that is still to be sent: the next poll reads it again.
            self._hold_below(failed[0])
        if error is not None:
            raise error
        return len(rows)

    def _advance(self, now: float, highest: int) -> None:
        """Move the polls' lower bound up to the highest id seen GRACE_SECONDS ago: by then
        every transaction that wrote an outbox row below it has committed (or the sweep finds
        it), so the poll never walks over what was sent long ago."""
        if not self._seen or highest > self._seen[-1][1]:
            self._seen.append((now, highest))
        while self._seen and now - self._seen[0][0] >= GRACE_SECONDS:
            self._after = max(self._after, self._seen.popleft()[1])

    def _hold_below(self, row_id: int) -> None:
        """Keep the polls' mark below a row still to be sent, so the next poll reads it again
        (one below the mark already, found by a sweep, is left to the next sweep)."""
        if row_id > self._after:
            cap = row_id - 1
            self._seen = deque((at, min(highest, cap)) for at, highest in self._seen)

    def _sweep_page(self, now: float, rows: Sequence[Any]) -> None:
        """A sweep reads page after page from the first row until it reaches the polls' mark,
        stepping past rows that failed (they are tried again by the next sweep)."""
        if rows and self._sweep_first is None:
            self._sweep_first = rows[0]["id"]
        if len(rows) < self._batch_size or rows[-1]["id"] >= self._after:
            self._sweep_cursor = None
            self._last_sweep = now
            first = self._sweep_first
            self._counted_above = first - 1 if first is not None else self._after
        else:
            self._sweep_cursor = rows[-1]["id"]

    def _publish(self, rows: Sequence[Any]) -> list[Exception | None]:
        if not rows:
            return []
        return self._publisher.publish_many(
            [
                (envelope_body(row, json.loads(row["payload"])), envelope_headers(row))
                for row in rows
            ]
        )

    def _settle(
        self, session: Session, rows: Sequence[Any], outcomes: Sequence[Exception | None]
    ) -> Exception | None:
        """Mark the confirmed rows sent, count an attempt on the others; the first error."""
        sent = [row["id"] for row, outcome in zip(rows, outcomes, strict=True) if outcome is None]
        failed = [
            {"failed_id": row["id"], "error": type(outcome).__name__[:200]}
            for row, outcome in zip(rows, outcomes, strict=True)
            if outcome is not None
        ]
        if sent:
            session.execute(self._mark_sent, {"ids": sent, "sent_at": utcnow()})
        if failed:
            session.execute(self._count_attempt, failed)
        self._published.inc(len(sent))
        return next((outcome for outcome in outcomes if outcome is not None), None)

    def observe(self) -> None:
        outbox = self._outbox
        with self._sessions() as session:
            count, oldest = session.execute(
                select(func.count(), func.min(outbox.c.occurred_at)).where(
                    outbox.c.sent_at.is_(None), outbox.c.id > self._counted_above
                )
            ).one()
        self._pending.set(count)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=utcnow().tzinfo)
        self._oldest.set((utcnow() - oldest).total_seconds() if oldest else 0)

    def purge_sent(self) -> None:
        now = utcnow()
        if now - self._last_purge < timedelta(minutes=10):
            return
        self._last_purge = now
        with self._sessions() as session, session.begin():
            session.execute(
                delete(self._outbox).where(self._outbox.c.sent_at < now - SENT_RETENTION)
            )


@contextmanager
def relay_lock(url: URL, stopping: Callable[[], bool]) -> Iterator[bool]:
    """Hold `<database file>.relay.lock` (an advisory `flock`) for one poll-publish-settle of
    a SQLite file's outbox, so relays in several processes on one file (intake's worker and
    intake-web) take turns; yields False if `stopping()` turns true while it waits.

    The kernel drops the lock when its descriptor closes, so a relay killed mid-batch frees
    it too. The wait polls a non-blocking `flock` and sleeps in between: a blocking `flock`
    would stop every greenthread of an eventlet process, and `time.sleep` is cooperative
    there (monkey-patched) and an ordinary sleep in a plain thread. An in-memory database
    is one process's own: nothing to lock.
    """
    database = url.database
    if not database or database == ":memory:":
        yield True
        return
    descriptor = os.open(f"{os.path.abspath(database)}.relay.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        yield _take_turn(descriptor, stopping)
    finally:
        os.close(descriptor)  # releases the lock


def _take_turn(descriptor: int, stopping: Callable[[], bool]) -> bool:
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if stopping():
                return False
            time.sleep(LOCK_RETRY_SECONDS)
