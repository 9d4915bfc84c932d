"""The response clock of a sent inquiry (its due date, pauses, extensions and overdue levels),
and a case's clocks stopped and started together while it waits on the constituent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TypedDict, TypeVar

from services.agencies.domain.clock import (
    DayBasis,
    Deadline,
    Extension,
    HolidayCalendar,
    OverdueLevel,
    Pause,
    ResponseTarget,
    add_counted_days,
    business_days_between,
    compute_deadline,
    overdue_levels,
)
from services.agencies.domain.inquiry_state import InquiryState
from services.chassis.domain import Aggregate
from services.chassis.errors import Conflict, ValidationFailed
from services.contracts import (
    CLOCK_PAUSED,
    CLOCK_RESUMED,
    DEADLINE_EXTENDED,
    INQUIRY_OVERDUE,
    ClockChanged,
    DeadlineExtended,
    EventContract,
    InquiryOverdue,
)

MAX_EXTENSION_DAYS = 365
MAX_REASON_CHARS = 500


class EventSubject(TypedDict):
    """The fields every event about an inquiry opens with."""

    inquiry_id: str
    case_id: str
    reference: str
    agency_code: str


class InquiryClock(Aggregate):
    """The clock half of `Inquiry`, mixed into it: it reads and moves the inquiry's fields
    below, which `Inquiry` declares as its dataclass fields."""

    inquiry_id: str
    case_id: str
    reference: str
    agency_code: str
    agency_name: str
    state: InquiryState
    started_on: date | None
    target: ResponseTarget | None
    pauses: list[Pause]
    extensions: list[Extension]
    overdue_level: OverdueLevel | None

    def _subject(self) -> EventSubject:
        """What every event about the inquiry names first: it, its case and its agency."""
        return EventSubject(
            inquiry_id=self.inquiry_id,
            case_id=self.case_id,
            reference=self.reference,
            agency_code=self.agency_code,
        )

    def deadline(self, calendar: HolidayCalendar, today: date) -> Deadline | None:
        """When the answer is due and why; None until the letter is sent."""
        if self.started_on is None or self.target is None:
            return None
        return self._deadline(calendar, today)

    def _deadline(self, calendar: HolidayCalendar, today: date) -> Deadline:
        assert self.started_on is not None and self.target is not None  # sent
        return compute_deadline(
            self.started_on, self.target, calendar, self.pauses, self.extensions, today
        )

    @property
    def paused(self) -> bool:
        return any(pause.end is None for pause in self.pauses)

    def pause(self, on: date) -> bool:
        """Stop the clock from `on` (the case waits on the constituent). False when there is
        no running clock to stop: not sent, answered, or already paused."""
        if self.state is not InquiryState.SENT or self.paused:
            return False
        self.pauses.append(Pause(on))
        return True

    def resume(self, on: date) -> bool:
        """Start the clock again on `on` (that day counts). False when it was not paused."""
        for index, pause in enumerate(self.pauses):
            if pause.end is None:
                self.pauses[index] = replace(pause, end=max(on, pause.start))
                return True
        return False

    def extend(
        self,
        *,
        days: int,
        reason: str,
        by: str,
        at: datetime,
        calendar: HolidayCalendar,
        today: date,
    ) -> None:
        """Give the agency `days` more (in its basis), with a reason. Overdue levels are
        counted again from the new date."""
        self._require_sent("extended")
        reason = reason.strip()
        problems: dict[str, list[str]] = {}
        if not 1 <= days <= MAX_EXTENSION_DAYS:
            problems["days"] = [f"between 1 and {MAX_EXTENSION_DAYS} days"]
        if not reason:
            problems["reason"] = ["say why the agency has more time"]
        elif len(reason) > MAX_REASON_CHARS:
            problems["reason"] = [f"at most {MAX_REASON_CHARS} characters"]
        if problems:
            raise ValidationFailed("The extension is incomplete", problems)
        previous = self._deadline(calendar, today).due_on
        self.extensions.append(Extension(days, reason))
        due_on = self._deadline(calendar, today).due_on
        reached = overdue_levels(due_on, today, calendar)
        self.overdue_level = reached[-1] if reached else None
        self.record(
            DEADLINE_EXTENDED,
            DeadlineExtended(
                **self._subject(),
                due_on=due_on,
                previous_due_on=previous,
                reason=reason,
                extended_by=by,
                at=at,
            ),
        )

    def check_overdue(
        self, *, today: date, at: datetime, calendar: HolidayCalendar
    ) -> list[OverdueLevel]:
        """The overdue levels reached since the last check, each announced once. Nothing
        while the clock is paused: the date is still moving."""
        if self.state is not InquiryState.SENT or self.paused:
            return []
        deadline = self._deadline(calendar, today)
        already = self._levels_up_to(self.overdue_level)
        new = [
            level
            for level in overdue_levels(deadline.due_on, today, calendar)
            if level not in already
        ]
        late = business_days_between(deadline.due_on, today, calendar)
        for level in new:
            self.record(
                INQUIRY_OVERDUE,
                InquiryOverdue(
                    **self._subject(),
                    agency_name=self.agency_name,
                    level=level.value,
                    due_on=deadline.due_on,
                    business_days_late=late,
                    detected_at=at,
                ),
            )
        if new:
            self.overdue_level = new[-1]
        return new

    def next_overdue_check_on(self, calendar: HolidayCalendar, today: date) -> date | None:
        """The first day the next overdue level could be reached, for the overdue scan; None
        when there is nothing left to watch. (A pause only moves the date later, so checking
        on this day is never too late.)"""
        if self.state is not InquiryState.SENT:
            return None
        already = self._levels_up_to(self.overdue_level)
        remaining = [level for level in OverdueLevel if level not in already]
        if not remaining:
            return None
        due_on = self._deadline(calendar, today).due_on
        level = remaining[0]
        if level is OverdueLevel.DUE:
            return add_counted_days(due_on, 1, DayBasis.CALENDAR, calendar)
        return add_counted_days(due_on, level.threshold, DayBasis.BUSINESS, calendar)

    @staticmethod
    def _levels_up_to(level: OverdueLevel | None) -> list[OverdueLevel]:
        if level is None:
            return []
        levels = list(OverdueLevel)
        return levels[: levels.index(OverdueLevel(level)) + 1]

    def _require_sent(self, action: str) -> None:
        if self.state is not InquiryState.SENT:
            raise Conflict(
                f"This letter is {self._state_words()}; only a sent letter can be {action}"
            )

    def _state_words(self) -> str:
        return InquiryState(self.state).value.replace("_", " ")


Clocked = TypeVar("Clocked", bound=InquiryClock)


@dataclass
class CaseClocks(Aggregate):
    """The response clocks of one case's inquiries, stopped and started together when the
    case starts or stops waiting on the constituent: one event per case lists every inquiry
    whose clock changed, with its due date after the change."""

    case_id: str
    reference: str

    def pause_all(
        self,
        inquiries: Iterable[Clocked],
        *,
        on: date,
        at: datetime,
        calendar: HolidayCalendar,
        today: date,
        reason: str = "waiting_on_constituent",
    ) -> list[Clocked]:
        """Stop every running clock from `on`; records CLOCK_PAUSED when any stopped."""
        changed = [inquiry for inquiry in inquiries if inquiry.pause(on)]
        self._announce(CLOCK_PAUSED, changed, at=at, calendar=calendar, today=today, reason=reason)
        return changed

    def resume_all(
        self,
        inquiries: Iterable[Clocked],
        *,
        on: date,
        at: datetime,
        calendar: HolidayCalendar,
        today: date,
        reason: str = "open",
    ) -> list[Clocked]:
        """Start every stopped clock again on `on`; records CLOCK_RESUMED when any started."""
        changed = [inquiry for inquiry in inquiries if inquiry.resume(on)]
        self._announce(CLOCK_RESUMED, changed, at=at, calendar=calendar, today=today, reason=reason)
        return changed

    def _announce(
        self,
        contract: EventContract,
        changed: Sequence[InquiryClock],
        *,
        at: datetime,
        calendar: HolidayCalendar,
        today: date,
        reason: str,
    ) -> None:
        if not changed:
            return
        due_on = {}
        for inquiry in changed:
            deadline = inquiry.deadline(calendar, today)
            if deadline is not None:
                due_on[inquiry.inquiry_id] = deadline.due_on
        self.record(
            contract,
            ClockChanged(
                case_id=self.case_id,
                reference=self.reference,
                inquiry_ids=[inquiry.inquiry_id for inquiry in changed],
                due_on=due_on,
                reason=reason,
                at=at,
            ),
        )
