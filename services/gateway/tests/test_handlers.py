"""Gateway's service layer with a fake unit of work: registering offices, adding staff, the
demo seed and finding an office, in milliseconds and without a database or broker."""

from __future__ import annotations

import pytest

from services.chassis.domain import Actor
from services.chassis.errors import Conflict, NotFound, ValidationFailed
from services.chassis.fakes import Audited
from services.contracts import (
    OFFICE_REGISTERED,
    STAFF_MEMBER_ADDED,
    OfficeRegistered,
    StaffMemberAdded,
)
from services.gateway import handlers
from services.gateway.domain.staff import (
    AddStaffMember,
    DuplicateEmail,
    OfficeChange,
    OfficeSummary,
    RegisterOffice,
    ReminderIntervals,
    SendingHours,
)
from services.gateway.tests.fakes import fake_database

LOPEZ = RegisterOffice("rep-lopez", "Office of Rep. Ana Lopez", "casework@lopez.example.gov")
IT = Actor.staff("cli:it", origin="admin-cli")


def sam(
    office_id: str = "rep-lopez", email: str = "Sam.Rivera@Lopez.example.gov"
) -> AddStaffMember:
    return AddStaffMember(office_id, "Sam Rivera", email, "caseworker")


def test_a_new_office_is_registered_announced_and_audited_in_its_own_office() -> None:
    db = fake_database()

    assert handlers.register_office(db, LOPEZ, actor=IT) is OfficeChange.CREATED

    assert [(e.office_id, e.contract) for e in db.outbox] == [("rep-lopez", OFFICE_REGISTERED)]
    assert db.outbox[0].payload == OfficeRegistered(
        office_id="rep-lopez",
        name="Office of Rep. Ana Lopez",
        reply_to_email="casework@lopez.example.gov",
    )
    assert db.audit_log == [Audited("rep-lopez", "cli:it", "office_created", "office", "rep-lopez")]


def test_registering_the_same_office_again_announces_and_audits_nothing() -> None:
    db = fake_database()
    handlers.register_office(db, LOPEZ, actor=IT)

    assert handlers.register_office(db, LOPEZ, actor=IT) is OfficeChange.UNCHANGED

    assert len(db.outbox) == 1 and len(db.audit_log) == 1


def test_renaming_an_office_is_announced_with_the_new_name() -> None:
    db = fake_database()
    handlers.register_office(db, LOPEZ, actor=IT)
    renamed = RegisterOffice(LOPEZ.office_id, "Office of Rep. Ana López", LOPEZ.reply_to_email)

    assert handlers.register_office(db, renamed, actor=IT) is OfficeChange.UPDATED

    assert [p.name for p in db.published(OFFICE_REGISTERED)] == [LOPEZ.name, renamed.name]
    assert [a.action for a in db.audit_log] == ["office_created", "office_updated"]
    assert handlers.find_office(db, "rep-lopez").name == "Office of Rep. Ana López"


def test_a_staff_member_is_added_announced_and_audited() -> None:
    db = fake_database()
    handlers.register_office(db, LOPEZ, actor=IT)

    outcome = handlers.add_staff_member(db, sam(), actor=IT)

    assert outcome.created
    member = outcome.member
    assert (member.office_id, member.email, member.role) == (
        "rep-lopez",
        "sam.rivera@lopez.example.gov",
        "caseworker",
    )
    assert db.published(STAFF_MEMBER_ADDED) == [
        StaffMemberAdded(
            user_id=member.user_id,
            display_name="Sam Rivera",
            role="caseworker",
            active=True,
            specialties=(),
        )
    ]
    assert db.outbox[-1].office_id == "rep-lopez"
    assert db.audit_log[-1] == Audited(
        "rep-lopez", "cli:it", "staff_member_added", "user", member.user_id
    )
    assert handlers.find_office(db, "rep-lopez").staff_count == 1


def test_staff_cannot_join_an_office_that_is_not_registered() -> None:
    db = fake_database()

    with pytest.raises(NotFound, match="register it first"):
        handlers.add_staff_member(db, sam(), actor=IT)

    assert db.outbox == [] and db.audit_log == []


