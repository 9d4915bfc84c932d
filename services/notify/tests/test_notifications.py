"""The bell over fakes: who hears of each reminder (the assignee while active, else those who
hand out work; escalations always to them), one notification per person and occurrence
however often the sweep runs or the events are replayed, and each person's own list, count
and "mark as read". The RPC through a real notify is in test_service.py; the repositories on
both databases in test_repository.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.chassis.caller import Caller
from services.chassis.consuming import consume
from services.chassis.domain import Actor
from services.chassis.errors import Forbidden
from services.chassis.fakes import FakeDatabase, incoming
from services.contracts import (
    CASE_ASSIGNED,
    CASE_OPENED,
    INQUIRY_OVERDUE,
    STAFF_MEMBER_ADDED,
    ReminderDue,
)
from services.notify import firing, handlers, notifications, reminders
from services.notify.domain.notifications import Colleague, notifications_for, recipients
from services.notify.tests.fakes import FakeNotifyUnitOfWork, fake_database

OFFICE = "rep-lopez"
OPENED = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)  # a Monday, 10:00 in New York
ROSTER = [
    Colleague("u-sam", "Sam Rivera", "caseworker", True),
    Colleague("u-ann", "Ann Cole", "supervisor", True),
    Colleague("u-kim", "Kim Park", "office_admin", True),
    Colleague("u-old", "Former Supervisor", "supervisor", False),
    Colleague("u-int", "Ida Intern", "read_only", True),
    Colleague("u-gone", "Gone Caseworker", "caseworker", False),
]


# --- Who hears of a reminder --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("audience", "assignee", "expected"),
    [
        ("caseworker", "u-sam", ["u-sam"]),
        # Nobody on the case, or its assignee deactivated: whoever hands out work hears.
        ("caseworker", None, ["u-ann", "u-kim"]),
        ("caseworker", "u-gone", ["u-ann", "u-kim"]),
        # An assignee whose announcement has not arrived yet still works the case.
        ("caseworker", "u-new", ["u-new"]),
        # Escalations go to active supervisors and the office admin, never to the assignee.
        ("supervisor", "u-sam", ["u-ann", "u-kim"]),
    ],
)
def test_a_reminder_reaches_who_works_the_case_or_else_who_hands_out_work(
    audience: str, assignee: str | None, expected: list[str]
) -> None:
    assert recipients(audience, assignee, ROSTER) == expected


def test_each_notification_names_its_case_and_its_occurrence() -> None:
    fired = ReminderDue(
        reminder_id="r-1",
        case_id="case-1",
        reference="CW-2026-000001",
        kind="first_contact",
        audience="caseworker",
        occurrence=2,
        summary="Contact the constituent",
        due_at=OPENED,
        fired_at=OPENED,
        agency_code=None,
        inquiry_id=None,
    )

    [notification] = notifications_for(fired, "u-sam", ROSTER, OPENED)

    assert (notification.user_id, notification.reference) == ("u-sam", "CW-2026-000001")
    assert (notification.cause, notification.kind) == ("r-1:2", "first_contact")
    assert notification.unread and notification.created_at == OPENED


# --- Through the events and the sweep -----------------------------------------------------------

Db = FakeDatabase[FakeNotifyUnitOfWork]
HANDLERS: dict[str, Any] = {
    STAFF_MEMBER_ADDED.event_type: notifications.record_colleague,
    CASE_OPENED.event_type: handlers.record_case_opened,
    CASE_ASSIGNED.event_type: reminders.follow_assignment,
    INQUIRY_OVERDUE.event_type: reminders.escalate_overdue,
}


@pytest.fixture
def db() -> Db:
    database = fake_database()
    for member in ROSTER:
        send(
            database,
            STAFF_MEMBER_ADDED,
            user_id=member.user_id,
            display_name=member.display_name,
            role=member.role,
            active=member.active,
        )
    return database


def send(db: Db, contract: Any, **changes: Any) -> None:
    payload = {**contract.example, **changes}
    consume(db, incoming(contract, payload, office_id=OFFICE), HANDLERS[contract.event_type])


def sweep(db: Db, now: datetime) -> int:
    def due_offices(at: datetime, limit: int) -> list[str]:
        kept = db.rows.get("reminders", {})
        return [o for o, rows in kept.items() if any(r.is_due(at) for r in rows.values())]

    return firing.fire_due_reminders(db, due_offices, lambda: now)


def bell_of(db: Db, user_id: str, **options: Any) -> tuple[int, list[Any]]:
    with db.unit_of_work(office_id=OFFICE) as uow:
        return notifications.bell(uow, user_id, **options)


def test_a_new_cases_reminders_reach_its_caseworker_and_the_unassigned_one_the_supervisors(
    db: Db,
) -> None:
    send(db, CASE_OPENED, case_id="case-1", opened_at=OPENED.isoformat())
    send(db, CASE_OPENED, case_id="case-2", opened_at=OPENED.isoformat())
    send(db, CASE_ASSIGNED, case_id="case-1", caseworker_id="u-sam")

    # Tuesday 9:00: case-2 is still nobody's. Wednesday 9:00: first contact is due on both.
    assert sweep(db, OPENED + timedelta(days=1)) == 1
    assert sweep(db, OPENED + timedelta(days=2)) == 2

    sam_unread, [sams] = bell_of(db, "u-sam")
    ann_unread, anns = bell_of(db, "u-ann")
    assert (sam_unread, sams.case_id, sams.kind) == (1, "case-1", "first_contact")
    # Ann hears that case-2 went unassigned, then that its first contact is due, newest first.
    assert ann_unread == 2
    assert [(n.case_id, n.kind) for n in anns] == [
        ("case-2", "first_contact"),
        ("case-2", "unassigned"),
    ]
    assert bell_of(db, "u-kim")[0] == 2
    assert bell_of(db, "u-int")[0] == bell_of(db, "u-old")[0] == 0


def test_sweeping_again_and_replaying_the_events_notify_nobody_twice(db: Db) -> None:
    send(db, CASE_OPENED, case_id="case-1", opened_at=OPENED.isoformat())
    send(db, CASE_ASSIGNED, case_id="case-1", caseworker_id="u-sam")
    sweep(db, OPENED + timedelta(days=2))

    for _ in range(2):
        send(db, CASE_OPENED, case_id="case-1", opened_at=OPENED.isoformat())
        send(db, CASE_ASSIGNED, case_id="case-1", caseworker_id="u-sam")
        assert sweep(db, OPENED + timedelta(days=3)) == 0

    assert bell_of(db, "u-sam")[0] == 1


def test_the_latest_assignment_wins_whatever_order_they_arrive_in(db: Db) -> None:
    send(db, CASE_OPENED, case_id="case-1", opened_at=OPENED.isoformat())
    later = (OPENED + timedelta(hours=2)).isoformat()
    send(db, CASE_ASSIGNED, case_id="case-1", caseworker_id="u-ann", assigned_at=later)
    send(db, CASE_ASSIGNED, case_id="case-1", caseworker_id="u-sam", assigned_at=OPENED.isoformat())

    sweep(db, OPENED + timedelta(days=2))

    assert (bell_of(db, "u-ann")[0], bell_of(db, "u-sam")[0]) == (1, 0)


def test_an_escalation_reaches_the_supervisors_not_the_assignee(db: Db) -> None:
    send(db, CASE_ASSIGNED, case_id=INQUIRY_OVERDUE.example["case_id"], caseworker_id="u-sam")
    send(db, INQUIRY_OVERDUE)

    assert sweep(db, datetime(2027, 1, 8, 13, 0, 1, tzinfo=UTC)) == 1

    _, [escalation] = bell_of(db, "u-ann")
    assert escalation.kind == "inquiry_overdue"
    assert escalation.reference == INQUIRY_OVERDUE.example["reference"]
    assert "5 business days overdue" in escalation.summary
    assert bell_of(db, "u-sam")[0] == 0


def test_a_person_marks_their_own_notifications_read_one_or_all(db: Db) -> None:
    for case in ("case-1", "case-2", "case-3"):
        send(db, CASE_OPENED, case_id=case, opened_at=OPENED.isoformat())
    sweep(db, OPENED + timedelta(days=1))  # three unassigned escalations for Ann and Kim
    _, [newest, *_] = bell_of(db, "u-ann")

    with db.unit_of_work(office_id=OFFICE) as uow:
        # Someone else's id is not theirs to mark: Kim's count does not move.
        assert notifications.mark_read(uow, "u-kim", [newest.notification_id]) == 3
    with db.unit_of_work(office_id=OFFICE) as uow:
        assert notifications.mark_read(uow, "u-ann", [newest.notification_id]) == 2
    unread, listed = bell_of(db, "u-ann", unread_only=True)
    assert unread == 2 and newest.notification_id not in {n.notification_id for n in listed}
    with db.unit_of_work(office_id=OFFICE) as uow:
        assert notifications.mark_read(uow, "u-ann", None) == 0
    assert bell_of(db, "u-ann", unread_only=True) == (0, [])
    assert len(bell_of(db, "u-ann")[1]) == 3
    assert bell_of(db, "u-kim")[0] == 3


def test_only_a_signed_in_person_has_a_bell() -> None:
    assert notifications.person(Caller(Actor.staff("u-ann", "supervisor"), OFFICE)) == "u-ann"
    with pytest.raises(Forbidden):
        notifications.person(Caller(Actor.system(), OFFICE))
