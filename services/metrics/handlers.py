"""Metrics' service layer: each event handler updates the read models in one unit of work, and
the queries behind the RPC methods and the Prometheus collector read them.

Counters move only by SQL increments inside upserts (`INSERT ... ON CONFLICT DO UPDATE SET n =
n + 1`), which PostgreSQL applies atomically under concurrent workers; no value is read into
Python and written back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from services.chassis.db import DatabaseAccess, IncomingEvent, utcnow
from services.metrics.domain.acknowledgements import (
    WINDOW,
    AcknowledgementTimes,
    seconds_to_acknowledge,
    summarise,
)
from services.metrics.domain.caseload import Assignment, CaseloadChange, CaseworkerLoad, assign
from services.metrics.domain.office_stats import (
    DailyCounts,
    OfficeCounts,
    daily_series,
    days_covered,
    increment_for,
    stats_day,
)
from services.metrics.models import (
    AcknowledgementTiming,
    CaseAssignment,
    CaseworkerCaseload,
    OfficeDailyStats,
)

CONSUMER = "metrics"


def _insert(session: Session, model: type[Any]) -> Any:
    """An INSERT that can say ON CONFLICT, in the dialect of this database."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise RuntimeError(f"metrics runs on PostgreSQL or SQLite, not {dialect}")


# Events -------------------------------------------------------------------------------------


def record_submission_received(db: DatabaseAccess, event: IncomingEvent) -> None:
    with db.unit_of_work(cause=event) as uow:
        if not uow.claim(event, CONSUMER):
            return
        table = AcknowledgementTiming
        stmt = _insert(uow.session, table).values(
            office_id=event.office_id,
            submission_id=event.payload["submission_id"],
            received_at=event.payload["received_at"],
        )
        uow.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["office_id", "submission_id"],
                set_={"received_at": func.coalesce(table.received_at, stmt.excluded.received_at)},
            )
        )
        _count(uow.session, event)
        uow.commit()


def record_case_opened(db: DatabaseAccess, event: IncomingEvent) -> None:
    with db.unit_of_work(cause=event) as uow:
        if not uow.claim(event, CONSUMER):
            return
        _note_case(
            uow.session, event.office_id, event.payload["submission_id"], event.payload["case_id"]
        )
        _count(uow.session, event)
        uow.commit()


def record_case_assigned(db: DatabaseAccess, event: IncomingEvent) -> None:
    with db.unit_of_work(cause=event) as uow:
        if not uow.claim(event, CONSUMER):
            return
        payload = event.payload
        incoming = Assignment(payload["caseworker_id"], payload["assigned_at"])
        change = _assign_case(uow.session, event.office_id, payload["case_id"], incoming)
        for caseworker_id, delta in change.deltas:
            if caseworker_id == incoming.caseworker_id:
                _add_to_caseload(
                    uow.session, event.office_id, caseworker_id, payload["caseworker_name"], delta
                )
            else:
                _take_from_caseload(uow.session, event.office_id, caseworker_id)
        _count(uow.session, event)
        uow.commit()


def record_acknowledgement_sent(db: DatabaseAccess, event: IncomingEvent) -> None:
    with db.unit_of_work(cause=event) as uow:
        if not uow.claim(event, CONSUMER):
            return
        table = AcknowledgementTiming
        stmt = _insert(uow.session, table).values(
            office_id=event.office_id,
            submission_id=event.payload["submission_id"],
            case_id=event.payload["case_id"],
            acknowledged_at=event.payload["sent_at"],
        )
        # The first acknowledgement is the one the constituent waited for.
        first = or_(
            table.acknowledged_at.is_(None), stmt.excluded.acknowledged_at < table.acknowledged_at
        )
        uow.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["office_id", "submission_id"],
                set_={
                    "case_id": func.coalesce(table.case_id, stmt.excluded.case_id),
                    "acknowledged_at": case(
                        (first, stmt.excluded.acknowledged_at), else_=table.acknowledged_at
                    ),
                },
            )
        )
        _count(uow.session, event)
        uow.commit()


def _count(session: Session, event: IncomingEvent) -> None:
    """Add the event to its office's counters for the UTC day it happened.

    Last in every transaction: the day's row is the one all workers contend for, so it is
    locked for as short a time as possible.
    """
    increment = increment_for(event.event_type)
    table = OfficeDailyStats
    stmt = _insert(session, table).values(
        office_id=event.office_id,
        day=stats_day(event.occurred_at),
        received=increment.received,
        opened=increment.opened,
        assigned=increment.assigned,
        acknowledged=increment.acknowledged,
    )
    counters = ("received", "opened", "assigned", "acknowledged")
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["office_id", "day"],
            set_={name: getattr(table, name) + stmt.excluded[name] for name in counters},
        )
    )


def _note_case(session: Session, office_id: str, submission_id: str, case_id: str) -> None:
    table = AcknowledgementTiming
    stmt = _insert(session, table).values(
        office_id=office_id, submission_id=submission_id, case_id=case_id
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["office_id", "submission_id"],
            set_={"case_id": func.coalesce(table.case_id, stmt.excluded.case_id)},
        )
    )


