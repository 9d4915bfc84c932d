"""Response clocks: when an agency's answer is due, counted the way the agency counts, and
why, in words a caseworker can check against a calendar.

Pure: the public holidays come from the `holidays` package, one year at a time and cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from services.chassis.calendar import HolidayCalendar, days_after

ONE_DAY = timedelta(days=1)
# Overdue thresholds: business days after the due date at which a level is reached.
OVERDUE_THRESHOLDS = (0, 5, 10)
# A walk that has not found its day within this many years has a broken calendar or pause.
_MAX_WALK_DAYS = 366 * 10


class DayBasis(StrEnum):
    """How an agency counts its response days."""

    BUSINESS = "business"
    CALENDAR = "calendar"


class OverdueLevel(StrEnum):
    """How late an answer is: at its due date, and 5 and 10 business days after it."""

    DUE = "due"
    PLUS_5 = "plus_5"
    PLUS_10 = "plus_10"

    @property
    def threshold(self) -> int:
        """Business days after the due date at which this level is reached."""
        return OVERDUE_THRESHOLDS[list(OverdueLevel).index(self)]


@dataclass(frozen=True)
class ResponseTarget:
    """How long an agency takes to answer a congressional inquiry, as it counts: `days` in
    `basis`, and for agencies that answer in stages how often an interim reply is due."""

    days: int
    basis: DayBasis
    interim_every_days: int | None = None

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("a response target is at least 1 day")
        if self.interim_every_days is not None and self.interim_every_days < 1:
            raise ValueError("an interim reply cadence is at least 1 day")
        # Accept the wire's plain string ("business") as well as the enum.
        object.__setattr__(self, "basis", DayBasis(self.basis))


@dataclass(frozen=True)
class Pause:
    """The case waited on the constituent: days `start` .. `end` - 1 are not counted (the day
    the case went back to work counts). `end` None: still waiting."""

    start: date
    end: date | None = None
    reason: str = "waiting on the constituent"

    def until(self, today: date | None) -> date:
        """The first day counted again; an open pause lasts through `today`."""
        if self.end is not None:
            return self.end
        return max(self.start, today or self.start) + ONE_DAY

    def covers(self, day: date, today: date | None) -> bool:
        return self.start <= day < self.until(today)


@dataclass(frozen=True)
class Extension:
    """Staff gave the agency more time: `days` more in the target's basis, with a reason."""

    days: int
    reason: str

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("an extension is at least 1 day")


@dataclass(frozen=True)
class PausedSpan:
    """One pause as it bears on a deadline: the counted days it held back before the due
    date, and whether it is still open."""

    start: date
    reason: str
    counted_days: int
    open: bool


@dataclass(frozen=True)
class Deadline:
    """A due date and everything that made it what it is."""

    started_on: date
    due_on: date
    target: ResponseTarget
    excluded_holidays: tuple[tuple[date, str], ...]
    paused_days: int
    extensions: tuple[Extension, ...]
    paused: bool
    pause_spans: tuple[PausedSpan, ...] = ()

    @property
    def counted_days(self) -> int:
        """The days counted from the start to the due date: the target and its extensions."""
        return self.target.days + sum(extension.days for extension in self.extensions)

    def explanation(self) -> str:
        """ "due 13 Jan 2026: 20 business days from 12 Dec, excluding 25 Dec and 1 Jan 2026;
        paused 3 days waiting on the constituent; extended 5 days (the liaison asked for
        time)". A date carries its year only when it is not the start's year."""
        show = _DateWords(self.started_on.year)
        unit = "business days" if self.target.basis is DayBasis.BUSINESS else "calendar days"
        head = (
            f"due {show(self.due_on)}: {_count(self.target.days, unit)} "
            f"from {show(self.started_on)}"
        )
        if self.excluded_holidays:
            head += ", excluding " + _and([show(day) for day, _ in self.excluded_holidays])
        clauses = [head, *self._pause_clauses(show), *self._extension_clauses()]
        return "; ".join(clauses)

    def _pause_clauses(self, show: _DateWords) -> list[str]:
        closed: dict[str, int] = {}
        for span in self.pause_spans:
            if not span.open and span.counted_days:
                closed[span.reason] = closed.get(span.reason, 0) + span.counted_days
        clauses = [f"paused {_count(days, 'days')} {reason}" for reason, days in closed.items()]
        clauses.extend(
            f"paused since {show(span.start)} {span.reason} (the date moves while it lasts)"
            for span in self.pause_spans
            if span.open
        )
        return clauses

    def _extension_clauses(self) -> list[str]:
        return [
            f"extended {_count(extension.days, 'days')} ({extension.reason})"
            for extension in self.extensions
        ]


