"""Reminders over fakes: the office's calendar, the reminder's own rules (fires once per
occurrence, repeats without firing twice for missed weeks), and how the events of cases and
agencies create, move and cancel them, in whatever order they arrive. The sweep over real
databases and two racing claimers is in test_reminder_sweep.py."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.chassis.calendar import HolidayCalendar
from services.chassis.consuming import consume
from services.chassis.fakes import FakeDatabase, incoming
from services.contracts import (
    CASE_ASSIGNED,
    CASE_CLOSED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    DEADLINE_EXTENDED,
    INQUIRY_OVERDUE,
    INQUIRY_SENT,
    INQUIRY_WITHDRAWN,
    OFFICE_REGISTERED,
    REMINDER_DUE,
    REPLY_LOGGED,
)
from services.notify import firing, handlers, reminders
from services.notify.domain.reminders import (
    OfficeClock,
    Reminder,
    ReminderKind,
    ReminderState,
    ReminderStateError,
    case_key,
    inquiry_key,
)
from services.notify.tests.fakes import FakeNotifyUnitOfWork, fake_database

OFFICE = "rep-lopez"
CASE_ID = "case-1"
INQUIRY_ID = "inq-1"
NEW_YORK = OfficeClock("America/New_York", HolidayCalendar("US"))
# Wednesday 24 Dec 2025, 15:00 in New York.
CHRISTMAS_EVE = datetime(2025, 12, 24, 20, 0, tzinfo=UTC)


def at_nine_new_york(day: date) -> datetime:
    return NEW_YORK.at_hour(day, 9)


# --- The office's calendar and the reminder itself ------------------------------------------


def test_business_days_skip_the_weekend_and_christmas_and_fall_at_nine_local() -> None:
    due = NEW_YORK.after_business_days(CHRISTMAS_EVE, 2, 9)

    # Thu 25 Dec is a holiday, Fri 26 Dec counts, the weekend does not, Mon 29 Dec is the 2nd.
    assert due == datetime(2025, 12, 29, 14, 0, tzinfo=UTC)
    assert NEW_YORK.after_days(CHRISTMAS_EVE, 7, 9) == datetime(2025, 12, 31, 14, 0, tzinfo=UTC)


def test_a_moment_late_in_the_evening_counts_from_the_local_day() -> None:
    # 23:30 in New York on Friday 5 Dec is Saturday in UTC; the count starts on Friday.
    late_friday = datetime(2025, 12, 6, 4, 30, tzinfo=UTC)

    assert NEW_YORK.after_business_days(late_friday, 1, 9).date() == date(2025, 12, 8)


def reminder(due_at: datetime, repeat_days: int | None = None) -> Reminder:
    return Reminder.schedule(
        cancel_key=inquiry_key(INQUIRY_ID, "follow_up"),
        case_id=CASE_ID,
        reference="CW-2026-000042",
        kind=ReminderKind.AGENCY_FOLLOW_UP,
        summary="Follow up with SSA",
        due_at=due_at,
        now=due_at - timedelta(days=7),
        repeat_days=repeat_days,
        agency_code="SSA",
        inquiry_id=INQUIRY_ID,
    )


def test_a_one_off_fires_once_and_says_what_and_how_late() -> None:
    due = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
    one_off = reminder(due)

    assert not one_off.is_due(due - timedelta(seconds=1))
    fired = one_off.fire(due + timedelta(seconds=3))

    assert (fired.occurrence, fired.kind, fired.agency_code) == (1, "agency_follow_up", "SSA")
    assert (fired.fired_at - fired.due_at).total_seconds() == 3
    assert one_off.state is ReminderState.FIRED
    assert [event.contract for event in one_off.pull_events()] == [REMINDER_DUE]
    with pytest.raises(ReminderStateError):
        one_off.fire(due + timedelta(days=1))


def test_a_repeating_reminder_fires_once_for_weeks_missed_and_moves_past_now() -> None:
    due = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
    weekly = reminder(due, repeat_days=7)

    weekly.fire(due + timedelta(days=15))  # notify was away for two weeks

    assert weekly.state is ReminderState.PENDING
    assert weekly.occurrence == 1
    assert weekly.due_at == due + timedelta(days=21)
    assert not weekly.is_due(due + timedelta(days=20))
    assert weekly.fire(due + timedelta(days=21)).occurrence == 2


def test_a_cancelled_reminder_is_not_moved_and_not_due() -> None:
    due = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
    gone = reminder(due)
    gone.cancel()

    assert not gone.is_due(due + timedelta(days=1))
    with pytest.raises(ReminderStateError):
        gone.move_to(due + timedelta(days=2))


# --- Events move them ---------------------------------------------------------------------------

Db = FakeDatabase[FakeNotifyUnitOfWork]
HANDLERS: dict[str, Any] = {
    OFFICE_REGISTERED.event_type: handlers.record_office,
    CASE_OPENED.event_type: handlers.record_case_opened,
    CASE_ASSIGNED.event_type: reminders.follow_assignment,
    CASE_STATUS_CHANGED.event_type: reminders.follow_status,
    CASE_CLOSED.event_type: reminders.finish_case,
    INQUIRY_SENT.event_type: reminders.schedule_follow_up,
    REPLY_LOGGED.event_type: reminders.follow_reply,
    INQUIRY_WITHDRAWN.event_type: reminders.cancel_follow_up,
    DEADLINE_EXTENDED.event_type: reminders.follow_extension,
    INQUIRY_OVERDUE.event_type: reminders.escalate_overdue,
}


@pytest.fixture
def db() -> Db:
    return fake_database()


def send(db: Db, contract: Any, **changes: Any) -> None:
    ours = {"case_id": CASE_ID, "inquiry_id": INQUIRY_ID}
    payload = {**contract.example, **{k: v for k, v in ours.items() if k in contract.example}}
    payload.update(changes)
    consume(db, incoming(contract, payload, office_id=OFFICE), HANDLERS[contract.event_type])


def open_case(db: Db, opened_at: datetime = CHRISTMAS_EVE) -> None:
    send(db, CASE_OPENED, opened_at=opened_at.isoformat())


def status(db: Db, from_status: str, to_status: str, at: datetime = CHRISTMAS_EVE) -> None:
    send(
        db,
        CASE_STATUS_CHANGED,
        from_status=from_status,
        to_status=to_status,
        changed_at=at.isoformat(),
    )


def stored(db: Db, key: str) -> Reminder | None:
    with db.unit_of_work(office_id=OFFICE) as uow:
        return uow.reminders.by_key(key)


def pending(db: Db) -> dict[str, datetime]:
    with db.unit_of_work(office_id=OFFICE) as uow:
        return {r.cancel_key: r.due_at for r in uow.reminders.pending_for_case(CASE_ID)}


def test_a_new_case_gets_first_contact_and_unassigned_reminders_in_the_office_zone(
    db: Db,
) -> None:
    send(db, OFFICE_REGISTERED, office_id=OFFICE, timezone="America/Los_Angeles")
    open_case(db)

    assert pending(db) == {
        # 2 business days after 24 Dec in Los Angeles (Christmas off), at 09:00 there.
        case_key(CASE_ID, "first_contact"): datetime(2025, 12, 29, 17, 0, tzinfo=UTC),
        case_key(CASE_ID, "unassigned"): datetime(2025, 12, 26, 17, 0, tzinfo=UTC),
    }
    unassigned = stored(db, case_key(CASE_ID, "unassigned"))
    assert unassigned is not None and unassigned.audience == "supervisor"


def test_a_case_given_to_someone_as_it_opens_gets_no_unassigned_reminder(db: Db) -> None:
    send(db, CASE_OPENED, opened_at=CHRISTMAS_EVE.isoformat(), caseworker_id="user-7")

    assert list(pending(db)) == [case_key(CASE_ID, "first_contact")]
    assert stored(db, case_key(CASE_ID, "unassigned")) is None
    send(db, CASE_ASSIGNED)
    assert list(pending(db)) == [case_key(CASE_ID, "first_contact")]


def test_an_opening_from_before_the_caseworker_field_keeps_its_unassigned_reminder(
    db: Db,
) -> None:
    payload = {**CASE_OPENED.example, "case_id": CASE_ID}
    del payload["caseworker_id"]
    consume(db, incoming(CASE_OPENED, payload, office_id=OFFICE), HANDLERS["cases.case_opened"])

    assert case_key(CASE_ID, "unassigned") in pending(db)


def test_assignment_cancels_the_escalation_even_when_heard_of_before_the_opening(
    db: Db,
) -> None:
    send(db, CASE_ASSIGNED)  # cases' events travel on separate queues
    open_case(db)

    assert list(pending(db)) == [case_key(CASE_ID, "first_contact")]


def test_leaving_new_is_the_first_contact_and_waiting_on_the_constituent_checks_in(
    db: Db,
) -> None:
    open_case(db)
    send(db, CASE_ASSIGNED)
    status(db, "new", "open")
    assert pending(db) == {}

    status(db, "open", "waiting_on_constituent")
    check_in = case_key(CASE_ID, "constituent_check_in")
    assert pending(db) == {check_in: at_nine_new_york(date(2025, 12, 31))}

    status(db, "waiting_on_constituent", "open")
    assert pending(db) == {}
    later = CHRISTMAS_EVE + timedelta(days=10)
    status(db, "open", "waiting_on_constituent", at=later)
    assert pending(db) == {check_in: at_nine_new_york(date(2026, 1, 10))}


def test_a_letter_is_followed_up_until_its_final_reply(db: Db) -> None:
    open_case(db)
    send(db, INQUIRY_SENT, sent_at=CHRISTMAS_EVE.isoformat(), follow_up_on=None)
    key = inquiry_key(INQUIRY_ID, "follow_up")
    assert pending(db)[key] == at_nine_new_york(date(2025, 12, 31))

    send(
        db,
        REPLY_LOGGED,
        kind="interim",
        logged_at=(CHRISTMAS_EVE + timedelta(days=3)).isoformat(),
        follow_up_on="2026-01-20",
    )
    assert pending(db)[key] == at_nine_new_york(date(2026, 1, 20))

    send(db, DEADLINE_EXTENDED, due_on="2026-02-02", previous_due_on="2026-01-23")
    assert pending(db)[key] == at_nine_new_york(date(2026, 2, 2))

    send(db, REPLY_LOGGED, kind="final")
    assert key not in pending(db)
    follow_up = stored(db, key)
    assert follow_up is not None and follow_up.state is ReminderState.CANCELLED


def test_a_withdrawn_letter_is_not_followed_up_even_if_its_sending_arrives_late(db: Db) -> None:
    send(db, INQUIRY_WITHDRAWN)
    send(db, INQUIRY_SENT, follow_up_on="2026-01-05")

    assert pending(db) == {}


def test_only_the_second_overdue_threshold_escalates_to_supervisors_once(db: Db) -> None:
    send(db, INQUIRY_OVERDUE, level="due")
    assert pending(db) == {}

    for _ in range(2):
        send(db, INQUIRY_OVERDUE, level="plus_5", business_days_late=5)
    escalation = stored(db, inquiry_key(INQUIRY_ID, "overdue:plus_5"))

    assert escalation is not None and escalation.audience == "supervisor"
    assert escalation.kind is ReminderKind.INQUIRY_OVERDUE
    assert "5 business days overdue" in escalation.summary
    assert len(pending(db)) == 1


def test_a_finished_case_has_nothing_due_until_it_is_reopened(db: Db) -> None:
    open_case(db)
    send(db, INQUIRY_SENT, follow_up_on="2026-01-05")
    send(db, CASE_CLOSED)
    assert pending(db) == {}

    send(db, INQUIRY_SENT, inquiry_id="inq-late", follow_up_on="2026-01-05")
    status(db, "open", "waiting_on_constituent")
    assert pending(db) == {}

    status(db, "closed", "open")
    send(db, INQUIRY_SENT, inquiry_id="inq-after", follow_up_on="2026-01-05")
    assert list(pending(db)) == [inquiry_key("inq-after", "follow_up")]


# --- The sweep ----------------------------------------------------------------------------------


def due_offices(db: Db) -> firing.FindOffices:
    def find(now: datetime, limit: int) -> list[str]:
        rows = db.rows.get("reminders", {})
        return [
            office for office, kept in rows.items() if any(r.is_due(now) for r in kept.values())
        ][:limit]

    return find


def test_the_sweep_fires_what_is_due_once_and_a_closed_cases_reminders_never(db: Db) -> None:
    open_case(db)
    send(db, INQUIRY_SENT, follow_up_on="2026-01-05")
    send(db, INQUIRY_SENT, case_id="case-2", inquiry_id="inq-2", follow_up_on="2026-01-05")
    send(db, CASE_CLOSED, case_id="case-2")
    now = datetime(2026, 1, 5, 14, 0, 1, tzinfo=UTC)

    first = firing.fire_due_reminders(db, due_offices(db), lambda: now)
    second = firing.fire_due_reminders(db, due_offices(db), lambda: now)

    fired = db.published(REMINDER_DUE)
    # The first-contact and unassigned reminders of case-1 and its follow-up; none of case-2.
    assert (first, second) == (3, 0)
    assert sorted(r.kind for r in fired) == ["agency_follow_up", "first_contact", "unassigned"]
    assert {r.case_id for r in fired} == {CASE_ID}
    follow_up = next(r for r in fired if r.kind == "agency_follow_up")
    assert follow_up.due_at == at_nine_new_york(date(2026, 1, 5))
    assert (follow_up.fired_at - follow_up.due_at) == timedelta(seconds=1)


def test_an_office_that_set_its_own_intervals_gets_its_reminders_by_them(db: Db) -> None:
    intervals = {
        "first_contact_business_days": 3,
        "follow_up_every_days": 10,
        "check_in_every_days": 14,
    }
    send(db, OFFICE_REGISTERED, office_id=OFFICE, timezone="America/New_York", **intervals)
    open_case(db)  # Wednesday 24 Dec 2025
    # 3 business days after 24 Dec, Christmas and the weekend off: Tuesday 30 Dec.
    first_contact = pending(db)[case_key(CASE_ID, "first_contact")]
    status(db, "new", "waiting_on_constituent")
    send(db, INQUIRY_SENT, follow_up_on=None, sent_at=CHRISTMAS_EVE.isoformat())

    due = pending(db)
    check_in = stored(db, case_key(CASE_ID, "constituent_check_in"))
    assert first_contact == at_nine_new_york(date(2025, 12, 30))
    assert due[case_key(CASE_ID, "constituent_check_in")] == at_nine_new_york(date(2026, 1, 7))
    assert due[inquiry_key(INQUIRY_ID, "follow_up")] == at_nine_new_york(date(2026, 1, 3))
    assert check_in is not None and check_in.repeat_days == 14
    assert "(every 14 days)" in check_in.summary


def test_a_tick_leaves_a_due_reminder_it_cannot_take_to_the_next_tick(db: Db) -> None:
    now = datetime(2026, 1, 5, 14, 0, 1, tzinfo=UTC)
    started = time.monotonic()

    # Due (by the look-up) yet not claimable: another sweeper holds it under its lock.
    fired = firing.fire_within(db, lambda at, limit: [], lambda: now, lambda: now, 5.0)

    assert fired == 0
    assert time.monotonic() - started < 1.0  # no spinning until the tick is over
