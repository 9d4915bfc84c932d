"""Metrics' service layer: each event handler records what it saw in one unit of work, the
roll-up folds counted events into daily totals, and the queries behind the RPC methods and the
Prometheus collector read them.

No handler updates a row shared with events about other submissions or cases. A handler appends
one fact row for its office's daily count and touches only the rows of its own submission or
case; a caseload is counted from who holds each case. Only the roll-up writes the daily totals,
one roll-up at a time, and a read sums totals and facts in one statement, so it sees a roll-up
entirely or not at all.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Subquery,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.chassis.db import DatabaseAccess, IncomingEvent, UTCDateTime, utcnow
from services.metrics.domain.acknowledgements import (
    WINDOW,
    AcknowledgementTimes,
    seconds_to_acknowledge,
    summarise,
)
from services.metrics.domain.caseload import Assignment, CaseworkerLoad, assign
from services.metrics.domain.office_stats import (
    COUNTERS,
    CountedEvent,
    DailyCounts,
    DailyIncrement,
    OfficeCounts,
    daily_series,
    days_covered,
    fold,
    increment_for,
    stats_day,
)
from services.metrics.models import (
    AcknowledgementTiming,
    Base,
    CaseAssignment,
    OfficeDailyStats,
    OfficeEventFact,
)

log = logging.getLogger(__name__)

CONSUMER = "metrics"

# Facts folded per roll-up transaction: keeps each transaction, and what it holds locked, short.
ROLL_UP_BATCH = 5000
# Any constant will do: advisory locks are per database, and this database is metrics' alone.
ROLL_UP_LOCK = 0x6D65_7472_6963_7301


def _insert(session: Session, model: type[Any]) -> Any:
    """An INSERT that can say ON CONFLICT, in the dialect of this database."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise RuntimeError(f"metrics runs on PostgreSQL or SQLite, not {dialect}")


# What each event writes, built once. The upserts are SQL text, which PostgreSQL and SQLite
# both read: SQLAlchemy 2.0 cannot cache the compiled form of a dialect INSERT ... ON CONFLICT,
# and compiling one per event cost more CPU than the rest of the handler.
_COUNT_EVENT = insert(Base.metadata.tables[OfficeEventFact.__tablename__])
_RECEIVED = text(
    """
    INSERT INTO acknowledgement_timings (office_id, submission_id, received_at)
    VALUES (:office_id, :submission_id, :received_at)
    ON CONFLICT (office_id, submission_id) DO UPDATE
    SET received_at = coalesce(acknowledgement_timings.received_at, excluded.received_at)
    """
).bindparams(bindparam("received_at", type_=UTCDateTime()))
_CASE_OPENED = text(
    """
    INSERT INTO acknowledgement_timings (office_id, submission_id, case_id)
    VALUES (:office_id, :submission_id, :case_id)
    ON CONFLICT (office_id, submission_id) DO UPDATE
    SET case_id = coalesce(acknowledgement_timings.case_id, excluded.case_id)
    """
)
# The first acknowledgement is the one the constituent waited for.
_ACKNOWLEDGED = text(
    """
    INSERT INTO acknowledgement_timings (office_id, submission_id, case_id, acknowledged_at)
    VALUES (:office_id, :submission_id, :case_id, :acknowledged_at)
    ON CONFLICT (office_id, submission_id) DO UPDATE
    SET case_id = coalesce(acknowledgement_timings.case_id, excluded.case_id),
        acknowledged_at = CASE
            WHEN acknowledgement_timings.acknowledged_at IS NULL
              OR excluded.acknowledged_at < acknowledgement_timings.acknowledged_at
            THEN excluded.acknowledged_at
            ELSE acknowledgement_timings.acknowledged_at
        END
    """
).bindparams(bindparam("acknowledged_at", type_=UTCDateTime()))
_FIRST_ASSIGNMENT = text(
    """
    INSERT INTO case_assignments
        (office_id, case_id, caseworker_id, caseworker_name, assigned_at)
    VALUES (:office_id, :case_id, :caseworker_id, :caseworker_name, :assigned_at)
    ON CONFLICT (office_id, case_id) DO NOTHING
    """
).bindparams(bindparam("assigned_at", type_=UTCDateTime()))


# Events -------------------------------------------------------------------------------------


def record_submission_received(db: DatabaseAccess, event: IncomingEvent) -> None:
    with db.unit_of_work(cause=event) as uow:
        if not uow.claim(event, CONSUMER):
            return
        uow.session.execute(
            _RECEIVED,
            {
                "office_id": event.office_id,
                "submission_id": event.payload["submission_id"],
                "received_at": event.payload["received_at"],
            },
        )
        _count(uow.session, event)
        uow.commit()


