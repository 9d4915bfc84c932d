"""When an office may write to a constituent about their case: its working hours on its
business days, in its own time zone. A message a caseworker's action causes at 11 pm on a
Friday waits until 8 am on Monday (Tuesday after a holiday); what the constituent just asked
for (the acknowledgement of their own request, a one-time code) is not held."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.notify.domain.reminders import OfficeClock

# Local hours a message may go out in: from 8:00 up to (not including) 20:00.
SENDING_FROM = 8
SENDING_UNTIL = 20
# Days looked ahead for a working day: more than any run of weekends and holidays.
LOOK_AHEAD_DAYS = 15


@dataclass(frozen=True)
class QuietHours:
    """The hours outside `[sending_from, sending_until)` are quiet, and every day that is not
    a business day unless `every_day`."""

    sending_from: int = SENDING_FROM
    sending_until: int = SENDING_UNTIL
    every_day: bool = False

    @classmethod
    def parse(cls, hours: str, days: str) -> QuietHours:
        """From configuration: `hours` as `8-20`, `days` as `business` or `all`."""
        start, _, end = hours.partition("-")
        if not (start.strip().isdigit() and end.strip().isdigit()) or days not in (
            "business",
            "all",
        ):
            raise ValueError(f"sending hours {hours!r} on {days!r} days: use 8-20 and business")
        return cls(int(start), int(end), every_day=days == "all")

    def __post_init__(self) -> None:
        if not 0 <= self.sending_from < self.sending_until <= 24:
            raise ValueError("sending hours must be a non-empty span of one day")

    def next_allowed(self, now: datetime, clock: OfficeClock) -> datetime:
        """`now` itself when a message may go now; otherwise the start of the office's next
        sending hours (an aware moment, in UTC)."""
        local = now.astimezone(ZoneInfo(clock.zone))
        day = local.date()
        if (
            self._working(day, clock)
            and time(self.sending_from) <= local.time()
            and local.hour < self.sending_until
        ):
            return now
        if self._working(day, clock) and local.hour < self.sending_from:
            return _utc(clock.at_hour(day, self.sending_from))
        for _ in range(LOOK_AHEAD_DAYS):
            day += timedelta(days=1)
            if self._working(day, clock):
                return _utc(clock.at_hour(day, self.sending_from))
        return now  # a calendar with no working day in weeks: do not hold the message for ever

    def _working(self, day: date, clock: OfficeClock) -> bool:
        return self.every_day or clock.calendar.is_business_day(day)

    def holds(self, now: datetime, clock: OfficeClock) -> bool:
        return self.next_allowed(now, clock) > now


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
