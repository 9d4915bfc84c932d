"""What an office achieved: each case's outcome as its latest closure told it, and the office's
report built from them (cases closed by result and by what was obtained, money recovered per
currency, median time to close).

An office reports cases, not closings: a case closed, reopened and closed again counts once,
with the outcome of its latest closure (closures delivered out of order: the latest still
wins). The daily counters count every closure instead (`closure_fact`), for Prometheus.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from services.metrics.domain.acknowledgements import nearest_rank
from services.metrics.domain.caseload import CaseStatus
from services.metrics.domain.office_stats import DailyIncrement, EventFact, stats_day

SECONDS_PER_DAY = 86_400
CLOSED = "closed"


@dataclass(frozen=True)
class Closure:
    """One closure of a case: its structured outcome and when the case opened and closed.
    No free text, no constituent: results and amounts only."""

    result: str
    obtained: tuple[str, ...]
    amount_minor: int | None
    currency: str | None
    opened_at: datetime
    closed_at: datetime

    def __post_init__(self) -> None:
        # One order whatever the producer's, so equal outcomes compare equal.
        object.__setattr__(self, "obtained", tuple(sorted(set(self.obtained))))

    @property
    def day(self) -> date:
        """A closure counts on the UTC day the case was closed."""
        return stats_day(self.closed_at)

    @property
    def status(self) -> CaseStatus:
        """Where the closure left the case: closed, since it closed. Cases also tells it as a
        status change; both say the same, and whichever arrives first, the later change wins."""
        return CaseStatus(CLOSED, self.closed_at)

    @property
    def seconds_to_close(self) -> int:
        """Clamped at zero: services' clocks differ a little, and a case is never closed before
        it opened."""
        return max(0, int((self.closed_at - self.opened_at).total_seconds()))

    @property
    def money(self) -> MoneyRecovered | None:
        """Money recovered for the constituent, if the closure names both amount and currency
        and the amount is not nothing."""
        if self.amount_minor and self.currency:
            return MoneyRecovered(self.currency, self.amount_minor)
        return None

    def supersedes(self, other: Closure) -> bool:
        """The later closure wins; a tie is broken by the outcome itself (arbitrary, but the
        same whichever is delivered first)."""
        return self._order() > other._order()

    def _order(self) -> tuple[datetime, str, tuple[str, ...], int, str]:
        return (
            self.closed_at,
            self.result,
            self.obtained,
            -1 if self.amount_minor is None else self.amount_minor,
            self.currency or "",
        )


def record_closure(current: Closure | None, incoming: Closure) -> Closure:
    """A case's outcome once `incoming` is applied to the one known (None: never closed). An
    older closure, or the same one again, changes nothing."""
    if current is None or incoming.supersedes(current):
        return incoming
    return current


def closure_fact(closure: Closure) -> EventFact:
    """What one closure adds to its office's daily counters: one closure, and how long the case
    had been open."""
    return EventFact(
        closure.day, DailyIncrement(closures=1, seconds_to_close=closure.seconds_to_close)
    )


@dataclass(frozen=True, order=True)
class MoneyRecovered:
    currency: str
    amount_minor: int


@dataclass(frozen=True)
class OfficeOutcomes:
    """An office's cases closed (each once, by its latest closure) and what they achieved."""

    closed: int = 0
    closed_by_result: dict[str, int] = field(default_factory=dict)
    obtained: dict[str, int] = field(default_factory=dict)
    money_recovered: tuple[MoneyRecovered, ...] = ()
    median_days_to_close: float | None = None


def median_rank(closed: int) -> int:
    """The 1-based rank of the median time to close among `closed` cases (nearest rank, so it
    is a time some case really took); 0 when none was closed."""
    return nearest_rank(closed, 0.5) if closed else 0


def days(seconds: float) -> float:
    """Seconds as days, to a hundredth of a day (about a quarter of an hour)."""
    return round(seconds / SECONDS_PER_DAY, 2)


def summarise_outcomes(closures: Iterable[Closure]) -> OfficeOutcomes:
    """The report of an office from its cases' outcomes (one per case): what the SQL
    repository computes in the database, for fakes and tests."""
    outcomes = list(closures)
    by_result: dict[str, int] = {}
    obtained: dict[str, int] = {}
    money: dict[str, int] = {}
    for closure in outcomes:
        by_result[closure.result] = by_result.get(closure.result, 0) + 1
        for thing in closure.obtained:
            obtained[thing] = obtained.get(thing, 0) + 1
        if (recovered := closure.money) is not None:
            money[recovered.currency] = money.get(recovered.currency, 0) + recovered.amount_minor
    waits = sorted(closure.seconds_to_close for closure in outcomes)
    return OfficeOutcomes(
        closed=len(outcomes),
        closed_by_result=dict(sorted(by_result.items())),
        obtained=dict(sorted(obtained.items())),
        money_recovered=tuple(MoneyRecovered(c, a) for c, a in sorted(money.items())),
        median_days_to_close=days(waits[median_rank(len(waits)) - 1]) if waits else None,
    )