def record_case_opened(db: DatabaseAccess, event: IncomingEvent) -> None:
    with db.unit_of_work(cause=event) as uow:
        if not uow.claim(event, CONSUMER):
            return
        uow.session.execute(
            _CASE_OPENED,
            {
                "office_id": event.office_id,
                "submission_id": event.payload["submission_id"],
                "case_id": event.payload["case_id"],
            },
        )
        _count(uow.session, event)
        uow.commit()


def record_case_assigned(db: DatabaseAccess, event: IncomingEvent) -> None:
    with db.unit_of_work(cause=event) as uow:
        if not uow.claim(event, CONSUMER):
            return
        payload = event.payload
        incoming = Assignment(
            payload["caseworker_id"], payload["caseworker_name"], payload["assigned_at"]
        )
        _assign_case(uow.session, event.office_id, payload["case_id"], incoming)
        _count(uow.session, event)
        uow.commit()


def record_acknowledgement_sent(db: DatabaseAccess, event: IncomingEvent) -> None:
    with db.unit_of_work(cause=event) as uow:
        if not uow.claim(event, CONSUMER):
            return
        uow.session.execute(
            _ACKNOWLEDGED,
            {
                "office_id": event.office_id,
                "submission_id": event.payload["submission_id"],
                "case_id": event.payload["case_id"],
                "acknowledged_at": event.payload["sent_at"],
            },
        )
        _count(uow.session, event)
        uow.commit()


def _count(session: Session, event: IncomingEvent) -> None:
    """Append the event to its office's count for the UTC day it happened: a new row, so
    workers counting events of the same office and day never wait for one another."""
    session.execute(
        _COUNT_EVENT,
        {
            "office_id": event.office_id,
            "day": stats_day(event.occurred_at),
            **asdict(increment_for(event.event_type)),
        },
    )


def _assign_case(session: Session, office_id: str, case_id: str, incoming: Assignment) -> None:
    """Record who holds the case. Only this case's assignments wait on its row, which stays
    locked until commit, so two of them never both read the same previous holder."""
    first_assignment = session.execute(
        _FIRST_ASSIGNMENT,
        {
            "office_id": office_id,
            "case_id": case_id,
            "caseworker_id": incoming.caseworker_id,
            "caseworker_name": incoming.caseworker_name,
            "assigned_at": incoming.assigned_at,
        },
    )
    if first_assignment.rowcount:  # type: ignore[attr-defined]
        return
    held = session.scalars(
        select(CaseAssignment)
        .where(CaseAssignment.office_id == office_id, CaseAssignment.case_id == case_id)
        .with_for_update()
    ).one()
    holder = assign(
        Assignment(held.caseworker_id, held.caseworker_name, held.assigned_at), incoming
    )
    held.caseworker_id = holder.caseworker_id
    held.caseworker_name = holder.caseworker_name
    held.assigned_at = holder.assigned_at
    session.flush()


# Roll-up ------------------------------------------------------------------------------------


def roll_up(db: DatabaseAccess, batch_size: int = ROLL_UP_BATCH) -> int:
    """Fold every counted event into its office's daily total; returns how many were folded.

    Each batch deletes its facts and adds exactly the deleted rows (`DELETE ... RETURNING`) to
    the totals in one transaction, so a fact committed meanwhile is left for the next roll-up,
    never lost, and no fact is folded twice. On PostgreSQL a transaction-scoped advisory lock
    lets one instance fold at a time; the others return at once. SQLite has one writer anyway.
    """
    folded = 0
    while True:
        with db.unit_of_work() as uow:
            if not _roll_up_lock(uow.session):
                return folded
            taken = _take_facts(uow.session, batch_size)
            _add_to_totals(uow.session, fold(taken))
            uow.commit()
        folded += len(taken)
        if len(taken) < batch_size:
            if folded:
                log.debug("folded %d counted events into daily totals", folded)
            return folded


def _roll_up_lock(session: Session) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(
        session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ROLL_UP_LOCK})
    )


def _take_facts(session: Session, batch_size: int) -> list[CountedEvent]:
    """Delete the oldest facts, up to `batch_size`, and return exactly those deleted."""
    fact = OfficeEventFact
    oldest = select(fact.id).order_by(fact.id).limit(batch_size)
    deleted = session.execute(
        delete(fact)
        .where(fact.id.in_(oldest))
        .returning(fact.office_id, fact.day, *(getattr(fact, name) for name in COUNTERS))
        .execution_options(synchronize_session=False)
    )
    return [
        CountedEvent(office_id, day, DailyIncrement(*counts)) for office_id, day, *counts in deleted
    ]


