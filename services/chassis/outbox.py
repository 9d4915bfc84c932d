"""The outbox relay: publishes events committed in business transactions, with confirms.

Woken right after each commit that wrote events (the normal case) and by its own timer, which
picks up whatever a crash or a broker outage left pending.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import eventlet
from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from services.chassis.db import utcnow
from services.chassis.messaging import EventPublisher, envelope_body, envelope_headers
from services.chassis.observability import service_metric

log = logging.getLogger(__name__)

SENT_RETENTION = timedelta(days=7)
# The pending gauges cost a query; under load the relay wakes on every commit.
OBSERVE_EVERY_SECONDS = 5.0


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
        outbox = self._outbox
        pending = (
            select(outbox)
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.id)
            .limit(self._batch_size)
        )
        with self._sessions() as session:
            if session.get_bind().dialect.name == "sqlite":
                # SQLite has one pooled connection per process: never hold it while talking to
                # the broker, or a broker that is away would stall every request. One process
                # per SQLite file, so nothing else publishes these rows meanwhile.
                rows = session.execute(pending).mappings().all()
                session.rollback()
                sent, error = self._publish(rows)
                with session.begin():
                    self._settle(session, sent, rows, error)
            else:
                with session.begin():
                    # Several instances of one service never publish the same row at once.
                    rows = (
                        session.execute(pending.with_for_update(skip_locked=True)).mappings().all()
                    )
                    sent, error = self._publish(rows)
                    self._settle(session, sent, rows, error)
        self._published.inc(len(sent))
        if error is not None:
            raise error
        return len(rows)

    def _publish(self, rows: Sequence[Any]) -> tuple[list[int], Exception | None]:
        sent: list[int] = []
        for row in rows:
            try:
                self._publisher.publish(
                    envelope_body(dict(row), json.loads(row["payload"])),
                    envelope_headers(dict(row)),
                )
            except Exception as exc:
                return sent, exc
            sent.append(row["id"])
        return sent, None

    def _settle(
        self, session: Session, sent: list[int], rows: Sequence[Any], error: Exception | None
    ) -> None:
        outbox = self._outbox
        if sent:
            session.execute(update(outbox).where(outbox.c.id.in_(sent)).values(sent_at=utcnow()))
        if error is not None and len(sent) < len(rows):
            failed = rows[len(sent)]["id"]
            session.execute(
                update(outbox)
                .where(outbox.c.id == failed)
                .values(attempts=outbox.c.attempts + 1, last_error=type(error).__name__)
            )

    def observe(self) -> None:
        outbox = self._outbox
        with self._sessions() as session:
            count, oldest = session.execute(
                select(func.count(), func.min(outbox.c.occurred_at)).where(
                    outbox.c.sent_at.is_(None)
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
