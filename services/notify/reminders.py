"""Notify's reminder scheduler (docs/reminders.md): the events that create, move and cancel each
case's reminders. Their handlers run in the consume wrapper's unit of work for the event's
office; the sweep that fires those due is `firing.py`.
"""

from __future__ import annotations

from datetime import datetime

from services.chassis.calendar import (
    HolidayCalendar,
    installation_country,
    installation_subdivision,
)
from services.chassis.events import IncomingEvent
from services.contracts import (
    CaseAssigned,
    CaseClosed,
    CaseOpened,
    CaseStatusChanged,
    DeadlineExtended,
    InquiryOverdue,
    InquirySent,
    InquiryWithdrawn,
    ReplyLogged,
)
from services.notify import notifications
from services.notify.domain.reminders import (
    CASEWORKER,
    SUPERVISOR,
    OfficeClock,
    Reminder,
    ReminderKind,
    ReminderPolicy,
    ReminderState,
    case_key,
    check_in_summary,
    first_contact_summary,
    follow_up_summary,
    inquiry_key,
    overdue_summary,
    unassigned_summary,
)
from services.notify.ports import NotifyWork

DEFAULT_ZONE = "America/New_York"
# A case in one of these is finished: nothing about it is due any more.
FINISHED = frozenset({"resolved", "closed", "withdrawn", "transferred"})
# The escalation goes to supervisors at the second overdue threshold.
ESCALATED_LEVEL = "plus_5"


def _calendar() -> HolidayCalendar:
    return HolidayCalendar(installation_country(), installation_subdivision())


def office_schedule(uow: NotifyWork) -> tuple[OfficeClock, ReminderPolicy]:
    """The office's time zone and working days, and when its reminders fall due (its
    admin's intervals; the defaults for an office not heard of yet)."""
    zone, policy = uow.offices.schedule()
    return OfficeClock(zone or DEFAULT_ZONE, _calendar()), policy


# --- Events that create, move and cancel reminders -------------------------------------------


def schedule_case_opened(uow: NotifyWork, event: IncomingEvent[CaseOpened]) -> None:
    """First contact due after N business days; an escalation if nobody has taken the case
    after one, unless the routing gave it to someone as it opened. Its `case_assigned` would
    cancel that reminder at once, and the two consumers, each batching, would write the same
    reminder key, one waiting on the other's transaction."""
    opened = event.payload
    office, policy = office_schedule(uow)

    def after_opening(kind: ReminderKind, business_days: int, summary: str, audience: str) -> None:
        schedule_new(
            uow,
            Reminder.schedule(
                cancel_key=case_key(opened.case_id, kind),
                case_id=opened.case_id,
                reference=opened.reference,
                kind=kind,
                audience=audience,
                summary=summary,
                due_at=office.after_business_days(opened.opened_at, business_days, policy.hour),
                now=event.occurred_at,
            ),
        )

    days = policy.first_contact_business_days
    after_opening(ReminderKind.FIRST_CONTACT, days, first_contact_summary(days), CASEWORKER)
    if opened.caseworker_id is None:
        days = policy.unassigned_business_days
        after_opening(ReminderKind.UNASSIGNED, days, unassigned_summary(days), SUPERVISOR)


def follow_assignment(uow: NotifyWork, event: IncomingEvent[CaseAssigned]) -> None:
    """The case has someone on it: nobody need be told it is unassigned, and its reminders
    go to that person from now on."""
    assigned = event.payload
    notifications.record_assignment(uow, assigned)
    cancel_reminder(
        uow,
        assigned.case_id,
        case_key(assigned.case_id, ReminderKind.UNASSIGNED),
        ReminderKind.UNASSIGNED,
        event.occurred_at,
    )


