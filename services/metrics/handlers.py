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
    CaseClosed,
    CaseOpened,
    CaseStatusChanged,
    SatisfactionRated,
    SubmissionReceived,
)
from services.metrics.domain.acknowledgements import (
    WINDOW,
    AcknowledgementTimes,
    times_by_office,
)
from services.metrics.domain.caseload import (
    Assignment,
    CaseStatus,
    CaseworkerLoad,
    assign,
    change_status,
)
from services.metrics.domain.office_stats import (
    DailyCounts,
    OfficeCounts,
    daily_series,
    days_covered,
    fact_for,
)
from services.metrics.domain.outcomes import (
    Closure,
    OfficeOutcomes,
    closure_fact,
    record_closure,
)
from services.metrics.domain.roll_up import ROLL_UP_BATCH, RollUp
from services.metrics.domain.satisfaction import Rating, Satisfaction, record_rating
from services.metrics.observability import count_closure, count_rating, count_status_change
from services.metrics.ports import (
    CountsAcrossOffices,
    MetricsWork,
    OfficeDatabase,
    PlatformDatabase,
)
from services.metrics.repository import SqlCountsAcrossOffices

log = logging.getLogger(__name__)

AcrossOffices = Callable[[Any], CountsAcrossOffices]


# Events (each run by `db.consume(event, handler)` or `db.consume_batch(events, handler)`) ---


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


def record_case_status_changed(uow: MetricsWork, event: IncomingEvent[CaseStatusChanged]) -> None:
    payload = event.payload
    _change_status(uow, payload.case_id, CaseStatus(payload.to_status, payload.changed_at))
    uow.after_commit(lambda: count_status_change(payload.to_status))


def record_case_closed(uow: MetricsWork, event: IncomingEvent[CaseClosed]) -> None:
    payload = event.payload
    closure = Closure(
        result=payload.result,
        obtained=tuple(payload.obtained),
        amount_minor=payload.amount_minor,
        currency=payload.currency,
        opened_at=payload.opened_at,
        closed_at=payload.closed_at,
    )
    _change_status(uow, payload.case_id, closure.status)
    # The office's report keeps each case's latest outcome; as with assignments, a first
    # closure is one insert and a later one locks the case's outcome and applies the rule.
    if not uow.outcomes.record_if_unknown(payload.case_id, closure):
        known = uow.outcomes.known(payload.case_id)
        outcome = record_closure(known, closure)
        if outcome != known:
            uow.outcomes.record(payload.case_id, outcome)
    uow.counts.count(closure_fact(closure))
    uow.after_commit(lambda: count_closure(closure))


def record_satisfaction_rated(uow: MetricsWork, event: IncomingEvent[SatisfactionRated]) -> None:
    """A constituent's rating of a closed case: the case counts once, with its latest."""
    payload = event.payload
    rating = Rating(payload.rating, payload.rated_at)
    if not uow.satisfaction.record_if_unknown(payload.case_id, rating):
        known = uow.satisfaction.known(payload.case_id)
        latest = record_rating(known, rating)
        if latest != known:
            uow.satisfaction.record(payload.case_id, latest)
    uow.after_commit(lambda: count_rating(payload.rating))


def _change_status(uow: MetricsWork, case_id: str, incoming: CaseStatus) -> None:
    if not uow.lifecycles.record_if_unknown(case_id, incoming):
        known = uow.lifecycles.known(case_id)
        status = change_status(known, incoming)
        if status != known:
            uow.lifecycles.record(case_id, status)


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


@dataclass(frozen=True)
class OfficeReport:
    """What `office_counts` answers: the office's counts, what its closed cases achieved, and
    how satisfied their constituents said they were."""

    counts: OfficeCounts
    outcomes: OfficeOutcomes
    satisfaction: Satisfaction


def office_report(db: OfficeDatabase, office_id: str) -> OfficeReport:
    """An office's all-time counts, outcomes and satisfaction, read in one unit of work; an
    office with no events yet counts zero, has closed nothing and has no ratings."""
    with db.unit_of_work(office_id=office_id) as uow:
        return OfficeReport(
            counts=uow.counts.all_time(),
            outcomes=uow.outcomes.report(),
            satisfaction=uow.satisfaction.report(),
        )


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
    """Caseworkers of one office holding cases still being worked, busiest first, each under
    the name their latest assignment gave (the rule: `domain/caseload.py`)."""
    with db.unit_of_work(office_id=office_id) as uow:
        return uow.assignments.caseload()


# Prometheus -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BusinessSnapshot:
    """What Prometheus is shown: totals per office, recent acknowledgement waits, and each
    office's rated cases with the sum of their ratings."""

    totals: dict[str, OfficeCounts]
    acknowledgement_times: list[AcknowledgementTimes]
    ratings: dict[str, tuple[int, int]]


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
        ratings = counts.ratings_by_office()
    return BusinessSnapshot(
        totals=totals, acknowledgement_times=times_by_office(acknowledged), ratings=ratings
    )
