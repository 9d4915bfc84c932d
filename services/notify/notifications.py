"""The bell in the staff app (docs/reminders.md): who works in each office and who each case
was given to, kept from gateway's and cases' events; a notification per person for each
reminder that fires, written in the transaction that fires it; and each person's list, unread
count and "mark as read", asked for by the staff app over RPC as the signed-in person.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from services.chassis.caller import Caller
from services.chassis.db import utcnow
from services.chassis.errors import Forbidden, TransientError
from services.chassis.events import IncomingEvent
from services.contracts import (
    CaseAssigned,
    DocumentsReceived,
    ReminderDue,
    StaffContactRecorded,
    StaffMemberAdded,
)
from services.notify.domain.notifications import (
    DOCUMENTS_RECEIVED,
    Assignment,
    Colleague,
    StaffNotification,
    documents_notifications,
    notifications_for,
)
from services.notify.observability import STAFF_NOTIFIED
from services.notify.ports import NotifyWork

BELL_LIMIT = 30


def record_colleague(uow: NotifyWork, event: IncomingEvent[StaffMemberAdded]) -> None:
    member = event.payload
    uow.staff.record(
        Colleague(member.user_id, member.display_name, member.role, member.active),
        event.occurred_at,
    )


def record_contact(uow: NotifyWork, event: IncomingEvent[StaffContactRecorded]) -> None:
    """Where the member's digest goes; their roster entry (another queue) must be kept first."""
    contact = event.payload
    if not uow.staff.record_contact(contact.user_id, contact.email):
        raise TransientError(f"notify does not know staff member {contact.user_id} yet")


def record_assignment(uow: NotifyWork, assigned: CaseAssigned) -> None:
    uow.assignments.record(
        Assignment(assigned.case_id, assigned.caseworker_id, assigned.assigned_at)
    )


def notify_staff(uow: NotifyWork, fired: Sequence[ReminderDue], now: datetime) -> None:
    """Tell the people each fired reminder is for, in the unit of work that fired them; the
    count is taken when it commits."""
    if not fired:
        return
    roster = uow.staff.roster()
    assignees = uow.assignments.assignees([reminder.case_id for reminder in fired])
    notifications: list[StaffNotification] = []
    for reminder in fired:
        notifications += notifications_for(reminder, assignees.get(reminder.case_id), roster, now)
    uow.notifications.add_all(notifications)
    for kind, count in Counter(notification.kind for notification in notifications).items():
        uow.after_commit(functools.partial(STAFF_NOTIFIED.labels(kind).inc, count))


def notify_documents(uow: NotifyWork, event: IncomingEvent[DocumentsReceived]) -> None:
    """The constituent sent documents: whoever works the case hears of it behind the bell."""
    received = event.payload
    assignee = uow.assignments.assignees([received.case_id]).get(received.case_id)
    sent = documents_notifications(received, event.event_id, assignee, uow.staff.roster(), utcnow())
    uow.notifications.add_all(sent)
    uow.after_commit(functools.partial(STAFF_NOTIFIED.labels(DOCUMENTS_RECEIVED).inc, len(sent)))


def person(caller: Caller) -> str:
    """The signed-in staff member asking about their own bell; nobody else has one."""
    if caller.actor.is_system:
        raise Forbidden("the bell belongs to a signed-in staff member")
    return caller.actor.user_id


def bell(
    uow: NotifyWork, user_id: str, *, unread_only: bool = False, limit: int = BELL_LIMIT
) -> tuple[int, list[StaffNotification]]:
    """A person's unread count and latest notifications (or only the unread ones)."""
    listed = uow.notifications.for_person(user_id, unread_only=unread_only, limit=limit)
    return uow.notifications.unread_count(user_id), listed


def mark_read(uow: NotifyWork, user_id: str, notification_ids: Sequence[str] | None) -> int:
    """Mark these (or all) of the person's notifications read; their unread count after."""
    uow.notifications.mark_read(user_id, notification_ids, utcnow())
    unread = uow.notifications.unread_count(user_id)
    uow.commit()
    return unread