def follow_status(uow: NotifyWork, event: IncomingEvent[CaseStatusChanged]) -> None:
    """Leaving `new` is the first contact; waiting on the constituent starts the check-ins and
    leaving it stops them; a finished case has nothing due; a reopened one starts again."""
    changed = event.payload
    case_id, now = changed.case_id, event.occurred_at
    if changed.from_status == "new":
        cancel_reminder(
            uow,
            case_id,
            case_key(case_id, ReminderKind.FIRST_CONTACT),
            ReminderKind.FIRST_CONTACT,
            now,
        )
    if changed.to_status in FINISHED:
        _finish(uow, case_id, now)
        return
    if changed.from_status in FINISHED:
        _reopen(uow, case_id)
    check_in = case_key(case_id, ReminderKind.CONSTITUENT_CHECK_IN)
    if changed.to_status == "waiting_on_constituent":
        office, policy = office_schedule(uow)
        due_at = office.after_days(changed.changed_at, policy.check_in_every_days, policy.hour)
        summary = check_in_summary(policy.check_in_every_days)
        existing = uow.reminders.by_key(check_in)
        if existing is None:
            schedule_new(
                uow,
                Reminder.schedule(
                    cancel_key=check_in,
                    case_id=case_id,
                    reference=changed.reference,
                    kind=ReminderKind.CONSTITUENT_CHECK_IN,
                    summary=summary,
                    due_at=due_at,
                    now=now,
                    repeat_days=policy.check_in_every_days,
                ),
            )
        elif existing.state is ReminderState.CANCELLED and not case_finished(uow, case_id):
            existing.restart(due_at, summary, now)
            uow.reminders.save(existing)
    elif changed.from_status == "waiting_on_constituent":
        cancel_reminder(uow, case_id, check_in, ReminderKind.CONSTITUENT_CHECK_IN, now)


def finish_case(uow: NotifyWork, event: IncomingEvent[CaseClosed]) -> None:
    _finish(uow, event.payload.case_id, event.occurred_at)


def schedule_follow_up(uow: NotifyWork, event: IncomingEvent[InquirySent]) -> None:
    """Follow up with the agency on the follow-up day agencies worked out (its interim cadence),
    else every N days after sending, until its final reply."""
    sent = event.payload
    office, policy = office_schedule(uow)
    due_at = (
        office.at_hour(sent.follow_up_on, policy.hour)
        if sent.follow_up_on
        else office.after_days(sent.sent_at, policy.follow_up_every_days, policy.hour)
    )
    schedule_new(
        uow,
        Reminder.schedule(
            cancel_key=inquiry_key(sent.inquiry_id, "follow_up"),
            case_id=sent.case_id,
            reference=sent.reference,
            kind=ReminderKind.AGENCY_FOLLOW_UP,
            summary=follow_up_summary(sent.agency_code, policy.follow_up_every_days),
            due_at=due_at,
            now=event.occurred_at,
            repeat_days=policy.follow_up_every_days,
            agency_code=sent.agency_code,
            inquiry_id=sent.inquiry_id,
        ),
    )


def follow_reply(uow: NotifyWork, event: IncomingEvent[ReplyLogged]) -> None:
    """A final reply ends the follow-ups; an interim one restarts their clock."""
    reply = event.payload
    key = inquiry_key(reply.inquiry_id, "follow_up")
    if reply.kind == "final":
        cancel_reminder(uow, reply.case_id, key, ReminderKind.AGENCY_FOLLOW_UP, event.occurred_at)
        return
    office, policy = office_schedule(uow)
    due_at = (
        office.at_hour(reply.follow_up_on, policy.hour)
        if reply.follow_up_on
        else office.after_days(reply.logged_at, policy.follow_up_every_days, policy.hour)
    )
    _move(uow, key, due_at)


def cancel_follow_up(uow: NotifyWork, event: IncomingEvent[InquiryWithdrawn]) -> None:
    withdrawn = event.payload
    cancel_reminder(
        uow,
        withdrawn.case_id,
        inquiry_key(withdrawn.inquiry_id, "follow_up"),
        ReminderKind.AGENCY_FOLLOW_UP,
        event.occurred_at,
    )


