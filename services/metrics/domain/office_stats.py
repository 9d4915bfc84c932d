"""Per-office daily counters: which counter each event moves, on which day, how counted events
fold into daily totals, and the series a dashboard draws from them. A closure's fact is built
by `domain.outcomes.closure_fact`: it also carries how long the case was open."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta

# The longest series: the limit the RPC contract puts on what a dashboard may ask for.
from services.contracts.rpc.metrics import MAX_DAYS


@dataclass(frozen=True)
class DailyIncrement:
    """What one event, or several folded together, add to an office's total for the day."""

    received: int = 0
    opened: int = 0
    assigned: int = 0
    acknowledged: int = 0
    # Every closure of a case (a case closed, reopened and closed again counts twice), and the
    # seconds those cases had been open: Prometheus' time-to-close sum, per office.
    closures: int = 0
    seconds_to_close: int = 0

    def __add__(self, other: DailyIncrement) -> DailyIncrement:
        return DailyIncrement(*(getattr(self, name) + getattr(other, name) for name in COUNTERS))


COUNTERS = tuple(counter.name for counter in fields(DailyIncrement))


# Keyed by event type so the rule reads in one place; the handlers look their event up here.
INCREMENTS: dict[str, DailyIncrement] = {
    "intake.submission_received": DailyIncrement(received=1),
    "cases.case_opened": DailyIncrement(opened=1),
    "cases.case_assigned": DailyIncrement(assigned=1),
    "notify.acknowledgement_sent": DailyIncrement(acknowledged=1),
}


def increment_for(event_type: str) -> DailyIncrement:
    try:
        return INCREMENTS[event_type]
    except KeyError:
        raise ValueError(f"{event_type} moves no daily counter") from None


@dataclass(frozen=True)
class EventFact:
    """What one event adds to its office's count, and on which UTC day: appended as it is
    handled, never updated, until a roll-up folds it into the daily totals."""

    day: date
    increment: DailyIncrement


def fact_for(event_type: str, occurred_at: datetime) -> EventFact:
    """An event counts once, on the UTC day it happened, in the counter of its type."""
    return EventFact(stats_day(occurred_at), increment_for(event_type))


@dataclass(frozen=True)
class CountedEvent:
    """One event as its office's count for the day remembers it until it is folded."""

    office_id: str
    day: date
    increment: DailyIncrement


def fold(events: Iterable[CountedEvent]) -> dict[tuple[str, date], DailyIncrement]:
    """What the events add to each office's total for each day; offices and days without events
    are absent, so nothing is written for them."""
    totals: dict[tuple[str, date], DailyIncrement] = {}
    for event in events:
        key = (event.office_id, event.day)
        totals[key] = totals.get(key, DailyIncrement()) + event.increment
    return totals


@dataclass(frozen=True)
class OfficeCounts(DailyIncrement):
    """An office's totals: every day's counters added up."""


@dataclass(frozen=True)
class DailyCounts:
    day: date
    received: int = 0
    opened: int = 0
    assigned: int = 0
    acknowledged: int = 0
    closures: int = 0
    seconds_to_close: int = 0


def stats_day(occurred_at: datetime) -> date:
    """An event counts on the UTC date it happened, whatever zone its timestamp was written in."""
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must carry a time zone")
    return occurred_at.astimezone(UTC).date()


def days_covered(today: date, days: int) -> tuple[date, date]:
    """First and last day of a `days`-long window ending today."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    return today - timedelta(days=days - 1), today


def daily_series(counts: Iterable[DailyCounts], *, today: date, days: int) -> list[DailyCounts]:
    """One entry per day, oldest first and ending today; a day without events counts zero."""
    first, last = days_covered(today, days)
    by_day = {entry.day: entry for entry in counts if first <= entry.day <= last}
    series = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        series.append(by_day.get(day, DailyCounts(day)))
    return series
