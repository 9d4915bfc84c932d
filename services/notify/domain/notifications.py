"""What staff see behind the bell in the staff app: a notification per person for each reminder
that fired for them (first contact due, follow up with the agency, check in with the
constituent) and each escalation (a new case nobody took, a letter overdue past its second
threshold).

Who hears of a reminder follows who works the case: a caseworker's reminder goes to the case's
assignee while they are active; a case with nobody on it, or whose assignee left, goes to the
people who hand out work (supervisors and the office admin), so no reminder falls silent. An
escalation goes to those people always.

Each notification is keyed by its person and its cause (the reminder's occurrence), so a
sweep that fires a reminder once gives each person one notification, never two.

Documents a constituent sends from their status page reach the bell the same way: the case's
assignee hears of them (or, with nobody on it, whoever hands out work).

Pure: the office's roster and assignments come in as arguments.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from services.contracts import DocumentsReceived, ReminderDue

CASEWORKER = "caseworker"
DOCUMENTS_RECEIVED = "documents_received"
# Whoever hands out the office's work hears of what nobody else would.
HANDS_OUT_WORK = frozenset({"supervisor", "office_admin"})


@dataclass(frozen=True)
class Colleague:
    """A staff member as gateway announced them (the latest announcement wins)."""

    user_id: str
    display_name: str
    role: str
    active: bool


@dataclass(frozen=True)
class Assignment:
    """Who a case was last given to, as cases announced it."""

    case_id: str
    caseworker_id: str
    assigned_at: datetime


@dataclass
class StaffNotification:
    notification_id: str
    user_id: str
    case_id: str
    reference: str
    kind: str
    summary: str
    # The reminder occurrence it tells of: one notification per person and cause.
    cause: str
    created_at: datetime
    read_at: datetime | None = None

    @property
    def unread(self) -> bool:
        return self.read_at is None


def recipients(audience: str, assignee: str | None, roster: Iterable[Colleague]) -> list[str]:
    """Who hears of a reminder for `audience` on a case given to `assignee` (or to nobody)."""
    members = {member.user_id: member for member in roster}
    supervisors = sorted(
        member.user_id
        for member in members.values()
        if member.active and member.role in HANDS_OUT_WORK
    )
    if audience != CASEWORKER:
        return supervisors
    if assignee is not None:
        member = members.get(assignee)
        # Someone the roster has not heard of yet (its announcement is still on its way) is
        # still the one working the case; someone deactivated no longer is.
        if member is None or member.active:
            return [assignee]
    return supervisors


def notifications_for(
    reminder: ReminderDue, assignee: str | None, roster: Iterable[Colleague], now: datetime
) -> list[StaffNotification]:
    """One notification per person who should hear that `reminder` fired."""
    return _each_hears(
        recipients(reminder.audience, assignee, roster),
        case_id=reminder.case_id,
        reference=reminder.reference,
        kind=reminder.kind,
        summary=reminder.summary,
        cause=f"{reminder.reminder_id}:{reminder.occurrence}",
        now=now,
    )


def documents_notifications(
    received: DocumentsReceived,
    cause: str,
    assignee: str | None,
    roster: Iterable[Colleague],
    now: datetime,
) -> list[StaffNotification]:
    """One notification per person working the case (its assignee, else whoever hands out
    work) that the constituent sent documents from their status page; `cause` is the event's
    id, so a replayed event notifies nobody twice. The files' names stay off the bell."""
    count = len(received.attachments)
    summary = f"The constituent sent {count} document{'s' if count != 1 else ''}"
    return _each_hears(
        recipients(CASEWORKER, assignee, roster),
        case_id=received.case_id,
        reference=received.reference,
        kind=DOCUMENTS_RECEIVED,
        summary=summary,
        cause=f"documents:{cause}",
        now=now,
    )


def _each_hears(
    user_ids: Iterable[str],
    *,
    case_id: str,
    reference: str,
    kind: str,
    summary: str,
    cause: str,
    now: datetime,
) -> list[StaffNotification]:
    """The same news on each person's bell, as a notification of their own."""
    return [
        StaffNotification(
            notification_id=str(uuid.uuid4()),
            user_id=user_id,
            case_id=case_id,
            reference=reference,
            kind=kind,
            summary=summary,
            cause=cause,
            created_at=now,
        )
        for user_id in user_ids
    ]
