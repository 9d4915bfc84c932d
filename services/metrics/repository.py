"""Metrics' SQL: the repositories a unit of work opens for one office (counts, timings, case
holders; case lifecycles and outcomes are in `outcomes_repository.py`), the counts across
offices that the roll-up and the Prometheus collector read, and the statements they run,
built once.

No event handler updates a row shared with events about other submissions or cases: a counted
event appends one fact row, a timing, an assignment, a status change or a closure touches only
its own submission's or case's rows. Only the roll-up writes the daily totals, one roll-up at a
time, and a read sums totals and facts in one statement, so it sees a roll-up entirely or not
at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Subquery,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from services.chassis.db import UTCDateTime, insert_on_conflict
from services.chassis.uow import UnitOfWork
from services.metrics.domain.acknowledgements import AcknowledgedSubmission, SubmissionTiming
from services.metrics.domain.caseload import Assignment, CaseworkerLoad
from services.metrics.domain.office_stats import (
    COUNTERS,
    CountedEvent,
    DailyCounts,
    DailyIncrement,
    EventFact,
    OfficeCounts,
)
from services.metrics.domain.roll_up import DailyAddition
from services.metrics.models import (
    AcknowledgementTiming,
    Base,
    CaseAssignment,
    CaseLifecycle,
    OfficeDailyStats,
    OfficeEventFact,
    SatisfactionRating,
)
from services.metrics.office_repository import CaseFactsRepository, one_case
from services.metrics.outcomes_repository import SqlLifecycles, SqlOutcomes, SqlSatisfaction
from services.metrics.ports import (
    AssignmentsRepository,
    CountsAcrossOffices,
    CountsRepository,
    TimingsRepository,
)

# Any constant will do: advisory locks are per database, and this database is metrics' alone.
ROLL_UP_LOCK = 0x6D65_7472_6963_7301

# What each event writes, built once. The upserts are SQL text, which PostgreSQL and SQLite
# both read: SQLAlchemy 2.0 cannot cache the compiled form of a dialect INSERT ... ON CONFLICT,
# and compiling one per event cost more CPU than the rest of the handler.
_COUNT_EVENT = insert(Base.metadata.tables[OfficeEventFact.__tablename__])
# The timing upserts are `SubmissionTiming.merge` in one statement each, so events of the same
# submission handled at the same moment never lose each other's part.
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
_TIMING = select(
    AcknowledgementTiming.case_id,
    AcknowledgementTiming.received_at,
    AcknowledgementTiming.acknowledged_at,
).where(
    AcknowledgementTiming.office_id == bindparam("office_id"),
    AcknowledgementTiming.submission_id == bindparam("submission_id"),
)
_FIRST_ASSIGNMENT = text(
    """
    INSERT INTO case_assignments
        (office_id, case_id, caseworker_id, caseworker_name, assigned_at)
    VALUES (:office_id, :case_id, :caseworker_id, :caseworker_name, :assigned_at)
    ON CONFLICT (office_id, case_id) DO NOTHING
    """
).bindparams(bindparam("assigned_at", type_=UTCDateTime()))
# Only this case's assignments wait on its row, which stays locked until commit, so two of
# them never both read the same previous holder.
_HELD = (
    select(CaseAssignment.caseworker_id, CaseAssignment.caseworker_name, CaseAssignment.assigned_at)
    .where(one_case(CaseAssignment))
    .with_for_update()
)
_HOLD = text(
    """
    UPDATE case_assignments
    SET caseworker_id = :caseworker_id, caseworker_name = :caseworker_name,
        assigned_at = :assigned_at
    WHERE office_id = :office_id AND case_id = :case_id
    """
).bindparams(bindparam("assigned_at", type_=UTCDateTime()))
_TRY_ROLL_UP_LOCK = text("SELECT pg_try_advisory_xact_lock(:key)")


class MetricsUnitOfWork(UnitOfWork):
    """One office's transaction in metrics, with that office's repositories."""

    def open_repositories(self) -> None:
        self.counts = SqlCounts(self)
        self.timings = SqlTimings(self)
        self.assignments = SqlAssignments(self)
        self.lifecycles = SqlLifecycles(self)
        self.outcomes = SqlOutcomes(self)
        self.satisfaction = SqlSatisfaction(self)


class SqlCounts(CaseFactsRepository, CountsRepository):
    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self._uow = uow

    def count(self, fact: EventFact) -> None:
        """A new row, so workers counting events of the same office and day never wait for
        one another; a batch's events' rows go in one statement at its end (no handler reads
        the facts)."""
        self._uow.insert_later(
            _COUNT_EVENT,
            [{"office_id": self._office_id, "day": fact.day, **asdict(fact.increment)}],
        )

    def all_time(self) -> OfficeCounts:
        self._uow.write_held(_COUNT_EVENT)
        counted = _counted(self._office_id)
        row = self._session.execute(select(*_sums(counted))).one()
        return OfficeCounts(*(int(value) for value in row))

    def daily(self, first: date, last: date) -> list[DailyCounts]:
        self._uow.write_held(_COUNT_EVENT)
        counted = _counted(self._office_id, (first, last))
        rows = self._session.execute(select(counted.c.day, *_sums(counted)).group_by(counted.c.day))
        return [DailyCounts(day, *(int(value) for value in sums)) for day, *sums in rows]


class SqlTimings(CaseFactsRepository, TimingsRepository):
    def received(self, submission_id: str, received_at: datetime) -> None:
        self._session.execute(
            _RECEIVED,
            {
                "office_id": self._office_id,
                "submission_id": submission_id,
                "received_at": received_at,
            },
        )

    def case_opened(self, submission_id: str, case_id: str) -> None:
        self._session.execute(
            _CASE_OPENED,
            {"office_id": self._office_id, "submission_id": submission_id, "case_id": case_id},
        )

    def acknowledged(self, submission_id: str, case_id: str, acknowledged_at: datetime) -> None:
        self._session.execute(
            _ACKNOWLEDGED,
            {
                "office_id": self._office_id,
                "submission_id": submission_id,
                "case_id": case_id,
                "acknowledged_at": acknowledged_at,
            },
        )

    def get(self, submission_id: str) -> SubmissionTiming | None:
        row = self._session.execute(
            _TIMING, {"office_id": self._office_id, "submission_id": submission_id}
        ).first()
        if row is None:
            return None
        case_id, received_at, acknowledged_at = row
        return SubmissionTiming(submission_id, case_id, received_at, acknowledged_at)


class SqlAssignments(CaseFactsRepository, AssignmentsRepository):
    def hold_if_unassigned(self, case_id: str, assignment: Assignment) -> bool:
        return self._inserted(_FIRST_ASSIGNMENT, self._case_row(case_id, assignment))

    def held(self, case_id: str) -> Assignment:
        caseworker_id, name, assigned_at = self._session.execute(_HELD, self._case(case_id)).one()
        return Assignment(caseworker_id, name, assigned_at)

    def hold(self, case_id: str, assignment: Assignment) -> None:
        self._session.execute(_HOLD, self._case_row(case_id, assignment))

    def caseload(self) -> list[CaseworkerLoad]:
        table, lifecycle = CaseAssignment, CaseLifecycle
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
            .select_from(table)
            .outerjoin(
                lifecycle,
                and_(lifecycle.office_id == table.office_id, lifecycle.case_id == table.case_id),
            )
            # Held and not known to be finished: `domain.caseload.in_open_caseload`.
            .where(
                table.office_id == self._office_id,
                or_(lifecycle.finished.is_(None), lifecycle.finished.is_(False)),
            )
            .subquery("held")
        )
        rows = self._session.execute(
            select(held.c.caseworker_id, held.c.name, held.c.open_cases)
            .where(held.c.recency == 1)
            .order_by(held.c.open_cases.desc(), held.c.name, held.c.caseworker_id)
        )
        return [CaseworkerLoad(caseworker_id, name, int(n)) for caseworker_id, name, n in rows]

    def _case_row(self, case_id: str, assignment: Assignment) -> dict[str, Any]:
        return self._case(
            case_id,
            caseworker_id=assignment.caseworker_id,
            caseworker_name=assignment.caseworker_name,
            assigned_at=assignment.assigned_at,
        )


class SqlCountsAcrossOffices(CountsAcrossOffices):
    """Over a platform session (`db.platform_work()`): no tenant, every office's rows."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def try_lock_roll_up(self) -> bool:
        """On PostgreSQL a transaction-scoped advisory lock; SQLite has one writer anyway."""
        if self._session.get_bind().dialect.name != "postgresql":
            return True
        return bool(self._session.scalar(_TRY_ROLL_UP_LOCK, {"key": ROLL_UP_LOCK}))

    def take_facts(self, limit: int) -> list[CountedEvent]:
        """`DELETE ... RETURNING`: a fact committed meanwhile is left for the next batch,
        never lost, and no fact is taken twice."""
        fact = OfficeEventFact
        oldest = select(fact.id).order_by(fact.id).limit(limit)
        deleted = self._session.execute(
            delete(fact)
            .where(fact.id.in_(oldest))
            .returning(fact.office_id, fact.day, *(getattr(fact, name) for name in COUNTERS))
            .execution_options(synchronize_session=False)
        )
        return [
            CountedEvent(office_id, day, DailyIncrement(*counts))
            for office_id, day, *counts in deleted
        ]

    def add_to_totals(self, additions: Sequence[DailyAddition]) -> None:
        if not additions:
            return
        table = OfficeDailyStats
        dialect = self._session.get_bind().dialect.name
        stmt = insert_on_conflict(dialect, Base.metadata.tables[table.__tablename__]).values(
            [
                {"office_id": addition.office_id, "day": addition.day, **asdict(addition.increment)}
                for addition in additions
            ]
        )
        self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=["office_id", "day"],
                set_={name: getattr(table, name) + stmt.excluded[name] for name in COUNTERS},
            )
        )

    def totals_by_office(self) -> dict[str, OfficeCounts]:
        counted = _counted()
        return {
            office_id: OfficeCounts(*(int(value) for value in sums))
            for office_id, *sums in self._session.execute(
                select(counted.c.office_id, *_sums(counted))
                .group_by(counted.c.office_id)
                .order_by(counted.c.office_id)
            )
        }

    def acknowledged_since(self, since: datetime) -> list[AcknowledgedSubmission]:
        timing = AcknowledgementTiming
        rows = self._session.execute(
            select(timing.office_id, timing.received_at, timing.acknowledged_at).where(
                timing.acknowledged_at >= since, timing.received_at.is_not(None)
            )
        )
        return [AcknowledgedSubmission(*row) for row in rows]

    def ratings_by_office(self) -> dict[str, tuple[int, int]]:
        rating = SatisfactionRating
        rows = self._session.execute(
            select(rating.office_id, func.count(), func.sum(rating.rating))
            .group_by(rating.office_id)
            .order_by(rating.office_id)
        )
        return {office_id: (int(n), int(total)) for office_id, n, total in rows}

    def commit(self) -> None:
        self._session.commit()


def _counted(office_id: str | None = None, days: tuple[date, date] | None = None) -> Subquery:
    """Folded totals and facts not folded yet, as one set of rows to sum (of one office, or of
    every office for platform work).

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
