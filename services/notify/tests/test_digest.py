"""The daily digest over fakes: when it is due in the office's zone and days, what it says, and
who gets one (active members with an address and something unread, once a day)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.chassis.calendar import HolidayCalendar
from services.chassis.consuming import consume
from services.chassis.errors import TransientError
from services.chassis.fakes import FakeDatabase, incoming
from services.contracts import OFFICE_REGISTERED, STAFF_CONTACT_RECORDED, STAFF_MEMBER_ADDED
from services.notify import digests, handlers, notifications
from services.notify.domain.digest import LISTED, Addressee, DigestSchedule, compose
from services.notify.domain.notifications import StaffNotification
from services.notify.domain.reminders import OfficeClock
from services.notify.tests.fakes import FakeMailer, FakeNotifyUnitOfWork, fake_database

OFFICE = "rep-lopez"
CHICAGO = OfficeClock("America/Chicago", HolidayCalendar("US"))
# Monday 11 Jan 2027, 7:30 in Chicago; Saturday 16 Jan, the same time.
MONDAY = datetime(2027, 1, 11, 13, 30, tzinfo=UTC)
SATURDAY = MONDAY + timedelta(days=5)
ANN = Addressee("u-ann", "Ann Ortiz", "ann.ortiz@lopez.example.gov")

Db = FakeDatabase[FakeNotifyUnitOfWork]


def notification(number: int, user_id: str, hours_ago: int = 1) -> StaffNotification:
    return StaffNotification(
        notification_id=f"n-{number:03d}",
        user_id=user_id,
        case_id=f"case-{number}",
        reference=f"CW-2027-{number:06d}",
        kind="agency_follow_up",
        summary=f"Follow up with SSA on request {number}",
        cause=f"r-{number}:1",
        created_at=MONDAY - timedelta(hours=hours_ago, minutes=number),
    )


def test_the_digest_is_due_from_its_hour_on_the_offices_working_days_in_its_zone() -> None:
    schedule = DigestSchedule(hour=7)

    assert schedule.day_due(MONDAY, CHICAGO) == date(2027, 1, 11)
    assert schedule.day_due(MONDAY - timedelta(hours=1), CHICAGO) is None  # 6:30 there
    assert schedule.day_due(SATURDAY, CHICAGO) is None
    assert DigestSchedule(hour=7, every_day=True).day_due(SATURDAY, CHICAGO) == date(2027, 1, 16)
    # Martin Luther King Day, Monday 18 Jan 2027, is a federal holiday.
    assert schedule.day_due(MONDAY + timedelta(days=7), CHICAGO) is None
    with pytest.raises(ValueError, match="0 to 23"):
        DigestSchedule(hour=24)


def test_the_digest_lists_the_newest_unread_with_their_cases_and_links_to_the_rest() -> None:
    unread = [notification(n, ANN.user_id) for n in range(1, LISTED + 1)]

    email = compose(
        ANN,
        unread,
        LISTED + 4,
        office_id=OFFICE,
        office_name="Office of Rep. Ana Lopez",
        sender_address="casework@legislature.example.gov",
        staff_app_url="https://staff.example.gov/",
        zone=CHICAGO.zone,
        day=date(2027, 1, 11),
    )

    assert email.to_address == ANN.email
    assert email.subject == "Casework: 34 unread notifications (Mon 11 Jan)"
    assert email.body.startswith("Hello Ann Ortiz,\n\nYou have 34 unread notifications")
    assert "- CW-2027-000001: Follow up with SSA on request 1 (Mon 11 Jan, 06:29)" in email.body
    assert email.body.count("\n- CW-2027-") == LISTED
    assert "- and 4 more" in email.body
    assert "https://staff.example.gov/offices/rep-lopez/notifications" in email.body
    assert email.message_id == "<digest.rep-lopez.u-ann.2027-01-11@legislature.example.gov>"
    assert ANN.email not in repr(email)


def member(db: Db, user_id: str, email: str | None, **fields: Any) -> None:
    payload = {**STAFF_MEMBER_ADDED.example, "user_id": user_id, **fields}
    event = incoming(STAFF_MEMBER_ADDED, payload, office_id=OFFICE)
    consume(db, event, notifications.record_colleague)
    if email is not None:
        contact = {"user_id": user_id, "email": email}
        event = incoming(STAFF_CONTACT_RECORDED, contact, office_id=OFFICE)
        consume(db, event, notifications.record_contact)


@pytest.fixture
def office(db: Db) -> Db:
    """Ann with two unread (and one read), Sam with nothing unread, Pat gone, Lee without an
    address, each with something unread but Sam."""
    office = {"office_id": OFFICE, "name": "Office of Rep. Ana Lopez", "timezone": CHICAGO.zone}
    payload = {**OFFICE_REGISTERED.example, **office}
    consume(db, incoming(OFFICE_REGISTERED, payload, office_id=OFFICE), handlers.record_office)
    member(db, "u-ann", ANN.email, display_name="Ann Ortiz", role="supervisor")
    member(db, "u-sam", "sam@lopez.example.gov")
    member(db, "u-pat", "pat@lopez.example.gov", active=False)
    member(db, "u-lee", None)
    with db.unit_of_work(office_id=OFFICE) as uow:
        read = notification(3, "u-ann", hours_ago=30)
        read.read_at = MONDAY - timedelta(hours=2)
        mine = [notification(1, "u-ann"), notification(2, "u-ann"), read]
        uow.notifications.add_all([*mine, notification(4, "u-pat"), notification(5, "u-lee")])
        uow.commit()
    return db


@pytest.fixture
def db() -> Db:
    return fake_database()


def send(db: Db, mailer: FakeMailer, at: datetime) -> int:
    return digests.send_digests(db, mailer, lambda: [OFFICE], lambda: at)


def test_only_active_members_with_an_address_and_something_unread_get_one_once_a_day(
    office: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEWORK_STAFF_APP_URL", "https://staff.example.gov")
    mailer = FakeMailer()

    assert send(office, mailer, MONDAY - timedelta(hours=1)) == 0  # 6:30 in Chicago
    assert send(office, mailer, MONDAY) == 1
    assert send(office, mailer, MONDAY + timedelta(hours=3)) == 0

    [email] = mailer.sent
    assert (email.to_address, email.sender_name) == (
        ANN.email,
        "Casework for Office of Rep. Ana Lopez",
    )
    assert "You have 2 unread notifications" in email.body
    assert "request 3" not in email.body  # read already
    assert send(office, mailer, MONDAY + timedelta(days=1)) == 1  # still unread on Tuesday


def test_a_digest_the_mail_server_refuses_is_counted_and_not_tried_again_that_day(
    office: Db,
) -> None:
    mailer = FakeMailer()
    mailer.fail_next(ConnectionRefusedError())

    assert send(office, mailer, MONDAY) == 0
    assert send(office, mailer, MONDAY + timedelta(minutes=5)) == 0
    assert (mailer.attempts, mailer.sent) == (1, [])


def test_a_member_announced_again_keeps_their_address_and_the_day_of_their_last_digest(
    office: Db,
) -> None:
    mailer = FakeMailer()
    send(office, mailer, MONDAY)

    member(office, "u-ann", None, display_name="Ann Ortiz-Reyes", role="supervisor")

    assert send(office, mailer, MONDAY + timedelta(hours=1)) == 0
    assert send(office, mailer, MONDAY + timedelta(days=1)) == 1
    assert [email.to_name for email in mailer.sent] == ["Ann Ortiz", "Ann Ortiz-Reyes"]


def test_an_address_heard_of_before_its_member_waits_for_the_roster(db: Db) -> None:
    contact = {"user_id": "u-new", "email": "new@lopez.example.gov"}
    event = incoming(STAFF_CONTACT_RECORDED, contact, office_id=OFFICE)

    with pytest.raises(TransientError, match="u-new"):
        consume(db, event, notifications.record_contact)
