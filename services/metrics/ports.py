"""What metrics' service layer needs from storage, as protocols: the repositories a metrics unit
of work opens for one office (counts, timings, case holders, case lifecycles, case outcomes,
satisfaction ratings),
the cross-office counts the roll-up and the Prometheus collector use, and the databases that
hand them out. `repository.py` satisfies them with SQL, `tests/fakes.py` with lists and dicts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any, Protocol

from services.metrics.domain.acknowledgements import AcknowledgedSubmission, SubmissionTiming
from services.metrics.domain.caseload import Assignment, CaseStatus, CaseworkerLoad
from services.metrics.domain.office_stats import (
    CountedEvent,
    DailyCounts,
    EventFact,
    OfficeCounts,
)
from services.metrics.domain.outcomes import Closure, OfficeOutcomes
from services.metrics.domain.roll_up import DailyAddition
from services.metrics.domain.satisfaction import Rating, Satisfaction


class CountsRepository(Protocol):
    """One office's counts: facts appended by events plus the totals the roll-up folded."""

    def count(self, fact: EventFact) -> None: ...

    def all_time(self) -> OfficeCounts: ...

    def daily(self, first: date, last: date) -> list[DailyCounts]:
        """Days between `first` and `last` that have counts, in any order."""
        ...


class TimingsRepository(Protocol):
    """One office's submission timings, merged as `SubmissionTiming.merge` says."""

    def received(self, submission_id: str, received_at: datetime) -> None: ...

    def case_opened(self, submission_id: str, case_id: str) -> None: ...

    def acknowledged(self, submission_id: str, case_id: str, acknowledged_at: datetime) -> None: ...

    def get(self, submission_id: str) -> SubmissionTiming | None: ...


class AssignmentsRepository(Protocol):
    """Who holds each case of one office."""

    def hold_if_unassigned(self, case_id: str, assignment: Assignment) -> bool:
        """Give a case never assigned its holder; False (and nothing written) if it has one."""
        ...

    def held(self, case_id: str) -> Assignment:
        """The case's holder, locked against other assignments of it until commit."""
        ...

    def hold(self, case_id: str, assignment: Assignment) -> None: ...

    def caseload(self) -> list[CaseworkerLoad]:
        """Caseworkers holding cases not known to be finished, busiest first, then by name and
        id (`domain.caseload.caseloads`)."""
        ...


class LifecyclesRepository(Protocol):
    """Where each case of one office stands, as its latest status change told."""

    def record_if_unknown(self, case_id: str, status: CaseStatus) -> bool:
        """Record where a case never heard of stands; False (and nothing written) if known."""
        ...

    def known(self, case_id: str) -> CaseStatus:
        """Where the case stands, locked against other changes of it until commit."""
        ...

    def record(self, case_id: str, status: CaseStatus) -> None: ...


class OutcomesRepository(Protocol):
    """Each closed case's latest outcome, of one office, and the office's report from them."""

    def record_if_unknown(self, case_id: str, closure: Closure) -> bool:
        """Record a case's first closure; False (and nothing written) if it has an outcome."""
        ...

    def known(self, case_id: str) -> Closure:
        """The case's outcome, locked against other closures of it until commit."""
        ...

    def record(self, case_id: str, closure: Closure) -> None:
        """Replace the case's outcome, what was obtained included."""
        ...

    def report(self) -> OfficeOutcomes: ...


class SatisfactionRepository(Protocol):
    """Each rated case's latest rating (the rule: `domain/satisfaction.py`)."""

    def record_if_unknown(self, case_id: str, rating: Rating) -> bool:
        """Record a case's first rating; False if the case has one already."""
        ...

    def known(self, case_id: str) -> Rating:
        """The case's rating, held until the unit of work ends."""
        ...

    def record(self, case_id: str, rating: Rating) -> None: ...

    def report(self) -> Satisfaction: ...


class MetricsWork(Protocol):
    """A metrics unit of work, real or fake: its office's repositories."""

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the work has committed (process counters)."""
        ...

    @property
    def counts(self) -> CountsRepository: ...

    @property
    def timings(self) -> TimingsRepository: ...

    @property
    def assignments(self) -> AssignmentsRepository: ...

    @property
    def lifecycles(self) -> LifecyclesRepository: ...

    @property
    def outcomes(self) -> OutcomesRepository: ...

    @property
    def satisfaction(self) -> SatisfactionRepository: ...


class CountsAcrossOffices(Protocol):
    """Every office's counts at once: for the roll-up and the operators' series only."""

    def try_lock_roll_up(self) -> bool:
        """Become the one roll-up running until commit; False if another instance is."""
        ...

    def take_facts(self, limit: int) -> list[CountedEvent]:
        """Remove the oldest facts, up to `limit`, and return exactly those removed."""
        ...

    def add_to_totals(self, additions: Sequence[DailyAddition]) -> None: ...

    def totals_by_office(self) -> dict[str, OfficeCounts]:
        """Every office's all-time counts, offices in order."""
        ...

    def acknowledged_since(self, since: datetime) -> list[AcknowledgedSubmission]:
        """Submissions received and acknowledged at or after `since`."""
        ...

    def ratings_by_office(self) -> dict[str, tuple[int, int]]:
        """Every office's rated cases and the sum of their ratings, offices in order."""
        ...

    def commit(self) -> None: ...


class OfficeDatabase(Protocol):
    """Opens a unit of work for one office (a chassis `DatabaseAccess` or a fake)."""

    def unit_of_work(self, *, office_id: str) -> AbstractContextManager[MetricsWork]: ...


class PlatformDatabase(Protocol):
    """Opens work that spans offices (a chassis `DatabaseAccess` or a fake)."""

    def platform_work(self) -> AbstractContextManager[Any]: ...
