"""An inquiry: one letter to an agency's congressional liaison, from draft through approval
and sending to the agency's final answer, with the response clock that runs meanwhile
(`inquiry_clock`).

Each step checks who may take it and from which state, and records the event the rest of
Casework hears about (cases puts it on the timeline, reminders follow up).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from services.agencies.domain.clock import (
    Extension,
    HolidayCalendar,
    OverdueLevel,
    Pause,
    ResponseTarget,
    add_counted_days,
    follow_up_on,
)
from services.agencies.domain.inquiry_clock import MAX_REASON_CHARS, InquiryClock
from services.agencies.domain.inquiry_state import InquiryState
from services.chassis.errors import Conflict, Forbidden, ValidationFailed
from services.contracts import (
    INQUIRY_SENT,
    INQUIRY_WITHDRAWN,
    REPLY_LOGGED,
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
class Inquiry(InquiryClock):
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
                **self._subject(),
                agency_name=self.agency_name,
                channel=channel,
                sent_by=by,
                sent_at=at,
                due_on=due_on,
                follow_up_on=self.follow_up_on,
            ),
        )

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
                **self._subject(),
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
                    **self._subject(),
                    agency_name=self.agency_name,
                    withdrawn_by=by,
                    withdrawn_at=at,
                ),
            )