def test_the_same_email_twice_in_one_office_is_a_conflict_naming_the_field() -> None:
    db = fake_database()
    handlers.register_office(db, LOPEZ, actor=IT)
    handlers.add_staff_member(db, sam(), actor=IT)

    with pytest.raises(DuplicateEmail) as duplicate:
        handlers.add_staff_member(db, sam(email="SAM.rivera@lopez.example.gov "), actor=IT)

    assert isinstance(duplicate.value, Conflict)
    assert duplicate.value.fields == {"email": ["already used in this office"]}
    assert "sam.rivera@lopez.example.gov" in duplicate.value.message
    assert len(db.published(STAFF_MEMBER_ADDED)) == 1


def test_the_same_email_may_work_in_two_offices() -> None:
    db = fake_database()
    handlers.register_office(db, LOPEZ, actor=IT)
    handlers.register_office(db, RegisterOffice("sen-okafor", "Sen. Okafor", "cw@o.gov"), actor=IT)

    handlers.add_staff_member(db, sam(), actor=IT)
    handlers.add_staff_member(db, sam("sen-okafor"), actor=IT)

    assert [e.office_id for e in db.outbox if e.contract is STAFF_MEMBER_ADDED] == [
        "rep-lopez",
        "sen-okafor",
    ]


def test_an_existing_member_is_returned_unchanged_when_that_is_fine() -> None:
    db = fake_database()
    handlers.register_office(db, LOPEZ, actor=IT)
    first = handlers.add_staff_member(db, sam(), actor=IT)

    again = handlers.add_staff_member(db, sam(), actor=IT, existing_ok=True)

    assert not again.created and again.member.user_id == first.member.user_id
    assert len(db.published(STAFF_MEMBER_ADDED)) == 1


@pytest.mark.parametrize("office_id", ["rep-nobody", "Rep_Lopez", "\u202erep-lopez", ""])
def test_an_office_that_is_not_registered_or_not_an_office_id_is_not_found(
    office_id: str,
) -> None:
    db = fake_database()
    handlers.register_office(db, LOPEZ, actor=IT)

    with pytest.raises(NotFound):
        handlers.find_office(db, office_id)


def test_an_office_is_found_with_its_staff_count() -> None:
    db = fake_database()
    handlers.register_office(db, LOPEZ, actor=IT)

    assert handlers.find_office(db, "rep-lopez") == OfficeSummary(
        "rep-lopez", LOPEZ.name, LOPEZ.reply_to_email, staff_count=0
    )


def test_a_change_of_specialties_role_or_activity_is_announced_once_and_audited() -> None:
    db = fake_database()
    handlers.register_office(db, LOPEZ, actor=IT)
    member = handlers.add_staff_member(db, sam(), actor=IT).member

    changed = handlers.change_staff_member(
        db, "rep-lopez", member.user_id, actor=IT, specialties=("veterans", "passport")
    )
    handlers.change_staff_member(
        db, "rep-lopez", member.user_id, actor=IT, specialties=("passport", "veterans")
    )
    handlers.change_staff_member(db, "rep-lopez", member.user_id, actor=IT, active=False)

    assert changed.specialties == ("passport", "veterans")
    announced = db.published(STAFF_MEMBER_ADDED)
    assert [(a.active, a.specialties) for a in announced] == [
        (True, ()),
        (True, ("passport", "veterans")),
        (False, ("passport", "veterans")),
    ]
    assert [a.action for a in db.audit_log].count("staff_member_changed") == 2
    assert handlers.find_office(db, "rep-lopez").staff_count == 0


def test_a_change_to_an_unknown_category_or_role_is_refused_naming_the_field() -> None:
    db = fake_database()
    handlers.register_office(db, LOPEZ, actor=IT)
    member = handlers.add_staff_member(db, sam(), actor=IT).member

    with pytest.raises(ValidationFailed) as category:
        handlers.change_staff_member(
            db, "rep-lopez", member.user_id, actor=IT, specialties=("ufo",)
        )
    with pytest.raises(ValidationFailed) as role:
        handlers.change_staff_member(db, "rep-lopez", member.user_id, actor=IT, role="boss")
    with pytest.raises(NotFound):
        handlers.change_staff_member(db, "rep-lopez", "u-nobody", actor=IT, active=False)

    assert set(category.value.fields) == {"specialties"}
    assert set(role.value.fields) == {"role"}
    assert len(db.published(STAFF_MEMBER_ADDED)) == 1


def test_an_office_shows_times_in_the_zone_its_admin_sets() -> None:
    db = fake_database()
    handlers.register_office(db, LOPEZ, actor=IT)
    assert handlers.find_office(db, "rep-lopez").timezone == "America/New_York"

    handlers.set_office_timezone(db, "rep-lopez", "America/Chicago", actor=IT)
    with pytest.raises(ValidationFailed) as wrong:
        handlers.set_office_timezone(db, "rep-lopez", "Mars/Olympus_Mons", actor=IT)

    assert handlers.find_office(db, "rep-lopez").timezone == "America/Chicago"
    assert set(wrong.value.fields) == {"timezone"}
    assert db.audit_log[-1].action == "office.timezone_set"


