"""The staff pages as rendered, without a running service: what someone typed is shown as text,
isolated, and without the bidirectional controls that would make it read differently."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.gateway.access import Visit, safe_next
from services.gateway.domain.identity import PLATFORM_ADMIN, Principal
from services.gateway.domain.queue import CasePage, CaseQueue, CaseSummary, QueueFilter
from services.gateway.domain.staff import OfficeSummary
from services.gateway.tests.support import read_page
from services.gateway.web import error_page, isolated, render

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "\u202eevil" displays as "live"
IT = Visit(
    Principal("a-1", "Legislature IT", "it@example.gov", PLATFORM_ADMIN, None, "web"), "t", "web"
)
OFFICE = OfficeSummary("rep-lopez", f"Office of Rep. {RLO}zepoL", "cw@lopez.gov", 3)


def queue_with(**fields: object) -> CaseQueue:
    row: dict[str, object] = {
        "case_id": "c-1",
        "reference": "CW-2026-000001",
        "status": "open",
        "subject": "Benefit delayed",
        "category": "social_security",
        "constituent_name": "Maria Lopez",
        "urgent": False,
        "opened_at": datetime(2026, 11, 23, 9, tzinfo=UTC),
        "assigned_to_id": "u-1",
        "assigned_to_name": "Sam Rivera",
        "agency_code": "SSA",
    }
    row.update(fields)
    return CaseQueue(
        office_id=OFFICE.office_id,
        office_name=OFFICE.name,
        query=QueueFilter(),
        page=CasePage(cases=(CaseSummary(**row),), total=1),  # type: ignore[arg-type]
        counts=None,
    )


def test_a_subject_with_a_right_to_left_override_is_isolated_and_reads_in_typed_order() -> None:
    queue = queue_with(
        subject=f"Invoice {RLO}fdp.exe",
        constituent_name=f"{RLO}ailuJ",
        assigned_to_name=f"Sam {RLO}Rivera",
    )

    html = render(
        "case_queue.html",
        office=OFFICE,
        query=queue.query,
        queue=queue,
        title="Office queue",
        blurb="Every case of the office.",
        filters=True,
        received=None,
        base="/offices/rep-lopez/cases",
        today=datetime(2026, 11, 24, tzinfo=UTC).date(),
    ).get_data(as_text=True)

    assert RLO not in html
    assert "<td><bdi>Invoice fdp.exe</bdi></td>" in html
    assert "<td><bdi>ailuJ</bdi></td>" in html
    assert "<td><bdi>Sam Rivera</bdi></td>" in html
    assert '<p class="office-name"><bdi>Office of Rep. zepoL</bdi></p>' in html
    assert "<title>Office queue · Office of Rep. zepoL · Casework</title>" in html
    row = read_page(html).rows[0]
    assert row[1:3] == ["ailuJ", "Invoice fdp.exe"]


def test_isolated_text_is_still_escaped() -> None:
    assert str(isolated("<b>flight</b> & co")) == "<bdi>&lt;b&gt;flight&lt;/b&gt; &amp; co</bdi>"


def test_the_offices_page_isolates_names_and_addresses() -> None:
    html = render(
        "offices.html", offices=[OFFICE], done=None, problems=[], visit=IT, nav="offices"
    ).get_data(as_text=True)

    assert RLO not in html
    assert "<bdi>Office of Rep. zepoL</bdi>" in html
    assert "<td><bdi>cw@lopez.gov</bdi></td>" in html


def test_an_error_quoting_what_was_asked_for_isolates_it() -> None:
    html = error_page(404, f"there is no office '{RLO}zepol-per'", [f"office_id: {RLO}x"]).get_data(
        as_text=True
    )

    assert RLO not in html
    assert "<p><bdi>there is no office &#39;zepol-per&#39;</bdi></p>" in html
    assert "<li><bdi>office_id: x</bdi></li>" in html


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/offices/rep-demo/cases?status=open", "/offices/rep-demo/cases?status=open"),
        ("//evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_after_login_only_a_path_on_this_site_is_followed(
    target: str | None, expected: str
) -> None:
    assert safe_next(target) == expected
