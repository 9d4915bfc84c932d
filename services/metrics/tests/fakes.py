"""Metrics' repositories without a database, for handler tests that run in milliseconds.

They keep the same rules as the SQL ones (`SubmissionTiming.merge`, facts plus folded totals)
over `FakeDatabase.rows`: `facts` (every office's counted events, oldest first), `totals`
(folded, per office and day), `timings`, `holders`, `statuses`, `outcomes` and `ratings` (per
office and submission or case). The caseload and the office's report are the domain's own
functions over those rows, so the SQL repositories' tests compare against the rule itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, TypeVar

from services.chassis.fakes import FakeDatabase, FakeUnitOfWork
from services.metrics.domain.acknowledgements import AcknowledgedSubmission, SubmissionTiming
from services.metrics.domain.caseload import Assignment, CaseStatus, CaseworkerLoad, caseloads
from services.metrics.domain.office_stats import (
    CountedEvent,
    DailyCounts,
    DailyIncrement,
    EventFact,
    OfficeCounts,
)
from services.metrics.domain.outcomes import Closure, OfficeOutcomes, summarise_outcomes
from services.metrics.domain.roll_up import DailyAddition
from services.metrics.domain.satisfaction import Rating, Satisfaction, summarise_ratings


class MetricsRows:
    """What the fake repositories share, like the tables of one metrics database."""

    def __init__(self) -> None:
        self.facts: list[CountedEvent] = []
        self.totals: dict[tuple[str, date], DailyIncrement] = {}
        self.timings: dict[tuple[str, str], SubmissionTiming] = {}
        self.holders: dict[tuple[str, str], Assignment] = {}
        self.statuses: dict[tuple[str, str], CaseStatus] = {}
        self.outcomes: dict[tuple[str, str], Closure] = {}
        self.ratings: dict[tuple[str, str], Rating] = {}
        self.roll_up_running = False

    def counted(self, office_id: str) -> Iterator[tuple[date, DailyIncrement]]:
        """Folded totals and facts not folded yet, of one office."""
        for (office, day), increment in self.totals.items():
            if office == office_id:
                yield day, increment
        for fact in self.facts:
            if fact.office_id == office_id:
                yield fact.day, fact.increment

    def offices(self) -> list[str]:
        return sorted({office for office, _ in self.totals} | {f.office_id for f in self.facts})


def _sum(increments: Sequence[DailyIncrement]) -> DailyIncrement:
    total = DailyIncrement()
    for increment in increments:
        total += increment
    return total


class FakeCounts:
    def __init__(self, rows: MetricsRows, office_id: str) -> None:
        self._rows = rows
        self._office_id = office_id

    def count(self, fact: EventFact) -> None:
        self._rows.facts.append(CountedEvent(self._office_id, fact.day, fact.increment))

    def all_time(self) -> OfficeCounts:
        total = _sum([increment for _, increment in self._rows.counted(self._office_id)])
        return OfficeCounts(**asdict(total))

    def daily(self, first: date, last: date) -> list[DailyCounts]:
        by_day: dict[date, list[DailyIncrement]] = {}
        for day, increment in self._rows.counted(self._office_id):
            if first <= day <= last:
                by_day.setdefault(day, []).append(increment)
        return [DailyCounts(day, **asdict(_sum(increments))) for day, increments in by_day.items()]


class FakeTimings:
    def __init__(self, rows: MetricsRows, office_id: str) -> None:
        self._rows = rows
        self._office_id = office_id

    def received(self, submission_id: str, received_at: datetime) -> None:
        self._merge(SubmissionTiming(submission_id, received_at=received_at))

    def case_opened(self, submission_id: str, case_id: str) -> None:
        self._merge(SubmissionTiming(submission_id, case_id=case_id))

    def acknowledged(self, submission_id: str, case_id: str, acknowledged_at: datetime) -> None:
        self._merge(SubmissionTiming(submission_id, case_id, acknowledged_at=acknowledged_at))

    def get(self, submission_id: str) -> SubmissionTiming | None:
        return self._rows.timings.get((self._office_id, submission_id))

    def _merge(self, told: SubmissionTiming) -> None:
        key = (self._office_id, told.submission_id)
        known = self._rows.timings.get(key)
        self._rows.timings[key] = told if known is None else known.merge(told)


class FakeAssignments:
    def __init__(self, rows: MetricsRows, office_id: str) -> None:
        self._rows = rows
        self._office_id = office_id

    def hold_if_unassigned(self, case_id: str, assignment: Assignment) -> bool:
        if (self._office_id, case_id) in self._rows.holders:
            return False
        self._rows.holders[(self._office_id, case_id)] = assignment
        return True

    def held(self, case_id: str) -> Assignment:
        return self._rows.holders[(self._office_id, case_id)]

    def hold(self, case_id: str, assignment: Assignment) -> None:
        self._rows.holders[(self._office_id, case_id)] = assignment

    def caseload(self) -> list[CaseworkerLoad]:
        return caseloads(
            _of_office(self._rows.holders, self._office_id),
            _of_office(self._rows.statuses, self._office_id),
        )


class FakeLifecycles:
    def __init__(self, rows: MetricsRows, office_id: str) -> None:
        self._rows = rows
        self._office_id = office_id

    def record_if_unknown(self, case_id: str, status: CaseStatus) -> bool:
        if (self._office_id, case_id) in self._rows.statuses:
            return False
        self._rows.statuses[(self._office_id, case_id)] = status
        return True

    def known(self, case_id: str) -> CaseStatus:
        return self._rows.statuses[(self._office_id, case_id)]

    def record(self, case_id: str, status: CaseStatus) -> None:
        self._rows.statuses[(self._office_id, case_id)] = status


class FakeOutcomes:
    def __init__(self, rows: MetricsRows, office_id: str) -> None:
        self._rows = rows
        self._office_id = office_id

    def record_if_unknown(self, case_id: str, closure: Closure) -> bool:
        if (self._office_id, case_id) in self._rows.outcomes:
            return False
        self._rows.outcomes[(self._office_id, case_id)] = closure
        return True

    def known(self, case_id: str) -> Closure:
        return self._rows.outcomes[(self._office_id, case_id)]

    def record(self, case_id: str, closure: Closure) -> None:
        self._rows.outcomes[(self._office_id, case_id)] = closure

    def report(self) -> OfficeOutcomes:
        return summarise_outcomes(_of_office(self._rows.outcomes, self._office_id).values())


V = TypeVar("V")


class FakeSatisfaction:
    def __init__(self, rows: MetricsRows, office_id: str) -> None:
        self._rows = rows
        self._office_id = office_id

    def record_if_unknown(self, case_id: str, rating: Rating) -> bool:
        if (self._office_id, case_id) in self._rows.ratings:
            return False
        self._rows.ratings[(self._office_id, case_id)] = rating
        return True

    def known(self, case_id: str) -> Rating:
        return self._rows.ratings[(self._office_id, case_id)]

    def record(self, case_id: str, rating: Rating) -> None:
        self._rows.ratings[(self._office_id, case_id)] = rating

    def report(self) -> Satisfaction:
        return summarise_ratings(_of_office(self._rows.ratings, self._office_id).values())


def _of_office(rows: dict[tuple[str, str], V], office_id: str) -> dict[str, V]:
    """One office's rows, by case id."""
    return {case_id: row for (office, case_id), row in rows.items() if office == office_id}


