"""The supervisors' escalation of a quiet case, over fakes: the events notify runs in the service
(`inactivity`'s handlers) push it on, in whatever order they arrive; it fires every so many
days while nothing happens; a finished case's is cancelled and reopening starts it again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.chassis.consuming import consume
from services.chassis.fakes import FakeDatabase, incoming
from services.contracts import (
    CASE_ASSIGNED,
    CASE_CLOSED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    INQUIRY_SENT,
    OFFICE_REGISTERED,
    PUBLIC_NOTE_ADDED,
    REMINDER_DUE,
    REPLY_LOGGED,
    SUBMISSION_RECEIVED,
)
from services.notify import firing, handlers, inactivity, reminders
from services.notify.domain.reminders import Reminder, ReminderState, case_key
from services.notify.tests.fakes import FakeNotifyUnitOfWork, fake_database

OFFICE = "rep-lopez"
CASE_ID = "case-1"
QUIET = case_key(CASE_ID, "no_activity")
ZONE = "America/New_York"
# Monday 5 Jan 2026, 15:00 in New York.
OPENED = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)

Db = FakeDatabase[FakeNotifyUnitOfWork]
# As the service runs them (service.py); the closing without its message to the constituent
# (which needs the constituent's address: test_case_messages.py).
HANDLERS: dict[str, Any] = {
    OFFICE_REGISTERED.event_type: handlers.record_office,
    CASE_OPENED.event_type: inactivity.record_case_opened,
    CASE_ASSIGNED.event_type: inactivity.follow_assignment,
    CASE_STATUS_CHANGED.event_type: inactivity.follow_status,
    CASE_CLOSED.event_type: reminders.finish_case,
    INQUIRY_SENT.event_type: inactivity.schedule_follow_up,
    REPLY_LOGGED.event_type: inactivity.follow_reply,
    PUBLIC_NOTE_ADDED.event_type: inactivity.queue_public_note,
    SUBMISSION_RECEIVED.event_type: handlers.record_recipient,
}


@pytest.fixture
def db() -> Db:
    return fake_database()


def nine_in_new_york(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=ZoneInfo(ZONE))


def send(db: Db, contract: Any, at: datetime, **changes: Any) -> None:
    payload = {**contract.example, **changes}
    if "case_id" in contract.example:
        payload["case_id"] = CASE_ID
    event = incoming(contract, payload, office_id=OFFICE, occurred_at=at)
    consume(db, event, HANDLERS[contract.event_type])


def open_case(db: Db, at: datetime = OPENED) -> None:
    send(db, CASE_OPENED, at, opened_at=at.isoformat())


def status(db: Db, from_status: str, to_status: str, at: datetime) -> None:
    send(db, CASE_STATUS_CHANGED, at, from_status=from_status, to_status=to_status)


def quiet(db: Db) -> Reminder:
    with db.unit_of_work(office_id=OFFICE) as uow:
        found = uow.reminders.by_key(QUIET)
    assert found is not None, "the case has no quiet-case escalation"
    return found


def sweep(db: Db, now: datetime) -> list[Any]:
    def find(at: datetime, limit: int) -> list[str]:
        rows = db.rows.get("reminders", {})
        return [o for o, kept in rows.items() if any(r.is_due(at) for r in kept.values())]

    before = len(db.published(REMINDER_DUE))
    firing.fire_due_reminders(db, find, lambda: now)
    return [r for r in db.published(REMINDER_DUE)[before:] if r.kind == "no_activity"]


def test_an_opened_case_goes_to_the_supervisors_after_14_quiet_days(db: Db) -> None:
    open_case(db)

    escalation = quiet(db)
    assert escalation.due_at == nine_in_new_york(date(2026, 1, 19))
    assert (escalation.audience, escalation.repeat_days) == ("supervisor", 14)
    assert escalation.summary == "Nothing has happened on this case for 14 days"


def test_each_thing_that_happens_starts_the_quiet_spell_again_and_a_late_older_one_does_not(
    db: Db,
) -> None:
    open_case(db)
    send(db, CASE_ASSIGNED, OPENED + timedelta(days=1))
    assert quiet(db).due_at == nine_in_new_york(date(2026, 1, 20))

    send(db, INQUIRY_SENT, OPENED + timedelta(days=6), follow_up_on=None)
    send(db, REPLY_LOGGED, OPENED + timedelta(days=9), kind="interim", follow_up_on=None)
    assert quiet(db).due_at == nine_in_new_york(date(2026, 1, 28))

    # A status change from day 3 delivered now (cases' queue was behind) moves nothing back.
    status(db, "new", "open", OPENED + timedelta(days=3))
    assert quiet(db).due_at == nine_in_new_york(date(2026, 1, 28))


def test_a_public_note_to_the_constituent_is_activity_too(db: Db) -> None:
    submission = CASE_OPENED.example["submission_id"]
    send(db, SUBMISSION_RECEIVED, OPENED, submission_id=submission)
    open_case(db)

    send(db, PUBLIC_NOTE_ADDED, OPENED + timedelta(days=4))

    assert quiet(db).due_at == nine_in_new_york(date(2026, 1, 23))


def test_an_assignment_heard_of_before_the_opening_leaves_the_opening_to_schedule_it(
    db: Db,
) -> None:
    send(db, CASE_ASSIGNED, OPENED + timedelta(minutes=1))
    with db.unit_of_work(office_id=OFFICE) as uow:
        assert uow.reminders.by_key(QUIET) is None  # an assignment names no reference

    open_case(db)

    assert quiet(db).due_at == nine_in_new_york(date(2026, 1, 19))


def test_a_quiet_case_escalates_every_14_days_until_something_happens(db: Db) -> None:
    open_case(db)

    first = sweep(db, nine_in_new_york(date(2026, 1, 19)))
    again = sweep(db, nine_in_new_york(date(2026, 1, 19)) + timedelta(hours=1))
    second = sweep(db, nine_in_new_york(date(2026, 2, 2)))

    assert [(r.occurrence, r.audience) for r in first] == [(1, "supervisor")]
    assert again == []
    assert [r.occurrence for r in second] == [2]
    status(db, "new", "open", nine_in_new_york(date(2026, 2, 3)))
    assert quiet(db).due_at == nine_in_new_york(date(2026, 2, 17))
    assert sweep(db, nine_in_new_york(date(2026, 2, 16))) == []


def test_a_closed_case_is_never_escalated_and_reopening_starts_the_spell_again(db: Db) -> None:
    open_case(db)
    send(db, CASE_CLOSED, OPENED + timedelta(days=2))
    assert quiet(db).state is ReminderState.CANCELLED
    # Older activity delivered after the closing does not bring it back.
    send(db, INQUIRY_SENT, OPENED + timedelta(days=1), follow_up_on=None)
    assert quiet(db).state is ReminderState.CANCELLED
    assert sweep(db, OPENED + timedelta(days=60)) == []

    status(db, "closed", "open", OPENED + timedelta(days=70))

    reopened = quiet(db)
    assert reopened.state is ReminderState.PENDING
    assert reopened.due_at == nine_in_new_york(date(2026, 3, 30))


def test_an_office_that_set_its_own_quiet_spell_is_escalated_by_it(db: Db) -> None:
    send(db, OFFICE_REGISTERED, OPENED, office_id=OFFICE, timezone=ZONE, no_activity_days=30)

    open_case(db)

    escalation = quiet(db)
    assert escalation.due_at == nine_in_new_york(date(2026, 2, 4))
    assert escalation.repeat_days == 30
    assert escalation.summary == "Nothing has happened on this case for 30 days"
