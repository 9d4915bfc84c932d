"""Per-office daily counters: which counter each event moves, on which day, and the series a
dashboard draws from them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

MAX_DAYS = 366


@dataclass(frozen=True)
class DailyIncrement:
    """What one event adds to its office's row for the day."""

    received: int = 0
    opened: int = 0
    assigned: int = 0
    acknowledged: int = 0


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
class OfficeCounts:
    received: int = 0
    opened: int = 0
    assigned: int = 0
    acknowledged: int = 0


@dataclass(frozen=True)
class DailyCounts:
    day: date
    received: int = 0
    opened: int = 0
    assigned: int = 0
    acknowledged: int = 0


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
