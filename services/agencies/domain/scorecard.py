"""The agency scorecard: per agency, how many letters went, how many were answered and how
late, and how long a final answer takes in business days (the median and the 90th
percentile), so an office knows whom to chase and what to tell constituents."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from services.agencies.domain.clock import HolidayCalendar, business_days_between


@dataclass(frozen=True)
class InquiryFacts:
    """What the scorecard needs of one sent inquiry (withdrawn ones are left out by the
    caller: they say nothing about the agency). `overdue`: it ever reached its due date
    without a final reply."""

    agency_code: str
    agency_name: str
    sent_on: date
    final_reply_on: date | None
    due_on: date
    overdue: bool = False

    def was_late(self, today: date) -> bool:
        """Overdue at some point: flagged by the overdue scan, answered after the due date,
        or still unanswered past it (the scan may not have run yet)."""
        return self.overdue or (self.final_reply_on or today) > self.due_on


@dataclass(frozen=True)
class ScorecardLine:
    """One agency's row. `overdue_rate` is overdue / sent; the percentiles are of the
    business days from sending to the final reply, over answered letters only (None when
    none is answered)."""

    agency_code: str
    agency_name: str
    sent: int
    answered: int
    open: int
    overdue: int
    overdue_rate: float | None
    p50_business_days: float | None
    p90_business_days: float | None


def scorecard(
    facts: Iterable[InquiryFacts], calendar: HolidayCalendar, today: date
) -> list[ScorecardLine]:
    """One line per agency written to, by agency name."""
    by_agency: dict[str, list[InquiryFacts]] = {}
    for fact in facts:
        by_agency.setdefault(fact.agency_code, []).append(fact)
    lines = [_line(code, group, calendar, today) for code, group in by_agency.items()]
    return sorted(lines, key=lambda line: (line.agency_name.casefold(), line.agency_code))


def _line(
    code: str, facts: list[InquiryFacts], calendar: HolidayCalendar, today: date
) -> ScorecardLine:
    answer_days = sorted(
        business_days_between(fact.sent_on, fact.final_reply_on, calendar)
        for fact in facts
        if fact.final_reply_on is not None
    )
    sent = len(facts)
    overdue = sum(1 for fact in facts if fact.was_late(today))
    return ScorecardLine(
        agency_code=code,
        agency_name=facts[-1].agency_name,
        sent=sent,
        answered=len(answer_days),
        open=sent - len(answer_days),
        overdue=overdue,
        overdue_rate=round(overdue / sent, 3) if sent else None,
        p50_business_days=percentile(answer_days, 50),
        p90_business_days=percentile(answer_days, 90),
    )


def percentile(values: Sequence[float], percent: float) -> float | None:
    """The `percent`-th percentile of sorted `values`, interpolating linearly between the
    two nearest ranks (numpy's default method), to one decimal; None for no values. Linear
    rather than nearest-rank so that a handful of letters still gives a sensible p90."""
    if not values:
        return None
    position = (len(values) - 1) * percent / 100
    below = int(position)
    above = min(below + 1, len(values) - 1)
    value = values[below] + (values[above] - values[below]) * (position - below)
    return round(value, 1)