def test_a_new_time_zone_is_announced_with_the_office_and_the_same_one_is_not() -> None:
    db = fake_database()
    handlers.register_office(db, LOPEZ, actor=IT)

    handlers.set_office_timezone(db, "rep-lopez", "America/Chicago", actor=IT)
    handlers.set_office_timezone(db, "rep-lopez", "America/Chicago", actor=IT)
    renamed = RegisterOffice(LOPEZ.office_id, "Office of Rep. Ana López", LOPEZ.reply_to_email)
    handlers.register_office(db, renamed, actor=IT)

    assert [(p.name, p.timezone) for p in db.published(OFFICE_REGISTERED)] == [
        (LOPEZ.name, "America/New_York"),
        (LOPEZ.name, "America/Chicago"),
        (renamed.name, "America/Chicago"),
    ]
    assert [a.action for a in db.audit_log][-3:] == [
        "office.timezone_set",
        "office.timezone_set",
        "office_updated",
    ]


def test_the_time_zone_of_an_unknown_office_is_not_found() -> None:
    with pytest.raises(NotFound):
        handlers.set_office_timezone(fake_database(), "rep-nobody", "America/Chicago", actor=IT)


def test_new_reminder_intervals_are_kept_and_announced_with_the_office_and_the_same_are_not() -> (
    None
):
    db = fake_database()
    handlers.register_office(db, LOPEZ, actor=IT)
    assert handlers.reminder_intervals(db, "rep-lopez") == ReminderIntervals(2, 7, 7, 14)

    for _ in range(2):
        handlers.set_reminder_intervals(db, "rep-lopez", ReminderIntervals(3, 10, 14, 21), actor=IT)
    renamed = RegisterOffice(LOPEZ.office_id, "Office of Rep. Ana López", LOPEZ.reply_to_email)
    handlers.register_office(db, renamed, actor=IT)

    assert handlers.reminder_intervals(db, "rep-lopez") == ReminderIntervals(3, 10, 14, 21)
    announced = [
        (
            p.first_contact_business_days,
            p.follow_up_every_days,
            p.check_in_every_days,
            p.no_activity_days,
        )
        for p in db.published(OFFICE_REGISTERED)
    ]
    assert announced == [(2, 7, 7, 14), (3, 10, 14, 21), (3, 10, 14, 21)]
    assert db.audit_log[-2].action == "office.reminder_intervals_set"


@pytest.mark.parametrize("days", [0, 61, -3])
def test_a_reminder_interval_out_of_range_is_refused_naming_it(days: int) -> None:
    with pytest.raises(ValidationFailed) as wrong:
        ReminderIntervals(first_contact_business_days=2, follow_up_every_days=days)
    assert set(wrong.value.fields) == {"follow_up_every_days"}
    with pytest.raises(NotFound):
        handlers.reminder_intervals(fake_database(), "rep-nobody")


def test_an_offices_own_sending_hours_are_announced_and_so_is_going_back_to_the_legislatures() -> (
    None
):
    db = fake_database()
    handlers.register_office(db, LOPEZ, actor=IT)

    for _ in range(2):
        handlers.set_sending_hours(db, "rep-lopez", SendingHours(9, 17), actor=IT)
    handlers.set_sending_hours(db, "rep-lopez", None, actor=IT)

    announced = [(p.sending_from, p.sending_until) for p in db.published(OFFICE_REGISTERED)]
    assert announced == [(None, None), (9, 17), (None, None)]
    assert handlers.office_schedule(db, "rep-lopez").sending_hours is None
    assert db.audit_log[-1].action == "office.sending_hours_set"
    with pytest.raises(NotFound):
        handlers.set_sending_hours(db, "rep-nobody", SendingHours(9, 17), actor=IT)


@pytest.mark.parametrize(("start", "end"), [(17, 9), (9, 9), (-1, 8), (8, 25)])
def test_sending_hours_that_are_no_span_of_the_day_are_refused_naming_the_field(
    start: int, end: int
) -> None:
    with pytest.raises(ValidationFailed) as wrong:
        SendingHours(start, end)

    assert "sending_until" in wrong.value.fields
