"""Office calendars: the working days of a country (and subdivision) with its public holidays,
and the date a moment falls on in an office's time zone. Shared by every service that counts
days the way an office does (agencies' response clocks, notify's reminders).

Pure: the public holidays come from the `holidays` package, one year at a time and cached. The
installation's own calendar (notify's reminders, a new office's default in agencies) is named
by the environment, read here only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=256)
def _holidays_of(country: str, subdivision: str | None, year: int) -> Mapping[date, str]:
    """One year of public holidays; cached because every clock on a page asks again."""
    found = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return {day: name for day, name in found.items() if day.year == year}


def installation_country() -> str:
    """The installation's holiday country (`CASEWORK_HOLIDAYS_COUNTRY`, default US)."""
    return os.environ.get("CASEWORK_HOLIDAYS_COUNTRY", "US") or "US"


def installation_subdivision() -> str | None:
    """Its subdivision, if any (`CASEWORK_HOLIDAYS_SUBDIVISION`)."""
    return os.environ.get("CASEWORK_HOLIDAYS_SUBDIVISION") or None


def warm() -> None:
    """Load the holidays package's country registry and this year's holidays of the
    installation's country: its first use imports every country's module, about a quarter of
    a second of one core, which a service's first event would otherwise wait for
    (`services.chassis.warm`)."""
    _holidays_of(installation_country(), None, date.today().year)


class HolidayCalendar:
    """The working days of an installation or office: Monday to Friday, less the public
    holidays of a country (and optionally one of its subdivisions), observed days included."""

    def __init__(self, country: str = "US", subdivision: str | None = None) -> None:
        country = country.strip().upper()
        subdivision = (subdivision or "").strip() or None
        self.country = country
        self.subdivision = self._known_subdivision(country, subdivision)

    @staticmethod
    def _known_subdivision(country: str, subdivision: str | None) -> str | None:
        """The subdivision as the holidays package spells it (codes are mostly upper case,
        a few are not); ValueError for an unknown country or subdivision."""
        spellings = [subdivision] if subdivision is None else [subdivision, subdivision.upper()]
        problem = ""
        for spelling in dict.fromkeys(spellings):
            try:
                _holidays_of(country, spelling, 2000)
            except NotImplementedError as error:
                problem = str(error)
                continue
            return spelling
        raise ValueError(problem)

    def __repr__(self) -> str:
        where = f"{self.country}-{self.subdivision}" if self.subdivision else self.country
        return f"HolidayCalendar({where})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HolidayCalendar):
            return NotImplemented
        return (self.country, self.subdivision) == (other.country, other.subdivision)

    def __hash__(self) -> int:
        return hash((self.country, self.subdivision))

    def holiday_name(self, day: date) -> str | None:
        """The public holiday on `day` ("Christmas Day (observed)"), or None."""
        return _holidays_of(self.country, self.subdivision, day.year).get(day)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and self.holiday_name(day) is None

    def holidays_between(self, start: date, end: date) -> list[tuple[date, str]]:
        """Weekday holidays in (start, end]: the ones that cost a business day."""
        return [
            (day, name)
            for day in days_after(start, end)
            if day.weekday() < 5 and (name := self.holiday_name(day)) is not None
        ]


def local_date(moment: datetime, zone: str) -> date:
    """The calendar date of `moment` in the office's time zone (a letter sent at 23:30 in
    Chicago on 12 Dec is sent on 12 Dec there, though it is already 13 Dec in UTC)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a moment needs its time zone to fall on a date")
    try:
        return moment.astimezone(ZoneInfo(zone)).date()
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {zone!r}") from error


def days_after(start: date, end: date) -> Iterator[date]:
    """Each day in (start, end]."""
    day = start + ONE_DAY
    while day <= end:
        yield day
        day += ONE_DAY
