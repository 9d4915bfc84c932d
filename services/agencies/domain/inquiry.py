"""An inquiry: one letter to an agency's congressional liaison, from draft through approval
and sending to the agency's final answer, with the response clock that runs meanwhile.

Each step checks who may take it and from which state, and records the event the rest of
Casework hears about (cases puts it on the timeline, reminders follow up).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

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
    follow_up_on,
    overdue_levels,
)
from services.chassis.domain import Aggregate
from services.chassis.errors import Conflict, Forbidden, ValidationFailed
from services.contracts import (
    CLOCK_PAUSED,
    CLOCK_RESUMED,
    DEADLINE_EXTENDED,
    INQUIRY_OVERDUE,
    INQUIRY_SENT,
    INQUIRY_WITHDRAWN,
    REPLY_LOGGED,
    ClockChanged,
    DeadlineExtended,
    EventContract,
    InquiryOverdue,
    InquirySent,
    InquiryWithdrawn,
    ReplyLogged,
)

# Who may approve a letter drafted by a role that needs approval.
APPROVER_ROLES = frozenset({"supervisor", "office_admin"})
CHANNELS = ("email", "fax", "portal", "post")
REPLY_KINDS = ("interim", "final")
# Until the agency's first reply, the office chases this often (in the target's basis).
DEFAULT_FOLLOW_UP_DAYS = 7
MAX_EXTENSION_DAYS = 365
MAX_REASON_CHARS = 500


class InquiryState(StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    SENT = "sent"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


@dataclass
class Reply:
    """What the agency answered: `interim` (it is working on it) or `final`."""

    reply_id: str
    kind: str
    text: str
    received_on: date
    logged_by: str
    logged_at: datetime
    attachment_filename: str | None = None


@dataclass
class Inquiry(Aggregate):
    """A letter to an agency about one case. The stored subject and body are exactly what is
    approved and exactly what is sent."""

    inquiry_id: str
    case_id: str
    reference: str
    agency_code: str
    agency_name: str
    contact_id: str | None
    template_id: str | None
    template_version: int | None
    subject: str
    body: str
    release_id: str | None
    drafted_by: str
    drafted_at: datetime
    needs_approval: bool
    state: InquiryState = InquiryState.DRAFT
    channel: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    sent_by: str | None = None
    sent_at: datetime | None = None
    started_on: date | None = None
    target: ResponseTarget | None = None
    pauses: list[Pause] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    follow_up_on: date | None = None
    overdue_level: OverdueLevel | None = None
    message_id: str | None = None
    withdrawn_reason: str | None = None
    withdrawn_by: str | None = None
    withdrawn_at: datetime | None = None

    @classmethod
    def draft(
        cls,
        *,
        inquiry_id: str,
        case_id: str,
        reference: str,
        agency_code: str,
        agency_name: str,
        contact_id: str | None,
        template_id: str | None,
        template_version: int | None,
        subject: str,
        body: str,
        release_id: str | None,
        drafted_by: str,
        drafted_role: str,
        at: datetime,
        approval_roles: Collection[str],
    ) -> Inquiry:
        """A new letter: it waits for a supervisor when the office asks approval of the
        drafter's role, else it is ready to send."""
        problems = {
            name: [f"the letter needs a {name}"]
            for name, text in (("subject", subject), ("body", body))
            if not text.strip()
        }
        if problems:
            raise ValidationFailed("The letter is incomplete", problems)
        needs_approval = drafted_role in approval_roles
        return cls(
            inquiry_id=inquiry_id,
            case_id=case_id,
            reference=reference,
            agency_code=agency_code,
            agency_name=agency_name,
            contact_id=contact_id,
            template_id=template_id,
            template_version=template_version,
            subject=subject,
            body=body,
            release_id=release_id,
            drafted_by=drafted_by,
            drafted_at=at,
            needs_approval=needs_approval,
            state=InquiryState.AWAITING_APPROVAL if needs_approval else InquiryState.APPROVED,
        )

    # -- approval and sending --------------------------------------------------------------

    def approve(self, *, by: str, role: str, at: datetime) -> None:
        """A supervisor or office admin, not the drafter, lets the letter go."""
        if role not in APPROVER_ROLES:
            raise Forbidden("Only a supervisor or an office admin can approve a letter")
        if self.state is not InquiryState.AWAITING_APPROVAL:
            raise Conflict(f"This letter is {self._state_words()}, not waiting for approval")
        if by == self.drafted_by:
            raise Forbidden("A letter needs someone other than its writer to approve it")
        self.state = InquiryState.APPROVED
        self.approved_by = by
        self.approved_at = at

    def assign_message_id(self, message_id: str) -> str:
        """The email's Message-ID, fixed before the SMTP conversation so a retry after a
        crash sends the same message (the agency's mail server can drop the duplicate)."""
        if self.state is not InquiryState.APPROVED:
            raise Conflict(f"This letter is {self._state_words()}; it cannot be sent")
        if self.message_id is None:
            self.message_id = message_id
        return self.message_id

    def mark_sent(
        self,
        *,
        channel: str,
        by: str,
        at: datetime,
        started_on: date,
        target: ResponseTarget,
        calendar: HolidayCalendar,
        follow_up_every_days: int = DEFAULT_FOLLOW_UP_DAYS,
    ) -> None:
        """The letter went (by email, or staff say by fax, portal or post): the response
        clock starts from `started_on`, the office-local date it went."""
        if channel not in CHANNELS:
            raise ValidationFailed(
                "Choose how the letter went", {"channel": [f"one of {', '.join(CHANNELS)}"]}
            )
        if self.state is not InquiryState.APPROVED:
            raise Conflict(f"This letter is {self._state_words()}; it cannot be sent")
        self.state = InquiryState.SENT
        self.channel = channel
        self.sent_by = by
        self.sent_at = at
        self.started_on = started_on
        self.target = target
        due_on = self._deadline(calendar, started_on).due_on
        first_chase = add_counted_days(started_on, follow_up_every_days, target.basis, calendar)
        self.follow_up_on = min(first_chase, due_on)
        self.record(
            INQUIRY_SENT,
            InquirySent(
                inquiry_id=self.inquiry_id,
                case_id=self.case_id,
                reference=self.reference,
                agency_code=self.agency_code,
                agency_name=self.agency_name,
                channel=channel,
                sent_by=by,
                sent_at=at,
                due_on=due_on,
                follow_up_on=self.follow_up_on,
            ),
        )

    # -- the clock -------------------------------------------------------------------------

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
                inquiry_id=self.inquiry_id,
                case_id=self.case_id,
                reference=self.reference,
                agency_code=self.agency_code,
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
                    inquiry_id=self.inquiry_id,
                    case_id=self.case_id,
                    reference=self.reference,
                    agency_code=self.agency_code,
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

    # -- replies and withdrawal ------------------------------------------------------------

    def log_reply(
        self,
        reply: Reply,
        *,
        calendar: HolidayCalendar,
        follow_up_every_days: int = DEFAULT_FOLLOW_UP_DAYS,
    ) -> None:
        """The agency answered. A final reply stops the clock and its follow-ups; an interim
        one keeps the due date and restarts the follow-up clock from the reply's date."""
        if reply.kind not in REPLY_KINDS:
            raise ValidationFailed("Say what kind of reply it is", {"kind": ["interim or final"]})
        if self.state is InquiryState.ANSWERED:
            raise Conflict("The agency's final reply is already logged")
        self._require_sent("answered")
        assert self.started_on is not None and self.target is not None  # sent
        if reply.received_on < self.started_on:
            raise ValidationFailed(
                "A reply cannot come before the letter",
                {"received_on": [f"on or after {self.started_on.isoformat()}"]},
            )
        self.replies.append(reply)
        if reply.kind == "final":
            self.state = InquiryState.ANSWERED
            self.follow_up_on = None
        else:
            self.follow_up_on = follow_up_on(
                reply.received_on, self.target, calendar, follow_up_every_days
            )
        self.record(
            REPLY_LOGGED,
            ReplyLogged(
                inquiry_id=self.inquiry_id,
                case_id=self.case_id,
                reference=self.reference,
                agency_code=self.agency_code,
                agency_name=self.agency_name,
                kind=reply.kind,
                logged_by=reply.logged_by,
                received_on=reply.received_on,
                logged_at=reply.logged_at,
                follow_up_on=self.follow_up_on,
            ),
        )

    def withdraw(self, *, by: str, reason: str, at: datetime) -> None:
        """Staff drop the letter (the case resolved another way, say); not once the agency
        has answered, and with a reason."""
        if self.state in (InquiryState.ANSWERED, InquiryState.WITHDRAWN):
            raise Conflict(f"This letter is {self._state_words()}; it cannot be withdrawn")
        reason = reason.strip()
        if not reason or len(reason) > MAX_REASON_CHARS:
            raise ValidationFailed(
                "Say why the letter is withdrawn",
                {"reason": [f"between 1 and {MAX_REASON_CHARS} characters"]},
            )
        was_sent = self.state is InquiryState.SENT
        self.state = InquiryState.WITHDRAWN
        self.withdrawn_reason = reason
        self.withdrawn_by = by
        self.withdrawn_at = at
        self.follow_up_on = None
        if was_sent:  # others only knew of it once it was sent
            self.record(
                INQUIRY_WITHDRAWN,
                InquiryWithdrawn(
                    inquiry_id=self.inquiry_id,
                    case_id=self.case_id,
                    reference=self.reference,
                    agency_code=self.agency_code,
                    agency_name=self.agency_name,
                    withdrawn_by=by,
                    withdrawn_at=at,
                ),
            )

    def _require_sent(self, action: str) -> None:
        if self.state is not InquiryState.SENT:
            raise Conflict(
                f"This letter is {self._state_words()}; only a sent letter can be {action}"
            )

    def _state_words(self) -> str:
        return InquiryState(self.state).value.replace("_", " ")


