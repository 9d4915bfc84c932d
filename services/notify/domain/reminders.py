"""A case's reminders: the clocks that nudge staff (first contact due, follow up with the
agency, check in with the constituent) and escalate to supervisors (a new case nobody took, a
letter overdue past its second threshold).

A reminder is one row per purpose, found again by its `cancel_key` ("inquiry:<id>:follow_up"),
so the events that create, move and cancel it can arrive in any order and any number of times:
a key cancelled before its reminder was ever scheduled stays cancelled (a tombstone), and one
that fired is not scheduled again. Firing is exactly once per occurrence: the reminder records
`notify.reminder_due` with its occurrence number and, when it repeats, moves itself to its
next occurrence in the same change, so the row's state and the event commit together.

Pure: the office's calendar (business days, holidays) and time zone come in as arguments.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from services.chassis.calendar import HolidayCalendar, local_date
from services.chassis.domain import Aggregate
from services.contracts import REMINDER_DUE, ReminderDue

CASEWORKER = "caseworker"
SUPERVISOR = "supervisor"


class ReminderKind(StrEnum):
    FIRST_CONTACT = "first_contact"
    AGENCY_FOLLOW_UP = "agency_follow_up"
    CONSTITUENT_CHECK_IN = "constituent_check_in"
    UNASSIGNED = "unassigned"
    INQUIRY_OVERDUE = "inquiry_overdue"
    NO_ACTIVITY = "no_activity"
    # Not a reminder: the mark of a finished case, in force (`fired`) or lifted (`cancelled`),
    # so reminders heard of after the case was closed are not kept. It never fires.
    CASE_FINISHED = "case_finished"


class ReminderState(StrEnum):
    PENDING = "pending"  # waiting for its due time
    FIRED = "fired"  # a one-off that fired; never again
    CANCELLED = "cancelled"  # no longer wanted (or cancelled before it was ever scheduled)


class ReminderStateError(Exception):
    """A reminder was asked to do what its state does not allow (a bug, not a race)."""


@dataclass(frozen=True)
class ReminderPolicy:
    """When an office's reminders fall due (the defaults incumbents' users know): first
    contact within 2 business days of opening; a new case still unassigned after 1 business
    day goes to the supervisors; follow up with an agency every 7 calendar days until its
    final reply; check in with a constituent every 7 days while the case waits on them; an
    open case nothing happened on for 14 days goes to the supervisors (and again every 14
    days while it stays so). Day-based reminders fall due at `hour` o'clock in the office's
    time zone."""

    first_contact_business_days: int = 2
    unassigned_business_days: int = 1
    follow_up_every_days: int = 7
    check_in_every_days: int = 7
    no_activity_days: int = 14
    hour: int = 9
    # Not reminders: the office's own hours for messages to constituents (None: the
    # legislature's), announced and kept with the intervals.
    sending_from: int | None = None
    sending_until: int | None = None


DEFAULT_POLICY = ReminderPolicy()


@dataclass(frozen=True)
class OfficeClock:
    """An office's time zone and working days."""

    zone: str
    calendar: HolidayCalendar

    def at_hour(self, day: date, hour: int) -> datetime:
        """`hour` o'clock on `day` in the office's zone, as an aware moment."""
        return datetime.combine(day, time(hour), tzinfo=ZoneInfo(self.zone))

    def after_business_days(self, start: datetime, days: int, hour: int) -> datetime:
        """`hour` o'clock on the `days`-th business day after `start`'s local date."""
        day = local_date(start, self.zone)
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.calendar.is_business_day(day):
                counted += 1
        return self.at_hour(day, hour)

    def after_days(self, start: datetime, days: int, hour: int) -> datetime:
        """`hour` o'clock `days` calendar days after `start`'s local date."""
        return self.at_hour(local_date(start, self.zone) + timedelta(days=days), hour)


def case_key(case_id: str, purpose: str) -> str:
    return f"case:{case_id}:{purpose}"


def case_of_key(cancel_key: str) -> str | None:
    """The case a `case_key` names (a purpose has no colon); None for any other key."""
    if not cancel_key.startswith("case:"):
        return None
    case_id, colon, _ = cancel_key[len("case:") :].rpartition(":")
    return case_id if colon and case_id else None


def inquiry_key(inquiry_id: str, purpose: str) -> str:
    return f"inquiry:{inquiry_id}:{purpose}"