def _assign_case(
    session: Session, office_id: str, case_id: str, incoming: Assignment
) -> CaseloadChange:
    """Record who holds the case; the row stays locked until commit, so two assignments of one
    case never both read the same previous holder."""
    first_assignment: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        _insert(session, CaseAssignment)
        .values(
            office_id=office_id,
            case_id=case_id,
            caseworker_id=incoming.caseworker_id,
            assigned_at=incoming.assigned_at,
        )
        .on_conflict_do_nothing(index_elements=["office_id", "case_id"])
    )
    if first_assignment.rowcount:
        return assign(None, incoming)
    held = session.scalars(
        select(CaseAssignment)
        .where(CaseAssignment.office_id == office_id, CaseAssignment.case_id == case_id)
        .with_for_update()
    ).one()
    change = assign(Assignment(held.caseworker_id, held.assigned_at), incoming)
    held.caseworker_id = change.holder.caseworker_id
    held.assigned_at = change.holder.assigned_at
    session.flush()
    return change


def _add_to_caseload(
    session: Session, office_id: str, caseworker_id: str, name: str, delta: int
) -> None:
    table = CaseworkerCaseload
    stmt = _insert(session, table).values(
        office_id=office_id, caseworker_id=caseworker_id, name=name, open_cases=delta
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["office_id", "caseworker_id"],
            set_={
                "name": stmt.excluded.name,
                "open_cases": table.open_cases + stmt.excluded.open_cases,
            },
        )
    )


def _take_from_caseload(session: Session, office_id: str, caseworker_id: str) -> None:
    session.execute(
        update(CaseworkerCaseload)
        .where(
            CaseworkerCaseload.office_id == office_id,
            CaseworkerCaseload.caseworker_id == caseworker_id,
        )
        .values(open_cases=CaseworkerCaseload.open_cases - 1)
    )


# Queries ------------------------------------------------------------------------------------


def office_counts(db: DatabaseAccess, office_id: str) -> OfficeCounts:
    """All-time totals for one office; an office with no events yet counts zero."""
    table = OfficeDailyStats
    with db.read() as session:
        row = session.execute(
            select(
                func.coalesce(func.sum(table.received), 0),
                func.coalesce(func.sum(table.opened), 0),
                func.coalesce(func.sum(table.assigned), 0),
                func.coalesce(func.sum(table.acknowledged), 0),
            ).where(table.office_id == office_id)
        ).one()
    received, opened, assigned, acknowledged = (int(value) for value in row)
    return OfficeCounts(received, opened, assigned, acknowledged)


def office_daily(
    db: DatabaseAccess, office_id: str, days: int, today: date | None = None
) -> list[DailyCounts]:
    """The last `days` UTC days of one office, oldest first, ending today."""
    today = today or utcnow().date()
    first, last = days_covered(today, days)
    table = OfficeDailyStats
    with db.read() as session:
        rows = session.scalars(
            select(table).where(table.office_id == office_id, table.day.between(first, last))
        ).all()
        counts = [
            DailyCounts(row.day, row.received, row.opened, row.assigned, row.acknowledged)
            for row in rows
        ]
    return daily_series(counts, today=today, days=days)


def caseload(db: DatabaseAccess, office_id: str) -> list[CaseworkerLoad]:
    """Caseworkers of one office, busiest first."""
    table = CaseworkerCaseload
    with db.read() as session:
        rows = session.scalars(
            select(table)
            .where(table.office_id == office_id)
            .order_by(table.open_cases.desc(), table.name, table.caseworker_id)
        ).all()
        return [CaseworkerLoad(row.caseworker_id, row.name, row.open_cases) for row in rows]


@dataclass(frozen=True)
class BusinessSnapshot:
    """What Prometheus is shown: totals per office and recent acknowledgement waits."""

    totals: dict[str, OfficeCounts]
    acknowledgement_times: list[AcknowledgementTimes]


def business_snapshot(db: DatabaseAccess, now: datetime | None = None) -> BusinessSnapshot:
    """Counts across every office, for operators: aggregate numbers only, no case content."""
    now = now or utcnow()
    table = OfficeDailyStats
    timing = AcknowledgementTiming
    waits: dict[str, list[float]] = defaultdict(list)
    with db.read() as session:
        totals = {
            office_id: OfficeCounts(int(received), int(opened), int(assigned), int(acknowledged))
            for office_id, received, opened, assigned, acknowledged in session.execute(
                select(
                    table.office_id,
                    func.sum(table.received),
                    func.sum(table.opened),
                    func.sum(table.assigned),
                    func.sum(table.acknowledged),
                )
                .group_by(table.office_id)
                .order_by(table.office_id)
            )
        }
        recent = session.execute(
            select(timing.office_id, timing.received_at, timing.acknowledged_at).where(
                timing.acknowledged_at >= now - WINDOW, timing.received_at.is_not(None)
            )
        )
        for office_id, received_at, acknowledged_at in recent:
            waits[office_id].append(seconds_to_acknowledge(received_at, acknowledged_at))
    return BusinessSnapshot(
        totals=totals,
        acknowledgement_times=[summarise(office, waits[office]) for office in sorted(waits)],
    )