class FakeMetricsUnitOfWork(FakeUnitOfWork):
    def open_repositories(self) -> None:
        rows = self.database.rows.setdefault("metrics", MetricsRows())
        self.counts = FakeCounts(rows, self.office_id)
        self.timings = FakeTimings(rows, self.office_id)
        self.assignments = FakeAssignments(rows, self.office_id)
        self.lifecycles = FakeLifecycles(rows, self.office_id)
        self.outcomes = FakeOutcomes(rows, self.office_id)
        self.satisfaction = FakeSatisfaction(rows, self.office_id)


class FakeCountsAcrossOffices:
    """Over the `MetricsRows` a `FakeMetricsDatabase.platform_work()` hands out."""

    def __init__(self, rows: MetricsRows) -> None:
        self._rows = rows
        self.commits = 0

    def try_lock_roll_up(self) -> bool:
        return not self._rows.roll_up_running

    def take_facts(self, limit: int) -> list[CountedEvent]:
        taken, self._rows.facts = self._rows.facts[:limit], self._rows.facts[limit:]
        return taken

    def add_to_totals(self, additions: Sequence[DailyAddition]) -> None:
        for addition in additions:
            key = (addition.office_id, addition.day)
            self._rows.totals[key] = (
                self._rows.totals.get(key, DailyIncrement()) + addition.increment
            )

    def totals_by_office(self) -> dict[str, OfficeCounts]:
        return {
            office_id: FakeCounts(self._rows, office_id).all_time()
            for office_id in self._rows.offices()
        }

    def acknowledged_since(self, since: datetime) -> list[AcknowledgedSubmission]:
        return [
            AcknowledgedSubmission(office_id, timing.received_at, timing.acknowledged_at)
            for (office_id, _), timing in self._rows.timings.items()
            if timing.received_at is not None
            and timing.acknowledged_at is not None
            and timing.acknowledged_at >= since
        ]

    def ratings_by_office(self) -> dict[str, tuple[int, int]]:
        sums: dict[str, tuple[int, int]] = {}
        for (office_id, _), rating in sorted(self._rows.ratings.items()):
            n, total = sums.get(office_id, (0, 0))
            sums[office_id] = (n + 1, total + rating.rating)
        return sums

    def commit(self) -> None:
        self.commits += 1


class FakeMetricsDatabase(FakeDatabase[FakeMetricsUnitOfWork]):
    """A fake metrics database: units of work for one office, and platform work over all."""

    def __init__(self) -> None:
        super().__init__(FakeMetricsUnitOfWork, service="metrics")
        self.metrics = self.rows.setdefault("metrics", MetricsRows())

    @contextmanager
    def platform_work(self) -> Iterator[Any]:
        yield self.metrics
