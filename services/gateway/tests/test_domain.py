"""Gateway's pure rules: offices, staff emails, the queue's dates, labels and paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from services.gateway.domain.queue import (
    CasePage,
    CaseQueue,
    QueueFilter,
    category_label,
    human_date,
    status_label,
)
from services.gateway.domain.staff import (
    OfficeChange,
    OfficeSettings,
    is_office_id,
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


def test_office_ids_are_short_lower_case_slugs() -> None:
    assert is_office_id("rep-lopez")
    assert is_office_id("sen-2")
    for bad in ["Rep-Lopez", "-rep", "r", "rep_lopez", "rep lopez", "a" * 64, ""]:
        assert not is_office_id(bad), bad


@given(st.from_regex(r"\A[a-z0-9][a-z0-9-]{1,62}\Z"))
def test_every_slug_of_the_documented_shape_is_an_office_id(slug: str) -> None:
    assert is_office_id(slug)


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
