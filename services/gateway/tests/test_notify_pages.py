"""Notify's side of the staff app through the real gateway, with a fake `notify` answering over
real RPC by its contracts: the bell (the unread count in every page's header, the
notifications page, marking read one or all), the case page's message log, and what a
caseworker sees when notify is down (the pages, a bell without a number).

On PostgreSQL only: what these pages show comes from the fake services; gateway's own tables
are exercised on both databases by the sign-in, service and repository tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.gateway.models import User
from services.gateway.tests.support import (
    NOTIFICATIONS,
    NOW,
    OFFICE,
    OTHER_OFFICE,
    SUPERVISOR,
    FakeNotify,
    Gateway,
    notification,
    read_page,
)

PAGE = f"/offices/{OFFICE}/notifications"
BADGE = re.compile(r'<span class="badge">(\d+)<span class="visually-hidden"> unread</span>')


@pytest.fixture(params=["postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    """Narrows chassis testing's two databases to the production one for this module."""
    return str(request.param)


def user_id(gateway: Gateway, email: str) -> str:
    with Session(gateway.engine) as session:
        return str(session.execute(select(User.id).where(User.email == email)).scalar_one())


@pytest.fixture
def office(demo_office: Gateway) -> Iterator[Gateway]:
    """The demo office's supervisor signed in, with two unread notifications and one read."""
    demo_office.start(FakeNotify)
    NOTIFICATIONS.clear()
    NOTIFICATIONS[user_id(demo_office, SUPERVISOR)] = [
        notification(3, "inquiry_overdue", 5, summary="The letter to SSA is 5 days overdue"),
        notification(2, "unassigned", 60, summary="Nobody has taken this case"),
        notification(1, "first_contact", 600, read_at=NOW),
    ]
    yield demo_office
    NOTIFICATIONS.clear()


def badge(html: str) -> int | None:
    found = BADGE.search(html)
    return int(found.group(1)) if found else None


def post(gateway: Gateway, data: dict[str, str], token: str | None = None) -> requests.Response:
    assert gateway.session is not None
    if token is None:
        found = re.search(r'name="csrf_token" value="([^"]+)"', gateway.get(PAGE).text)
        assert found
        token = found.group(1)
    return gateway.session.post(
        f"{gateway.base}{PAGE}/read",
        data={**data, "csrf_token": token},
        timeout=10,
        allow_redirects=False,
    )


def test_every_page_header_counts_the_unread_and_links_to_them(office: Gateway) -> None:
    for path in (f"/offices/{OFFICE}/my-cases", f"/offices/{OFFICE}/cases", PAGE):
        page = office.get(path)
        assert page.status_code == 200
        assert badge(page.text) == 2, path
        assert f'<a class="bell" href="{PAGE}"' in page.text


def test_the_page_lists_newest_first_with_the_case_and_marks_one_then_all_read(
    office: Gateway,
) -> None:
    page = office.get(PAGE)
    text = " ".join(read_page(page.text).headings["h1"])
    assert text == "Notifications"
    order = [page.text.index(words) for words in ("5 days overdue", "Nobody has taken", "number 1")]
    assert order == sorted(order)
    assert "Agency reply overdue" in page.text and "First contact due" in page.text
    assert page.text.count(">Mark as read</button>") == 2  # the read one has no button
    assert f'href="/offices/{OFFICE}/cases/CW-2026-000006"' in page.text

    first = post(office, {"notification_id": "00000000-0000-4000-9000-000000000003"})
    assert first.status_code == 303
    assert first.headers["Location"] == f"{PAGE}?done=read"
    after = office.get(first.headers["Location"])
    assert "Marked as read." in after.text and badge(after.text) == 1
    unread_only = office.get(f"{PAGE}?show=unread")
    assert "Nobody has taken" in unread_only.text and "5 days overdue" not in unread_only.text

    every = post(office, {"show": "unread"})
    assert every.headers["Location"] == f"{PAGE}?done=read&show=unread"
    done = office.get(every.headers["Location"])
    assert badge(done.text) is None and "Nothing unread." in done.text
    assert "Mark all as read" not in done.text


def test_marking_read_needs_the_forms_token_and_the_page_is_the_office_own(
    office: Gateway,
) -> None:
    refused = post(office, {}, token="forged")
    assert refused.status_code == 403
    assert badge(office.get(PAGE).text) == 2
    assert office.get(f"/offices/{OTHER_OFFICE}/notifications").status_code == 404


def test_with_notify_down_pages_still_work_and_its_own_page_says_so(
    demo_office: Gateway,
) -> None:
    queue = demo_office.get(f"/offices/{OFFICE}/cases")
    assert queue.status_code == 200
    assert badge(queue.text) is None and 'class="bell"' in queue.text

    page = demo_office.get(PAGE)
    assert page.status_code == 503
    assert "Notifications are unavailable right now" in " ".join(read_page(page.text).alerts)


def test_a_caseworker_sees_only_their_own(office: Gateway) -> None:
    caseworker: Any = office.log_in("sam.rivera@demo.example.gov")
    assert caseworker is not None
    page = office.get(PAGE)
    assert page.status_code == 200 and badge(page.text) is None
    assert "No notifications yet." in page.text


VETERANS_CASE = f"/offices/{OFFICE}/cases/CW-2026-000004"


