"""Metrics' SQL for what happens to a case after it is opened: its lifecycle (the latest
status change, which decides whether it counts in its holder's load), its outcome (the latest
closure, which the office's report of what it achieved counts) and its constituent's latest
satisfaction rating, and the statements they run, built once. Like every metrics write, each
touches only its own case's rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Date, bindparam, delete, func, insert, select, text

from services.chassis.db import UTCDateTime
from services.metrics.domain.caseload import CaseStatus
from services.metrics.domain.outcomes import (
    Closure,
    MoneyRecovered,
    OfficeOutcomes,
    days,
    median_rank,
)
from services.metrics.domain.satisfaction import Rating, Satisfaction, summarise
from services.metrics.models import (
    Base,
    CaseLifecycle,
    CaseOutcome,
    CaseOutcomeObtained,
    SatisfactionRating,
)
from services.metrics.office_repository import CaseFactsRepository, one_case
from services.metrics.ports import (
    LifecyclesRepository,
    OutcomesRepository,
    SatisfactionRepository,
)

# A case's lifecycle and outcome follow the assignments' pattern: the first is one insert; a
# later one locks the case's row, and the domain's rule says which wins.
_FIRST_STATUS = text(
    """
    INSERT INTO case_lifecycles (office_id, case_id, status, finished, changed_at)
    VALUES (:office_id, :case_id, :status, :finished, :changed_at)
    ON CONFLICT (office_id, case_id) DO NOTHING
    """
).bindparams(bindparam("finished", type_=Boolean()), bindparam("changed_at", type_=UTCDateTime()))
_STATUS = (
    select(CaseLifecycle.status, CaseLifecycle.changed_at)
    .where(one_case(CaseLifecycle))
    .with_for_update()
)
_RECORD_STATUS = text(
    """
    UPDATE case_lifecycles
    SET status = :status, finished = :finished, changed_at = :changed_at
    WHERE office_id = :office_id AND case_id = :case_id
    """
).bindparams(bindparam("finished", type_=Boolean()), bindparam("changed_at", type_=UTCDateTime()))
_FIRST_OUTCOME = text(
    """
    INSERT INTO case_outcomes (office_id, case_id, result, amount_minor, currency, opened_at,
                               closed_at, day, seconds_to_close)
    VALUES (:office_id, :case_id, :result, :amount_minor, :currency, :opened_at, :closed_at,
            :day, :seconds_to_close)
    ON CONFLICT (office_id, case_id) DO NOTHING
    """
).bindparams(
    bindparam("opened_at", type_=UTCDateTime()),
    bindparam("closed_at", type_=UTCDateTime()),
    bindparam("day", type_=Date()),
)
_OUTCOME = (
    select(
        CaseOutcome.result,
        CaseOutcome.amount_minor,
        CaseOutcome.currency,
        CaseOutcome.opened_at,
        CaseOutcome.closed_at,
    )
    .where(one_case(CaseOutcome))
    .with_for_update()
)
_OBTAINED = select(CaseOutcomeObtained.obtained).where(one_case(CaseOutcomeObtained))
_RECORD_OUTCOME = text(
    """
    UPDATE case_outcomes
    SET result = :result, amount_minor = :amount_minor, currency = :currency,
        opened_at = :opened_at, closed_at = :closed_at, day = :day,
        seconds_to_close = :seconds_to_close
    WHERE office_id = :office_id AND case_id = :case_id
    """
).bindparams(
    bindparam("opened_at", type_=UTCDateTime()),
    bindparam("closed_at", type_=UTCDateTime()),
    bindparam("day", type_=Date()),
)
_FORGET_OBTAINED = delete(CaseOutcomeObtained).where(one_case(CaseOutcomeObtained))
_OBTAIN = insert(Base.metadata.tables[CaseOutcomeObtained.__tablename__])
_IN_OFFICE = CaseOutcome.office_id == bindparam("office_id")
_CLOSED_BY_RESULT = (
    select(CaseOutcome.result, func.count()).where(_IN_OFFICE).group_by(CaseOutcome.result)
)
_OBTAINED_COUNTS = (
    select(CaseOutcomeObtained.obtained, func.count())
    .where(CaseOutcomeObtained.office_id == bindparam("office_id"))
    .group_by(CaseOutcomeObtained.obtained)
)
_MONEY_RECOVERED = (
    select(CaseOutcome.currency, func.sum(CaseOutcome.amount_minor))
    .where(_IN_OFFICE, CaseOutcome.amount_minor > 0, CaseOutcome.currency.is_not(None))
    .group_by(CaseOutcome.currency)
    .order_by(CaseOutcome.currency)
)
# The median by rank, along the (office_id, seconds_to_close) index: one row read, not all.
_TIMES_TO_CLOSE = (
    select(CaseOutcome.seconds_to_close)
    .where(_IN_OFFICE)
    .order_by(CaseOutcome.seconds_to_close)
    .limit(1)
)
_FIRST_RATING = text(
    """
    INSERT INTO satisfaction_ratings (office_id, case_id, rating, rated_at)
    VALUES (:office_id, :case_id, :rating, :rated_at)
    ON CONFLICT (office_id, case_id) DO NOTHING
    """
).bindparams(bindparam("rated_at", type_=UTCDateTime()))
_RATING = (
    select(SatisfactionRating.rating, SatisfactionRating.rated_at)
    .where(one_case(SatisfactionRating))
    .with_for_update()
)
_RECORD_RATING = text(
    """
    UPDATE satisfaction_ratings SET rating = :rating, rated_at = :rated_at
    WHERE office_id = :office_id AND case_id = :case_id
    """
).bindparams(bindparam("rated_at", type_=UTCDateTime()))
_RATINGS_BY_VALUE = (
    select(SatisfactionRating.rating, func.count())
    .where(SatisfactionRating.office_id == bindparam("office_id"))
    .group_by(SatisfactionRating.rating)
)


class SqlLifecycles(CaseFactsRepository, LifecyclesRepository):
    def record_if_unknown(self, case_id: str, status: CaseStatus) -> bool:
        return self._inserted(_FIRST_STATUS, self._case_row(case_id, status))

    def known(self, case_id: str) -> CaseStatus:
        status, changed_at = self._session.execute(_STATUS, self._case(case_id)).one()
        return CaseStatus(status, changed_at)

    def record(self, case_id: str, status: CaseStatus) -> None:
        self._session.execute(_RECORD_STATUS, self._case_row(case_id, status))

    def _case_row(self, case_id: str, status: CaseStatus) -> dict[str, Any]:
        return self._case(
            case_id, status=status.status, finished=status.finished, changed_at=status.changed_at
        )


class SqlOutcomes(CaseFactsRepository, OutcomesRepository):
    def record_if_unknown(self, case_id: str, closure: Closure) -> bool:
        if not self._inserted(_FIRST_OUTCOME, self._case_row(case_id, closure)):
            return False
        self._obtain(case_id, closure)
        return True

    def known(self, case_id: str) -> Closure:
        case = self._case(case_id)
        result, amount_minor, currency, opened_at, closed_at = self._session.execute(
            _OUTCOME, case
        ).one()
        obtained = tuple(self._session.scalars(_OBTAINED, case))
        return Closure(result, obtained, amount_minor, currency, opened_at, closed_at)

    def record(self, case_id: str, closure: Closure) -> None:
        self._session.execute(_RECORD_OUTCOME, self._case_row(case_id, closure))
        self._session.execute(_FORGET_OBTAINED, self._case(case_id))
        self._obtain(case_id, closure)

    def report(self) -> OfficeOutcomes:
        office = {"office_id": self._office_id}
        by_result = {
            result: int(n) for result, n in self._session.execute(_CLOSED_BY_RESULT, office)
        }
        closed = sum(by_result.values())
        median = None
        if closed:
            seconds = self._session.scalar(_TIMES_TO_CLOSE.offset(median_rank(closed) - 1), office)
            median = None if seconds is None else days(seconds)
        return OfficeOutcomes(
            closed=closed,
            closed_by_result=dict(sorted(by_result.items())),
            obtained={
                obtained: int(n)
                for obtained, n in sorted(self._session.execute(_OBTAINED_COUNTS, office).all())
            },
            money_recovered=tuple(
                MoneyRecovered(currency, int(amount))
                for currency, amount in self._session.execute(_MONEY_RECOVERED, office)
            ),
            median_days_to_close=median,
        )

    def _obtain(self, case_id: str, closure: Closure) -> None:
        if closure.obtained:
            self._session.execute(
                _OBTAIN,
                [self._case(case_id, obtained=obtained) for obtained in closure.obtained],
            )

    def _case_row(self, case_id: str, closure: Closure) -> dict[str, Any]:
        return self._case(
            case_id,
            result=closure.result,
            amount_minor=closure.amount_minor,
            currency=closure.currency,
            opened_at=closure.opened_at,
            closed_at=closure.closed_at,
            day=closure.day,
            seconds_to_close=closure.seconds_to_close,
        )


class SqlSatisfaction(CaseFactsRepository, SatisfactionRepository):
    def record_if_unknown(self, case_id: str, rating: Rating) -> bool:
        return self._inserted(_FIRST_RATING, self._case_row(case_id, rating))

    def known(self, case_id: str) -> Rating:
        rating, rated_at = self._session.execute(_RATING, self._case(case_id)).one()
        return Rating(int(rating), rated_at)

    def record(self, case_id: str, rating: Rating) -> None:
        self._session.execute(_RECORD_RATING, self._case_row(case_id, rating))

    def report(self) -> Satisfaction:
        counts = self._session.execute(_RATINGS_BY_VALUE, {"office_id": self._office_id})
        return summarise({int(rating): int(n) for rating, n in counts})

    def _case_row(self, case_id: str, rating: Rating) -> dict[str, Any]:
        return self._case(case_id, rating=rating.rating, rated_at=rating.rated_at)
