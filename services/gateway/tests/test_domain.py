"""Gateway's pure rules: offices, staff emails, the queue's dates, labels and paging."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.chassis.errors import ValidationFailed
from services.chassis.schemas import is_office_id
from services.contracts import (
    OFFICE_REGISTERED,
    STAFF_CONTACT_RECORDED,
    STAFF_MEMBER_ADDED,
    SUBSCRIPTIONS,
    OfficeRegistered,
    StaffContactRecorded,
    StaffMemberAdded,
)
from services.gateway.domain.queue import (
    CasePage,
    CaseQueue,
    QueueFilter,
    category_label,
    human_date,
    status_label,
)
from services.gateway.domain.staff import (
    AddStaffMember,
    Office,
    OfficeChange,
    OfficeSettings,
    RegisterOffice,
    StaffMember,
    normalise_email,
    office_change,
)

NOW = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)


def test_a_new_office_is_created_and_announced() -> None:
    change = office_change(None, OfficeSettings("Office of Rep. Lopez", "cw@lopez.gov"))

    assert change is OfficeChange.CREATED and change.announced


def test_registering_the_same_office_again_changes_nothing() -> None:
    settings = OfficeSettings("Office of Rep. Lopez", "cw@lopez.gov")

    change = office_change(settings, OfficeSettings("Office of Rep. Lopez", "cw@lopez.gov"))

    assert change is OfficeChange.UNCHANGED and not change.announced


def test_a_new_name_or_reply_to_is_an_update_worth_announcing() -> None:
    settings = OfficeSettings("Office of Rep. Lopez", "cw@lopez.gov")

    renamed = office_change(settings, OfficeSettings("Office of Rep. Ana Lopez", "cw@lopez.gov"))
    readdressed = office_change(settings, OfficeSettings("Office of Rep. Lopez", "help@lopez.gov"))

    assert renamed is readdressed is OfficeChange.UPDATED
    assert renamed.announced


# The documented rule for an office id, written out by hand and independent of the pattern
# the implementation uses: lower-case ASCII letters, digits and hyphens, 2 to 63 characters,
# starting with a letter or digit.
FIRST_CHARACTERS = string.ascii_lowercase + string.digits
LATER_CHARACTERS = FIRST_CHARACTERS + "-"


def follows_the_documented_rule(value: str) -> bool:
    return (
        2 <= len(value) <= 63
        and value[0] in FIRST_CHARACTERS
        and all(character in LATER_CHARACTERS for character in value)
    )


documented_slugs = st.builds(
    str.__add__,
    st.sampled_from(FIRST_CHARACTERS),
    st.text(alphabet=LATER_CHARACTERS, min_size=1, max_size=62),
)
# Mostly near misses: the allowed characters plus the ones a typo or an attack brings.
near_misses = st.text(alphabet=LATER_CHARACTERS + "A_ .\n\t\u00e9\u0131\u202e/", max_size=70)


def test_office_ids_are_short_lower_case_slugs() -> None:
    for good in ["rep-lopez", "sen-2", "ab", "9-lives", "rep-", "a" * 63]:
        assert is_office_id(good), good
    for bad in [
        "Rep-Lopez",
        "-rep",
        "r",
        "rep_lopez",
        "rep lopez",
        "a" * 64,
        "",
        "rep-lopez\n",
        "r\u00e9p-lopez",
        "rep-lop\u0131z",  # dotless i: lower case, but not ASCII
        "\u202erep-lopez",
    ]:
        assert not is_office_id(bad), repr(bad)


@given(documented_slugs)
def test_every_slug_of_the_documented_shape_is_an_office_id(slug: str) -> None:
    assert follows_the_documented_rule(slug)
    assert is_office_id(slug)


@given(near_misses)
def test_an_office_id_is_exactly_what_the_documented_rule_allows(value: str) -> None:
    assert is_office_id(value) == follows_the_documented_rule(value)


def test_registering_an_office_announces_it_with_its_details() -> None:
    office = Office.register(RegisterOffice("rep-lopez", "Office of Rep. Lopez", "cw@lopez.gov"))

    [event] = office.pull_events()
    assert event.contract is OFFICE_REGISTERED
    assert event.payload == OfficeRegistered("rep-lopez", "Office of Rep. Lopez", "cw@lopez.gov")


def test_registering_an_office_again_announces_only_a_change() -> None:
    office = Office("rep-lopez", "Office of Rep. Lopez", "cw@lopez.gov")

    same = office.register_again(
        RegisterOffice("rep-lopez", "Office of Rep. Lopez", "cw@lopez.gov")
    )
    assert same is OfficeChange.UNCHANGED and office.pull_events() == []

    renamed = office.register_again(
        RegisterOffice("rep-lopez", "Office of Rep. Ana López", "cw@lopez.gov")
    )
    assert renamed is OfficeChange.UPDATED and office.name == "Office of Rep. Ana López"
    assert [e.payload.name for e in office.pull_events()] == ["Office of Rep. Ana López"]


def test_a_new_staff_member_is_announced_to_all_without_their_email_and_to_notify_with_it() -> None:
    member = StaffMember.join(
        AddStaffMember("rep-lopez", "Sam Rivera", " Sam.Rivera@Lopez.gov ", "caseworker"),
        user_id="u-1",
    )

    assert member.email == "sam.rivera@lopez.gov" and member.active
    [event, contact] = member.pull_events()
    assert event.contract is STAFF_MEMBER_ADDED
    assert event.payload == StaffMemberAdded("u-1", "Sam Rivera", "caseworker")
    assert "email" not in STAFF_MEMBER_ADDED.dump(event.payload)
    assert contact.contract is STAFF_CONTACT_RECORDED
    assert contact.payload == StaffContactRecorded("u-1", "sam.rivera@lopez.gov")
    assert {s.consumer for s in SUBSCRIPTIONS if s.event_type == contact.contract.event_type} == {
        "notify"
    }


def test_a_staff_member_needs_a_known_role() -> None:
    with pytest.raises(ValidationFailed) as refused:
        StaffMember.join(AddStaffMember("rep-lopez", "Sam", "s@l.gov", "boss"), user_id="u-1")

    assert "role" in refused.value.fields


def test_staff_emails_compare_without_case_or_spaces() -> None:
    assert normalise_email("  Sam.Rivera@Lopez.Example.GOV ") == "sam.rivera@lopez.example.gov"


def test_opening_dates_read_the_way_a_caseworker_says_them() -> None:
    assert human_date(NOW - timedelta(hours=3), NOW) == "Today"
    assert human_date(NOW - timedelta(days=1), NOW) == "Yesterday"
    assert human_date(NOW - timedelta(days=6), NOW) == "6 days ago"
    assert human_date(NOW - timedelta(days=7), NOW) == "16 Nov 2026"
    assert human_date(datetime(2025, 3, 2, 9, tzinfo=UTC), NOW) == "2 Mar 2025"


def test_a_date_is_judged_in_the_viewers_time_zone() -> None:
    eastern = timezone(timedelta(hours=-5))
    late_evening = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 21:00 the day before in Eastern

    assert human_date(late_evening, NOW) == "Today"
    assert human_date(late_evening, NOW.astimezone(eastern)) == "Yesterday"


def test_statuses_and_categories_read_as_words() -> None:
    assert status_label("waiting_on_agency") == "Waiting on agency"
    assert category_label("social_security") == "Social security"


def _queue(offset: int, limit: int, shown: int, total: int) -> CaseQueue:
    return CaseQueue(
        office_id="rep-demo",
        office_name="Office of Rep. Jordan Demo",
        query=QueueFilter(status=None, limit=limit, offset=offset),
        page=CasePage(cases=(object(),) * shown, total=total),  # type: ignore[arg-type]
        counts=None,
    )


def test_the_first_page_of_a_long_queue_links_only_forward() -> None:
    queue = _queue(offset=0, limit=50, shown=50, total=120)

    assert (queue.first_shown, queue.last_shown) == (1, 50)
    assert queue.previous_offset is None and queue.next_offset == 50


def test_the_last_page_links_only_back() -> None:
    queue = _queue(offset=100, limit=50, shown=20, total=120)

    assert (queue.first_shown, queue.last_shown) == (101, 120)
    assert queue.previous_offset == 50 and queue.next_offset is None


def test_an_empty_queue_shows_nothing_and_links_nowhere() -> None:
    queue = _queue(offset=0, limit=50, shown=0, total=0)

    assert (queue.first_shown, queue.last_shown) == (0, 0)
    assert queue.previous_offset is None and queue.next_offset is None