def compute_deadline(
    started_on: date,
    target: ResponseTarget,
    calendar: HolidayCalendar,
    pauses: Sequence[Pause] = (),
    extensions: Sequence[Extension] = (),
    today: date | None = None,
) -> Deadline:
    """When the answer is due: the day of the (days + extensions)-th counted day after
    `started_on`. A day counts when it is of the target's kind (a business day, or any day)
    and the case was not waiting on the constituent; an open pause lasts through `today`, so
    the date is provisional while it lasts."""
    total = target.days + sum(extension.days for extension in extensions)
    due_on = add_counted_days(started_on, total, target.basis, calendar, pauses, today)
    counted_kind = [
        day for day in days_after(started_on, due_on) if _of_kind(day, target.basis, calendar)
    ]
    spans = tuple(_span(pause, counted_kind, today) for pause in pauses if _has_begun(pause, today))
    paused_days = sum(1 for day in counted_kind if _in_pause(day, pauses, today))
    excluded = (
        tuple(calendar.holidays_between(started_on, due_on))
        if target.basis is DayBasis.BUSINESS
        else ()
    )
    return Deadline(
        started_on=started_on,
        due_on=due_on,
        target=target,
        excluded_holidays=excluded,
        paused_days=paused_days,
        extensions=tuple(extensions),
        paused=any(span.open for span in spans),
        pause_spans=spans,
    )


def add_counted_days(
    start: date,
    days: int,
    basis: DayBasis,
    calendar: HolidayCalendar,
    pauses: Sequence[Pause] = (),
    today: date | None = None,
) -> date:
    """The day on which the `days`-th counted day after `start` falls (`start` for 0)."""
    if days < 0:
        raise ValueError("cannot count a negative number of days")
    basis = DayBasis(basis)
    day, counted = start, 0
    for _ in range(_MAX_WALK_DAYS + days):
        if counted == days:
            return day
        day += ONE_DAY
        if _of_kind(day, basis, calendar) and not _in_pause(day, pauses, today):
            counted += 1
    if counted == days:
        return day
    raise ValueError("the pauses leave no day to count")


def business_days_between(start: date, end: date, calendar: HolidayCalendar) -> int:
    """Business days in (start, end]; 0 when `end` is not after `start`."""
    return sum(1 for day in days_after(start, end) if calendar.is_business_day(day))


def follow_up_on(
    last_contact_on: date,
    target: ResponseTarget,
    calendar: HolidayCalendar,
    default_every_days: int = 7,
) -> date:
    """When to chase next: the agency's interim cadence (or the office's default) after the
    last contact, counted in the target's basis."""
    every = target.interim_every_days or default_every_days
    return add_counted_days(last_contact_on, every, target.basis, calendar)


def overdue_levels(
    due_on: date, today: date, calendar: HolidayCalendar
) -> tuple[OverdueLevel, ...]:
    """Every level reached on `today`: due once the due date has passed, then 5 and 10
    business days after it."""
    if today <= due_on:
        return ()
    late = business_days_between(due_on, today, calendar)
    return tuple(
        level for level in OverdueLevel if level is OverdueLevel.DUE or late >= level.threshold
    )


def _of_kind(day: date, basis: DayBasis, calendar: HolidayCalendar) -> bool:
    return basis is DayBasis.CALENDAR or calendar.is_business_day(day)


def _has_begun(pause: Pause, today: date | None) -> bool:
    return today is None or pause.start <= today


def _span(pause: Pause, counted_kind: Sequence[date], today: date | None) -> PausedSpan:
    return PausedSpan(
        start=pause.start,
        reason=pause.reason,
        counted_days=sum(1 for day in counted_kind if pause.covers(day, today)),
        open=pause.end is None,
    )


def _in_pause(day: date, pauses: Sequence[Pause], today: date | None) -> bool:
    return any(pause.covers(day, today) for pause in pauses)


class _DateWords:
    """Dates as people write them in a note: "25 Dec", with the year only when it is not
    the reference year."""

    def __init__(self, year: int) -> None:
        self.year = year

    def __call__(self, day: date) -> str:
        words = f"{day.day} {day:%b}"
        return words if day.year == self.year else f"{words} {day.year}"


def _count(number: int, unit: str) -> str:
    """ "1 day", "3 days", "1 business day"."""
    if number == 1:
        unit = unit.replace("days", "day")
    return f"{number} {unit}"


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