def test_the_case_page_lists_its_messages_with_what_to_do_about_each(office: Gateway) -> None:
    page = office.get(VETERANS_CASE)
    assert page.status_code == 200
    log = page.text[page.text.index('id="messages-heading"') :]
    assert "Sent again after a send was cut off: it may have arrived twice" in log
    assert (
        "Not delivered: the constituent&#39;s mail server refused the address. "
        "Reach the constituent another way." in log
    )
    assert "Not sent yet: the mail server could not be reached; trying again (3 attempts)" in log
    assert log.count('class="message message-') == 3
    assert "@" not in log.split("</section>")[0]

    other = office.get(f"/offices/{OFFICE}/cases/CW-2026-000005")
    assert "No messages yet." in other.text


def test_without_notify_the_case_page_says_its_message_log_is_unavailable(
    demo_office: Gateway,
) -> None:
    page = demo_office.get(VETERANS_CASE)
    assert page.status_code == 200
    assert "The message log is unavailable right now" in page.text


SETTINGS = f"/offices/{OFFICE}/settings"
ADMIN = "renee.okafor@demo.example.gov"
INTERVALS = (
    "first_contact_business_days",
    "follow_up_every_days",
    "check_in_every_days",
    "no_activity_days",
)


def post_intervals(gateway: Gateway, *values: str) -> requests.Response:
    assert gateway.session is not None
    found = re.search(r'name="csrf_token" value="([^"]+)"', gateway.get(SETTINGS).text)
    token = found.group(1) if found else "none"
    return gateway.session.post(
        f"{gateway.base}{SETTINGS}/reminders",
        data={**dict(zip(INTERVALS, values, strict=True)), "csrf_token": token},
        timeout=10,
        allow_redirects=False,
    )


def shown_intervals(html: str) -> tuple[str, ...]:
    return tuple(
        re.search(
            rf'name="{name}" type="number" min="1" max="60" required value="(\d+)"', html
        ).group(1)  # type: ignore[union-attr]
        for name in INTERVALS
    )


def test_the_office_admin_sets_when_reminders_fall_due_and_notify_is_told(
    demo_office: Gateway,
) -> None:
    demo_office.log_in(ADMIN)
    assert shown_intervals(demo_office.get(SETTINGS).text) == ("2", "7", "7", "14")

    refused = post_intervals(demo_office, "0", "7", "seven", "61")
    saved = post_intervals(demo_office, "3", "10", "14", "30")

    assert refused.status_code == 422
    problems = " ".join(read_page(refused.text).alerts)
    assert "first_contact_business_days" in problems and "check_in_every_days" in problems
    assert "no_activity_days" in problems
    assert saved.status_code == 303
    assert saved.headers["Location"] == f"{SETTINGS}?done=reminders"
    page = demo_office.get(saved.headers["Location"])
    assert shown_intervals(page.text) == ("3", "10", "14", "30")
    assert "Reminder intervals saved" in page.text
    announced = [
        payload
        for payload in demo_office.outbox_payloads("gateway.office_registered")
        if payload["first_contact_business_days"] == 3
    ]
    assert [
        (p["follow_up_every_days"], p["check_in_every_days"], p["no_activity_days"])
        for p in announced
    ] == [(10, 14, 30)]

    demo_office.log_in(SUPERVISOR)
    assert post_intervals(demo_office, "1", "1", "1", "1").status_code == 403


def post_sending_hours(gateway: Gateway, **fields: str) -> requests.Response:
    assert gateway.session is not None
    found = re.search(r'name="csrf_token" value="([^"]+)"', gateway.get(SETTINGS).text)
    return gateway.session.post(
        f"{gateway.base}{SETTINGS}/sending-hours",
        data={**fields, "csrf_token": found.group(1) if found else "none"},
        timeout=10,
        allow_redirects=False,
    )


def test_the_office_admin_sets_the_offices_own_sending_hours_and_notify_is_told(
    demo_office: Gateway,
) -> None:
    demo_office.log_in(ADMIN)
    assert "in the legislature's sending hours" in demo_office.get(SETTINGS).text

    refused = post_sending_hours(demo_office, sending_from="17", sending_until="9")
    not_an_hour = post_sending_hours(demo_office, sending_from="nine", sending_until="17")
    saved = post_sending_hours(demo_office, action="save", sending_from="9", sending_until="17")

    assert refused.status_code == not_an_hour.status_code == 422
    assert "sending_until" in " ".join(read_page(refused.text).alerts)
    assert "sending_from" in " ".join(read_page(not_an_hour.text).alerts)
    assert saved.headers["Location"] == f"{SETTINGS}?done=sending_hours"
    page = demo_office.get(saved.headers["Location"]).text
    assert "go out from 9:00 until 17:00 on business days" in page
    assert '<option value="17" selected>17:00</option>' in page
    back = post_sending_hours(demo_office, action="default")
    assert back.status_code == 303
    assert "in the legislature's sending hours" in demo_office.get(SETTINGS).text
    announced = [
        (p["sending_from"], p["sending_until"])
        for p in demo_office.outbox_payloads("gateway.office_registered")
    ]
    assert announced[-2:] == [(9, 17), (None, None)]

    demo_office.log_in(SUPERVISOR)
    assert post_sending_hours(demo_office, action="default").status_code == 403
