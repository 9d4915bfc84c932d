"""The supervisors' escalation of a case nothing happens on: every event notify hears about an
open case (its opening, assignment, a status change, a public note, a letter sent to an agency,
an agency's reply) is activity, and pushes the case's `no_activity` reminder to so many days
(the office's setting, default 14) after it. If nothing comes before that day, the reminder
fires to the supervisors, and again every so many days while the case stays quiet. A finished
case's is cancelled with its other reminders; reopening it is activity and starts it again.

Notify hears of what cases and agencies announce, not of internal notes or reading a case:
those do not count (docs/reminders.md).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.chassis.events import IncomingEvent
from services.notify import case_messages, handlers, reminders
from services.notify.domain.reminders import (
    SUPERVISOR,
    Reminder,
    ReminderKind,
    ReminderState,
    case_key,
    no_activity_summary,
)
from services.notify.ports import NotifyWork

Handler = Callable[[NotifyWork, IncomingEvent[Any]], None]


def note_activity(uow: NotifyWork, case_id: str, reference: str | None, at: datetime) -> None:
    """Something happened on the case at `at`: its quiet spell starts again from then."""
    office, policy = reminders.office_schedule(uow)
    key = case_key(case_id, ReminderKind.NO_ACTIVITY)
    due_at = office.after_days(at, policy.no_activity_days, policy.hour)
    summary = no_activity_summary(policy.no_activity_days)
    quiet = uow.reminders.by_key(key)
    if quiet is None:
        if reference:  # an assignment names no reference: the opening will schedule it
            reminders.schedule_new(
                uow,
                Reminder.schedule(
                    cancel_key=key,
                    case_id=case_id,
                    reference=reference,
                    kind=ReminderKind.NO_ACTIVITY,
                    audience=SUPERVISOR,
                    summary=summary,
                    due_at=due_at,
                    now=at,
                    repeat_days=policy.no_activity_days,
                ),
            )
    elif quiet.pending:
        if quiet.due_at < due_at:  # an older event, arriving late, moves nothing back
            quiet.move_to(due_at, summary)
            quiet.repeat_days = policy.no_activity_days
            uow.reminders.save(quiet)
    elif quiet.state is ReminderState.CANCELLED and not reminders.case_finished(uow, case_id):
        quiet.restart(due_at, summary, at)
        quiet.repeat_days = policy.no_activity_days
        uow.reminders.save(quiet)


def counts_as_activity(handler: Handler) -> Handler:
    """`handler`, then the event noted as activity on its case, in the same unit of work."""

    @functools.wraps(handler)
    def handle(uow: NotifyWork, event: IncomingEvent[Any]) -> None:
        handler(uow, event)
        payload = event.payload
        note_activity(uow, payload.case_id, getattr(payload, "reference", None), event.occurred_at)

    return handle


# What notify runs for each event that is activity on a case, built once.
record_case_opened = counts_as_activity(handlers.record_case_opened)
follow_assignment = counts_as_activity(reminders.follow_assignment)
follow_status = counts_as_activity(case_messages.follow_status)
queue_public_note = counts_as_activity(case_messages.queue_public_note)
schedule_follow_up = counts_as_activity(reminders.schedule_follow_up)
follow_reply = counts_as_activity(reminders.follow_reply)