def follow_extension(uow: NotifyWork, event: IncomingEvent[DeadlineExtended]) -> None:
    """The agency was given until a later day: no follow-up before it."""
    extended = event.payload
    reminder = uow.reminders.by_key(inquiry_key(extended.inquiry_id, "follow_up"))
    if reminder is None or not reminder.pending:
        return
    office, policy = office_schedule(uow)
    not_before = office.at_hour(extended.due_on, policy.hour)
    if reminder.due_at < not_before:
        reminder.move_to(not_before)
        uow.reminders.save(reminder)


def escalate_overdue(uow: NotifyWork, event: IncomingEvent[InquiryOverdue]) -> None:
    """At the second overdue threshold the supervisors hear of it, once."""
    overdue = event.payload
    if overdue.level != ESCALATED_LEVEL:
        return
    schedule_new(
        uow,
        Reminder.schedule(
            cancel_key=inquiry_key(overdue.inquiry_id, f"overdue:{overdue.level}"),
            case_id=overdue.case_id,
            reference=overdue.reference,
            kind=ReminderKind.INQUIRY_OVERDUE,
            audience=SUPERVISOR,
            summary=overdue_summary(overdue.agency_code, overdue.business_days_late),
            due_at=overdue.detected_at,
            now=event.occurred_at,
            agency_code=overdue.agency_code,
            inquiry_id=overdue.inquiry_id,
        ),
    )


def schedule_new(uow: NotifyWork, reminder: Reminder) -> None:
    """Keep a new reminder unless its key was used already (scheduled, fired or cancelled:
    the same event again, or a cancellation that arrived first, even one committed by
    another worker a moment ago) or its case is finished."""
    if uow.reminders.by_key(reminder.cancel_key) is not None:
        return
    if case_finished(uow, reminder.case_id):
        return
    uow.reminders.add_later(reminder)


def cancel_reminder(
    uow: NotifyWork, case_id: str, key: str, kind: ReminderKind, now: datetime
) -> None:
    """Cancel the key's reminder, or keep its key as cancelled (a tombstone) so that its
    scheduling, arriving later, keeps nothing. A reminder another worker scheduled a moment
    ago (an opening heard beside its assignment) is found by the tombstone's insert, and
    cancelled: no transaction is rolled back for it."""
    reminder = uow.reminders.by_key(key)
    if reminder is None:
        tombstone = Reminder.tombstone(cancel_key=key, case_id=case_id, kind=kind, now=now)
        if uow.reminders.add_if_new(tombstone):
            return
        reminder = uow.reminders.by_key(key)
    if reminder is not None and reminder.pending:
        reminder.cancel()
        uow.reminders.save(reminder)


def _move(uow: NotifyWork, key: str, due_at: datetime) -> None:
    reminder = uow.reminders.by_key(key)
    if reminder is not None and reminder.pending:
        reminder.move_to(due_at)
        uow.reminders.save(reminder)


def _finish(uow: NotifyWork, case_id: str, now: datetime) -> None:
    for reminder in uow.reminders.pending_for_case(case_id):
        reminder.cancel()
        uow.reminders.save(reminder)
    key = case_key(case_id, ReminderKind.CASE_FINISHED)
    mark = uow.reminders.by_key(key)
    if mark is None and uow.reminders.add_if_new(Reminder.finished_mark(case_id, now)):
        return
    mark = mark or uow.reminders.by_key(key)
    if mark is not None and not mark.in_force:
        mark.enforce()
        uow.reminders.save(mark)


def _reopen(uow: NotifyWork, case_id: str) -> None:
    mark = uow.reminders.by_key(case_key(case_id, ReminderKind.CASE_FINISHED))
    if mark is not None and mark.in_force:
        mark.lift()
        uow.reminders.save(mark)


def case_finished(uow: NotifyWork, case_id: str) -> bool:
    mark = uow.reminders.by_key(case_key(case_id, ReminderKind.CASE_FINISHED))
    return mark is not None and mark.in_force