@dataclass
class Reminder(Aggregate):
    reminder_id: str
    cancel_key: str
    case_id: str
    reference: str
    kind: ReminderKind
    audience: str
    summary: str
    state: ReminderState
    due_at: datetime
    created_at: datetime
    repeat_days: int | None = None
    occurrence: int = 0  # how many times it has fired
    fired_at: datetime | None = None
    agency_code: str | None = None
    inquiry_id: str | None = None

    @classmethod
    def schedule(
        cls,
        *,
        cancel_key: str,
        case_id: str,
        reference: str,
        kind: ReminderKind,
        summary: str,
        due_at: datetime,
        now: datetime,
        audience: str = CASEWORKER,
        repeat_days: int | None = None,
        agency_code: str | None = None,
        inquiry_id: str | None = None,
    ) -> Reminder:
        if repeat_days is not None and repeat_days < 1:
            raise ValueError("a repeating reminder repeats every 1 day or more")
        return cls(
            reminder_id=str(uuid.uuid4()),
            cancel_key=cancel_key,
            case_id=case_id,
            reference=reference,
            kind=ReminderKind(kind),
            audience=audience,
            summary=summary,
            state=ReminderState.PENDING,
            due_at=due_at,
            created_at=now,
            repeat_days=repeat_days,
            agency_code=agency_code,
            inquiry_id=inquiry_id,
        )

    @classmethod
    def tombstone(
        cls, *, cancel_key: str, case_id: str, kind: ReminderKind, now: datetime
    ) -> Reminder:
        """A key cancelled before anything was scheduled under it: what arrives later for the
        same key is not scheduled (the case was assigned before its opening was heard of)."""
        return cls(
            reminder_id=str(uuid.uuid4()),
            cancel_key=cancel_key,
            case_id=case_id,
            reference="",
            kind=ReminderKind(kind),
            audience=CASEWORKER,
            summary="cancelled before it was scheduled",
            state=ReminderState.CANCELLED,
            due_at=now,
            created_at=now,
        )

    @classmethod
    def finished_mark(cls, case_id: str, now: datetime) -> Reminder:
        return cls(
            reminder_id=str(uuid.uuid4()),
            cancel_key=case_key(case_id, ReminderKind.CASE_FINISHED),
            case_id=case_id,
            reference="",
            kind=ReminderKind.CASE_FINISHED,
            audience=CASEWORKER,
            summary="the case is finished",
            state=ReminderState.FIRED,
            due_at=now,
            created_at=now,
        )

    def enforce(self) -> None:
        """The case is finished (again)."""
        self._only_a_mark()
        self.state = ReminderState.FIRED

    def lift(self) -> None:
        """The case was reopened."""
        self._only_a_mark()
        self.state = ReminderState.CANCELLED

    @property
    def in_force(self) -> bool:
        return self.kind is ReminderKind.CASE_FINISHED and self.state is ReminderState.FIRED

    def _only_a_mark(self) -> None:
        if self.kind is not ReminderKind.CASE_FINISHED:
            raise ReminderStateError("only a finished case's mark is enforced or lifted")

    @property
    def pending(self) -> bool:
        return self.state is ReminderState.PENDING

    def is_due(self, now: datetime) -> bool:
        return self.pending and self.due_at <= now

    def move_to(self, due_at: datetime, summary: str | None = None) -> None:
        """A pending reminder falls due at another time (a deadline moved, an interim reply
        restarted the follow-up clock)."""
        if not self.pending:
            raise ReminderStateError(f"a {self.state} reminder is not moved")
        self.due_at = due_at
        if summary:
            self.summary = summary

    def cancel(self) -> None:
        if self.pending:
            self.state = ReminderState.CANCELLED

    def restart(self, due_at: datetime, summary: str, now: datetime) -> None:
        """Schedule a cancelled reminder again (the case waits on its constituent a second
        time); its occurrences keep counting so each fired event stays unique."""
        if self.state is not ReminderState.CANCELLED:
            raise ReminderStateError(f"a {self.state} reminder is not restarted")
        self.state = ReminderState.PENDING
        self.due_at = due_at
        self.summary = summary
        self.created_at = now

    def fire(self, now: datetime) -> ReminderDue:
        """Fire this occurrence: record `notify.reminder_due`, then end (a one-off) or move
        to the first occurrence after `now` (a repeating one: a notify that was down for two
        weeks fires a weekly follow-up once, not twice)."""
        if not self.is_due(now):
            raise ReminderStateError(f"reminder {self.reminder_id} is not due")
        self.occurrence += 1
        self.fired_at = now
        announced = ReminderDue(
            reminder_id=self.reminder_id,
            case_id=self.case_id,
            reference=self.reference,
            kind=self.kind.value,
            audience=self.audience,
            occurrence=self.occurrence,
            summary=self.summary,
            due_at=self.due_at,
            fired_at=now,
            agency_code=self.agency_code,
            inquiry_id=self.inquiry_id,
        )
        self.record(REMINDER_DUE, announced)
        if self.repeat_days is None:
            self.state = ReminderState.FIRED
        else:
            every = timedelta(days=self.repeat_days)
            while self.due_at <= now:
                self.due_at += every
        return announced


def lateness_seconds(reminder: ReminderDue) -> float:
    """How long after its due time a reminder fired."""
    return max(0.0, (reminder.fired_at - reminder.due_at).total_seconds())


# What each reminder says, in the system's own words (never the constituent's).
def first_contact_summary(business_days: int) -> str:
    return (
        f"Contact the constituent: first contact is due {business_days} business days after opening"
    )


def unassigned_summary(business_days: int) -> str:
    return f"Nobody has taken this case {business_days} business day after it was opened"


def follow_up_summary(agency_code: str, every_days: int) -> str:
    return f"Follow up with {agency_code}: no final reply yet (every {every_days} days)"


def check_in_summary(every_days: int) -> str:
    return f"Check in with the constituent: the case waits on them (every {every_days} days)"


def overdue_summary(agency_code: str, business_days_late: int) -> str:
    return f"The letter to {agency_code} is {business_days_late} business days overdue"


def no_activity_summary(days: int) -> str:
    return f"Nothing has happened on this case for {days} days"