@dataclass
class CaseClocks(Aggregate):
    """The response clocks of one case's inquiries, stopped and started together when the
    case starts or stops waiting on the constituent: one event per case lists every inquiry
    whose clock changed, with its due date after the change."""

    case_id: str
    reference: str

    def pause_all(
        self,
        inquiries: Iterable[Inquiry],
        *,
        on: date,
        at: datetime,
        calendar: HolidayCalendar,
        today: date,
        reason: str = "waiting_on_constituent",
    ) -> list[Inquiry]:
        """Stop every running clock from `on`; records CLOCK_PAUSED when any stopped."""
        changed = [inquiry for inquiry in inquiries if inquiry.pause(on)]
        self._announce(CLOCK_PAUSED, changed, at=at, calendar=calendar, today=today, reason=reason)
        return changed

    def resume_all(
        self,
        inquiries: Iterable[Inquiry],
        *,
        on: date,
        at: datetime,
        calendar: HolidayCalendar,
        today: date,
        reason: str = "open",
    ) -> list[Inquiry]:
        """Start every stopped clock again on `on`; records CLOCK_RESUMED when any started."""
        changed = [inquiry for inquiry in inquiries if inquiry.resume(on)]
        self._announce(CLOCK_RESUMED, changed, at=at, calendar=calendar, today=today, reason=reason)
        return changed

    def _announce(
        self,
        contract: EventContract,
        changed: list[Inquiry],
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
