"""When an office may write to a constituent: 8:00 to 20:00 on its business days, in its own
time zone. Every moment here is fixed (an injected clock), in UTC, for an office in New York
(UTC-5 in December)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.chassis.calendar import HolidayCalendar
from services.notify.domain.quiet_hours import QuietHours
from services.notify.domain.reminders import OfficeClock

NEW_YORK = OfficeClock("America/New_York", HolidayCalendar("US"))
HONOLULU = OfficeClock("Pacific/Honolulu", HolidayCalendar("US"))
QUIET = QuietHours()


def utc(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "allowed", "why"),
    [
        (utc(2, 15), utc(2, 15), "Wednesday 10:00: at once"),
        (utc(2, 13), utc(2, 13), "Wednesday 8:00 sharp: at once"),
        (utc(3, 0, 59), utc(3, 0, 59), "Wednesday 19:59: at once"),
        (utc(3, 1), utc(3, 13), "Wednesday 20:00: Thursday 8:00"),
        (utc(3, 11), utc(3, 13), "Thursday 6:00: 8:00 the same morning"),
        (utc(5, 2), utc(7, 13), "Friday 21:00: Monday 8:00"),
        (utc(5, 18), utc(7, 13), "Saturday 13:00: Monday 8:00"),
        (utc(25, 2), utc(28, 13), "Christmas Eve 21:00, Christmas on a Friday: Monday 8:00"),
        (utc(25, 16), utc(28, 13), "Christmas Day (a holiday) noon: Monday 8:00"),
    ],
)
def test_a_message_goes_at_once_in_office_hours_and_otherwise_when_they_begin(
    now: datetime, allowed: datetime, why: str
) -> None:
    assert QUIET.next_allowed(now, NEW_YORK) == allowed, why
    assert QUIET.holds(now, NEW_YORK) is (allowed > now)


def test_the_hours_are_the_offices_own_not_the_servers() -> None:
    # 18:30 UTC on a Wednesday: 13:30 in New York, 8:30 in Honolulu; 17:30 UTC is 7:30 there.
    assert QUIET.next_allowed(utc(2, 18, 30), HONOLULU) == utc(2, 18, 30)
    assert QUIET.next_allowed(utc(2, 17, 30), HONOLULU) == utc(2, 18)


def test_summer_time_moves_the_hours_with_the_clock() -> None:
    # 7:30 in New York in July is 11:30 UTC (UTC-4): held until 12:00 UTC, not 13:00.
    assert QUIET.next_allowed(utc(15, 11, 30, month=7), NEW_YORK) == utc(15, 12, month=7)


def test_sending_hours_must_be_a_span_of_one_day() -> None:
    for start, end in ((20, 8), (9, 9), (-1, 10), (8, 25)):
        with pytest.raises(ValueError):
            QuietHours(start, end)
    assert QuietHours(0, 24).next_allowed(utc(2, 4), NEW_YORK) == utc(2, 4)


def test_an_office_may_be_configured_to_write_every_day_and_any_hour() -> None:
    always = QuietHours.parse("0-24", "all")
    assert always.next_allowed(utc(5, 18), NEW_YORK) == utc(5, 18)  # a Saturday
    weekends_too = QuietHours.parse("9-17", "all")
    assert weekends_too.next_allowed(utc(5, 23), NEW_YORK) == utc(6, 14)  # Sunday 9:00
    assert QuietHours.parse("8-20", "business") == QuietHours()
    for hours, days in (("8to20", "business"), ("8-20", "weekdays"), ("20-8", "all")):
        with pytest.raises(ValueError):
            QuietHours.parse(hours, days)
