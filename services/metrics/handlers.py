"""Metrics' service layer: each event handler records what its event tells in the office's unit
of work (run by the consume wrapper), the roll-up folds counted events into daily totals, and
the queries behind the RPC methods and the Prometheus collector read them.

Handlers coordinate only: the rules are in `domain/`, the SQL in `repository.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.chassis.db import utcnow
from services.chassis.events import IncomingEvent
from services.contracts import (
    AcknowledgementSent,
    CaseAssigned,
    CaseOpened,
    SubmissionReceived,
)
from services.metrics.domain.acknowledgements import (
    WINDOW,
    AcknowledgementTimes,
    times_by_office,
)
from services.metrics.domain.caseload import Assignment, CaseworkerLoad, assign
from services.metrics.domain.office_stats import (
    DailyCounts,
    OfficeCounts,
    daily_series,
    days_covered,
    fact_for,
)
from services.metrics.domain.roll_up import ROLL_UP_BATCH, RollUp
from services.metrics.ports import (
    CountsAcrossOffices,
    MetricsWork,
    OfficeDatabase,
    PlatformDatabase,
)
from services.metrics.repository import SqlCountsAcrossOffices

log = logging.getLogger(__name__)

AcrossOffices = Callable[[Any], CountsAcrossOffices]


# Events (each run by `db.consume(event, handler)`) -------------------------------------------


def record_submission_received(uow: MetricsWork, event: IncomingEvent[SubmissionReceived]) -> None:
    uow.timings.received(event.payload.submission_id, event.payload.received_at)
    _count(uow, event)


def record_case_opened(uow: MetricsWork, event: IncomingEvent[CaseOpened]) -> None:
    uow.timings.case_opened(event.payload.submission_id, event.payload.case_id)
    _count(uow, event)


def record_case_assigned(uow: MetricsWork, event: IncomingEvent[CaseAssigned]) -> None:
    payload = event.payload
    incoming = Assignment(payload.caseworker_id, payload.caseworker_name, payload.assigned_at)
    # A case's first assignment, the usual one, is a single insert; a later one reads the
    # holder (locked until commit) and keeps whichever assignment the rule says wins.
    if not uow.assignments.hold_if_unassigned(payload.case_id, incoming):
        held = uow.assignments.held(payload.case_id)
        holder = assign(held, incoming)
        if holder != held:
            uow.assignments.hold(payload.case_id, holder)
    _count(uow, event)


def record_acknowledgement_sent(
    uow: MetricsWork, event: IncomingEvent[AcknowledgementSent]
) -> None:
    payload = event.payload
    uow.timings.acknowledged(payload.submission_id, payload.case_id, payload.sent_at)
    _count(uow, event)


def _count(uow: MetricsWork, event: IncomingEvent[Any]) -> None:
    uow.counts.count(fact_for(event.event_type, event.occurred_at))


# Roll-up --------------------------------------------------------------------------------------


def roll_up(
    db: PlatformDatabase,
    batch_size: int = ROLL_UP_BATCH,
    *,
    across_offices: AcrossOffices = SqlCountsAcrossOffices,
) -> int:
    """Fold every counted event into its office's daily total; returns how many were folded.

    Each batch takes its facts and adds exactly those to the totals in one transaction. While
    another instance rolls up, this one returns at once.
    """
    run = RollUp(batch_size)
    while not run.finished:
        # Cross-office by nature: one roll-up folds the oldest facts of every office, batch by
        # batch, and the lock that lets one instance fold at a time is database-wide.
        with db.platform_work() as session:
            counts = across_offices(session)
            if not counts.try_lock_roll_up():
                run.stand_aside()
                break
            counts.add_to_totals(run.fold(counts.take_facts(batch_size)))
            counts.commit()
    if run.folded:
        log.debug("folded %d counted events into daily totals", run.folded)
    return run.folded


# Queries (RPC) --------------------------------------------------------------------------------


def office_counts(db: OfficeDatabase, office_id: str) -> OfficeCounts:
    """All-time totals for one office; an office with no events yet counts zero."""
    with db.unit_of_work(office_id=office_id) as uow:
        return uow.counts.all_time()


def office_daily(
    db: OfficeDatabase, office_id: str, days: int, today: date | None = None
) -> list[DailyCounts]:
    """The last `days` UTC days of one office, oldest first, ending today."""
    today = today or utcnow().date()
    first, last = days_covered(today, days)
    with db.unit_of_work(office_id=office_id) as uow:
        counts = uow.counts.daily(first, last)
    return daily_series(counts, today=today, days=days)


def caseload(db: OfficeDatabase, office_id: str) -> list[CaseworkerLoad]:
    """Caseworkers of one office holding cases now, busiest first, each under the name their
    latest assignment gave."""
    with db.unit_of_work(office_id=office_id) as uow:
        return uow.assignments.caseload()


# Prometheus -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BusinessSnapshot:
    """What Prometheus is shown: totals per office and recent acknowledgement waits."""

    totals: dict[str, OfficeCounts]
    acknowledgement_times: list[AcknowledgementTimes]


def business_snapshot(
    db: PlatformDatabase,
    now: datetime | None = None,
    *,
    across_offices: AcrossOffices = SqlCountsAcrossOffices,
) -> BusinessSnapshot:
    """Counts across every office, for operators: aggregate numbers only, no case content."""
    now = now or utcnow()
    # Cross-office by nature: operators' series cover every office at once (counts and waits
    # only, never a case's content).
    with db.platform_work() as session:
        counts = across_offices(session)
        totals = counts.totals_by_office()
        acknowledged = counts.acknowledged_since(now - WINDOW)
    return BusinessSnapshot(totals=totals, acknowledgement_times=times_by_office(acknowledged))