def _add_to_totals(session: Session, additions: dict[tuple[str, date], DailyIncrement]) -> None:
    if not additions:
        return
    table = OfficeDailyStats
    # Sorted, so two writers (there should never be two) would lock rows in the same order.
    stmt = _insert(session, table).values(
        [
            {"office_id": office_id, "day": day, **asdict(increment)}
            for (office_id, day), increment in sorted(additions.items())
        ]
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["office_id", "day"],
            set_={name: getattr(table, name) + stmt.excluded[name] for name in COUNTERS},
        )
    )


# Queries ------------------------------------------------------------------------------------


def _counted(office_id: str | None = None, days: tuple[date, date] | None = None) -> Subquery:
    """Folded totals and facts not folded yet, as one set of rows to sum.

    Summed in a single statement, which reads one snapshot: a roll-up that commits meanwhile
    is seen entirely (facts gone, totals grown) or not at all, never half.
    """
    parts = []
    for model in (OfficeDailyStats, OfficeEventFact):
        conditions: list[ColumnElement[bool]] = []
        if office_id is not None:
            conditions.append(model.office_id == office_id)
        if days is not None:
            conditions.append(model.day.between(*days))
        parts.append(
            select(
                model.office_id,
                model.day,
                *(getattr(model, name).label(name) for name in COUNTERS),
            ).where(*conditions)
        )
    return union_all(*parts).subquery("counted")


def _sums(counted: Subquery) -> list[Any]:
    return [func.coalesce(func.sum(counted.c[name]), 0) for name in COUNTERS]


def office_counts(db: DatabaseAccess, office_id: str) -> OfficeCounts:
    """All-time totals for one office; an office with no events yet counts zero."""
    counted = _counted(office_id)
    with db.read() as session:
        row = session.execute(select(*_sums(counted))).one()
    return OfficeCounts(*(int(value) for value in row))


def office_daily(
    db: DatabaseAccess, office_id: str, days: int, today: date | None = None
) -> list[DailyCounts]:
    """The last `days` UTC days of one office, oldest first, ending today."""
    today = today or utcnow().date()
    counted = _counted(office_id, days_covered(today, days))
    with db.read() as session:
        rows = session.execute(select(counted.c.day, *_sums(counted)).group_by(counted.c.day))
        counts = [DailyCounts(day, *(int(value) for value in sums)) for day, *sums in rows]
    return daily_series(counts, today=today, days=days)


def caseload(db: DatabaseAccess, office_id: str) -> list[CaseworkerLoad]:
    """Caseworkers of one office holding cases now, busiest first, each under the name their
    latest assignment gave."""
    table = CaseAssignment
    held = (
        select(
            table.caseworker_id,
            table.caseworker_name.label("name"),
            func.count().over(partition_by=table.caseworker_id).label("open_cases"),
            func.row_number()
            .over(
                partition_by=table.caseworker_id,
                order_by=(table.assigned_at.desc(), table.case_id.desc()),
            )
            .label("recency"),
        )
        .where(table.office_id == office_id)
        .subquery("held")
    )
    with db.read() as session:
        rows = session.execute(
            select(held.c.caseworker_id, held.c.name, held.c.open_cases)
            .where(held.c.recency == 1)
            .order_by(held.c.open_cases.desc(), held.c.name, held.c.caseworker_id)
        )
        return [CaseworkerLoad(caseworker_id, name, int(n)) for caseworker_id, name, n in rows]


@dataclass(frozen=True)
class BusinessSnapshot:
    """What Prometheus is shown: totals per office and recent acknowledgement waits."""

    totals: dict[str, OfficeCounts]
    acknowledgement_times: list[AcknowledgementTimes]


def business_snapshot(db: DatabaseAccess, now: datetime | None = None) -> BusinessSnapshot:
    """Counts across every office, for operators: aggregate numbers only, no case content."""
    now = now or utcnow()
    counted = _counted()
    timing = AcknowledgementTiming
    waits: dict[str, list[float]] = defaultdict(list)
    with db.read() as session:
        totals = {
            office_id: OfficeCounts(*(int(value) for value in sums))
            for office_id, *sums in session.execute(
                select(counted.c.office_id, *_sums(counted))
                .group_by(counted.c.office_id)
                .order_by(counted.c.office_id)
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
