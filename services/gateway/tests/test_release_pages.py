"""The case page's privacy release panel and attachments through the real gateway, with fake
`cases` and `intake` services answering over real RPC by their contracts: what the panel says,
the downloads, the identifiers shown once, revoking, filing a wet-signed scan, and every
refusal shown on the page.

On PostgreSQL only: what these pages show comes from the fake services, and gateway's own
tables (sign-in, sessions, the audit of reads) are exercised on both databases by the sign-in,
service and repository tests; running these 42 page checks twice cost a minute of the suite.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests

from services.gateway.tests.support import (
    ATTACHMENT_ID,
    EXPIRED_RELEASE,
    INTAKE_CALLS,
    LETTER_BYTES,
    LETTER_SHA256,
    OFFICE,
    REVOKED_RELEASE,
    SIGNED_COPY_BYTES,
    SSN,
    SUBMISSION_ID,
    VALID_RELEASE,
    FakeIntake,
    Gateway,
    read_page,
)

COVERED = f"/offices/{OFFICE}/cases/CW-2026-000004"
NOT_COVERED = f"/offices/{OFFICE}/cases/CW-2026-000005"
CASEWORKER = "sam.rivera@demo.example.gov"
INTERN = "taylor.nguyen@demo.example.gov"
PORTAL = "https://portal.example.gov/"
PDF = b"%PDF-1.4\n% a scan of the signed paper release\n"


@pytest.fixture(params=["postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    """Narrows chassis testing's two databases to the production one for this module."""
    return str(request.param)


@pytest.fixture
def office(demo_office: Gateway, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    """The demo office signed in as its supervisor, with intake answering too."""
    monkeypatch.setenv("CASEWORK_PORTAL_BASE_URL", PORTAL)
    demo_office.start(FakeIntake)
    INTAKE_CALLS.clear()
    yield demo_office
    INTAKE_CALLS.clear()


def csrf(gateway: Gateway, path: str = COVERED) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', gateway.get(path).text)
    assert found, "the case page carries no form"
    return found.group(1)


def post(
    gateway: Gateway, path: str, data: dict[str, str], files: Any = None, token: str | None = None
) -> requests.Response:
    assert gateway.session is not None
    fields = {**data, "csrf_token": csrf(gateway) if token is None else token}
    return gateway.session.post(
        f"{gateway.base}{path}", data=fields, files=files, timeout=10, allow_redirects=False
    )


def calls(method: str) -> list[tuple[dict[str, Any], str | None]]:
    return [(arguments, role) for name, arguments, role in INTAKE_CALLS if name == method]


def panel_text(html: str) -> str:
    """The panel's words, tags removed and spaces collapsed."""
    start = html.index('id="releases-heading"')
    end = html.index('id="attachments-heading"')
    return " ".join(re.sub(r"<[^>]+>", " ", html[start:end]).split())


def test_the_panel_says_each_releases_state_and_kind_and_offers_what_each_allows(
    office: Gateway,
) -> None:
    response = office.get(COVERED)

    assert response.status_code == 200, response.text
    text = panel_text(response.text)
    assert "Valid until 3 Dec 2027 — SSA, VA" in text
    assert "Revoked by the constituent on 1 Dec 2026 — VA" in text
    assert "Expired on 5 Jan 2025 — SSA" in text
    assert re.search(r"Signed online · \d{1,2} \w{3} \d{4} by Robert Hayes", text)
    assert "Wet-signed scan · 5 Jan 2024" in text
    assert "No valid privacy release" not in text
    html = response.text
    for release in (VALID_RELEASE, REVOKED_RELEASE, EXPIRED_RELEASE):
        assert f'href="{COVERED}/releases/{release}/signed-copy"' in html
    # Identifiers only where some were given; revoking only what is still valid.
    assert html.count("/identifiers") == 1 and f"{VALID_RELEASE}/identifiers" in html
    assert "Given: Social Security number, Date of birth, VA file number." in text
    assert html.count('/revoke"') == 1 and f"{VALID_RELEASE}/revoke" in html
    assert 'enctype="multipart/form-data"' in html
    page = read_page(html)
    for field in ("revoke-reason-1", "wet-agencies", "wet-signed-on", "wet-scan"):
        assert field in page.labels_for
    # Intake was asked for the case's submission, as the signed-in supervisor.
    assert calls("releases") == [
        ({"office_id": OFFICE, "submission_id": SUBMISSION_ID}, "supervisor")
    ]


def test_the_attachments_list_names_each_file_with_its_shortened_digest(office: Gateway) -> None:
    response = office.get(COVERED)

    page = read_page(response.text)
    assert ["denial-letter.pdf", "PDF", "47 KB", f"{LETTER_SHA256[:12]}…"] in page.rows
    assert f'<abbr title="{LETTER_SHA256}">' in response.text
    assert f'href="{COVERED}/attachments/{ATTACHMENT_ID}"' in response.text
    assert "no files" in office.get(NOT_COVERED).text


def test_without_a_release_for_the_cases_agency_the_panel_says_how_to_get_one(
    office: Gateway,
) -> None:
    response = office.get(NOT_COVERED)

    text = panel_text(response.text)
    link = f"https://portal.example.gov/o/{OFFICE}/status?tracking=K7QX-M2PD"
    assert "No valid privacy release covers USCIS for this case." in text
    assert f'<a href="{link}">{link}</a>' in response.text
    assert "or file one they signed on paper below" in text
    # The covered case says nothing of the kind.
    assert "No valid privacy release" not in panel_text(office.get(COVERED).text)


def test_the_public_note_option_says_the_constituent_will_read_it(office: Gateway) -> None:
    html = office.get(COVERED).text

    assert "The constituent too, on their status page" in html
    assert 'aria-describedby="visibility-hint"' in html
    assert "The constituent reads a public note word for word" in html


def test_the_signed_copy_downloads_as_an_attachment_no_cache_keeps(office: Gateway) -> None:
    response = office.get(f"{COVERED}/releases/{VALID_RELEASE}/signed-copy")

    assert response.status_code == 200
    assert response.content == SIGNED_COPY_BYTES
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="privacy _release_.pdf"; ')
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.endswith("filename*=UTF-8''privacy%20%22release%22.pdf")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert calls("release_pdf") == [
        ({"office_id": OFFICE, "release_id": VALID_RELEASE}, "supervisor")
    ]


def test_a_release_that_is_not_the_cases_is_not_found_and_intake_is_never_asked_for_it(
    office: Gateway,
) -> None:
    other = "11111111-2222-4333-8444-555555555555"

    response = office.get(f"{COVERED}/releases/{other}/signed-copy")
    garbled = office.get(f"{COVERED}/releases/not-an-id/signed-copy")

    assert response.status_code == 404 and garbled.status_code == 404
    page = read_page(response.text)
    assert page.headings["h1"][0].startswith("CW-2026-000004")
    assert "this case has no such privacy release" in page.alerts[0]
    assert calls("release_pdf") == []


def test_an_attachment_downloads_and_an_unknown_one_is_not_found(office: Gateway) -> None:
    response = office.get(f"{COVERED}/attachments/{ATTACHMENT_ID}")
    unknown = office.get(f"{COVERED}/attachments/11111111-2222-4333-8444-555555555555")

    assert response.status_code == 200
    assert response.content == LETTER_BYTES
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="denial-letter.pdf"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert unknown.status_code == 404
    assert "this case has no such attachment" in read_page(unknown.text).alerts[0]
    assert [arguments["attachment_id"] for arguments, _ in calls("attachment")] == [ATTACHMENT_ID]


def test_show_identifiers_shows_them_once_labelled_and_never_cached(office: Gateway) -> None:
    response = post(office, f"{COVERED}/releases/{VALID_RELEASE}/identifiers", {})

    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    page = read_page(response.text)
    assert page.headings["h1"] == ["CW-2026-000004 Identifiers given with the privacy release"]
    text = " ".join(re.sub(r"<[^>]+>", " ", response.text).split())
    assert "Social Security number 078-05-1120" in text
    assert "Date of birth 1950-04-02" in text
    assert "VA file number C-12345678" in text
    # Known kinds in their usual order, whatever order intake sent them in.
    assert text.index("Social Security number") < text.index("VA file number")
    assert calls("reveal_identifiers") == [
        ({"office_id": OFFICE, "release_id": VALID_RELEASE}, "supervisor")
    ]
    # The case page itself never holds them.
    assert SSN not in office.get(COVERED).text


def test_identifiers_are_not_shown_to_an_intern_nor_revealed_by_a_form_without_its_token(
    office: Gateway,
) -> None:
    refused = post(office, f"{COVERED}/releases/{VALID_RELEASE}/identifiers", {}, token="forged")
    office.log_in(INTERN)
    page = office.get(COVERED).text
    intern = post(office, f"{COVERED}/releases/{VALID_RELEASE}/identifiers", {})

    assert refused.status_code == 403
    assert "/identifiers" not in page and "/revoke" not in page
    assert "File a wet-signed release" not in page
    assert "Download signed copy (PDF)" in page
    assert intern.status_code == 403
    assert SSN not in intern.text
    assert "An intern may not see a constituent's identifiers." in read_page(intern.text).alerts[0]
    assert calls("reveal_identifiers") == []


def test_a_caseworker_revokes_a_release_with_a_reason(office: Gateway) -> None:
    office.log_in(CASEWORKER)

    response = post(
        office, f"{COVERED}/releases/{VALID_RELEASE}/revoke", {"reason": "Asked by phone"}
    )

    assert response.status_code == 303
    assert response.headers["Location"] == (f"{COVERED}?done=release_revoked#releases-heading")
    assert "Privacy release revoked." in office.get(response.headers["Location"]).text
    assert calls("revoke_release") == [
        (
            {"office_id": OFFICE, "release_id": VALID_RELEASE, "reason": "Asked by phone"},
            "caseworker",
        )
    ]


def test_revoking_without_a_reason_or_twice_or_as_an_intern_is_refused_on_the_page(
    office: Gateway,
) -> None:
    no_reason = post(office, f"{COVERED}/releases/{VALID_RELEASE}/revoke", {"reason": "  "})
    twice = post(office, f"{COVERED}/releases/{REVOKED_RELEASE}/revoke", {"reason": "Again"})
    office.log_in(INTERN)
    intern = post(office, f"{COVERED}/releases/{VALID_RELEASE}/revoke", {"reason": "Because"})

    assert no_reason.status_code == 422
    assert "Reason" in read_page(no_reason.text).alerts[0]
    assert twice.status_code == 409
    assert "this release was revoked already" in read_page(twice.text).alerts[0]
    assert intern.status_code == 403
    assert [arguments["release_id"] for arguments, _ in calls("revoke_release")] == [
        REVOKED_RELEASE
    ]


def test_a_wet_signed_scan_is_filed_with_its_agencies_and_date(office: Gateway) -> None:
    response = post(
        office,
        f"{COVERED}/releases",
        {"agencies": "ssa, va,SSA", "signed_on": "2026-11-30"},
        files={"scan": ("release scan.pdf", PDF, "application/octet-stream")},
    )

    assert response.status_code == 303, response.text
    assert response.headers["Location"].endswith("?done=release_filed#releases-heading")
    [(arguments, role)] = calls("file_wet_signed_release")
    assert role == "supervisor"
    assert {key: arguments[key] for key in ("office_id", "submission_id", "agencies")} == {
        "office_id": OFFICE,
        "submission_id": SUBMISSION_ID,
        "agencies": ["SSA", "VA"],
    }
    assert arguments["signed_on"] == "2026-11-30"
    assert arguments["scan"]["filename"] == "release scan.pdf"
    assert arguments["scan"]["content_type"] == "application/pdf"
    assert base64.b64decode(arguments["scan"]["content_base64"]) == PDF


@pytest.mark.parametrize(
    ("data", "scan", "status", "says"),
    [
        ({"agencies": "SSA", "signed_on": "2026-11-30"}, b"plain text, not a scan", 422, "PDF"),
        ({"agencies": "SSA", "signed_on": "2026-11-30"}, b"", 422, "no file was chosen"),
        ({"agencies": "S$A", "signed_on": "2026-11-30"}, PDF, 422, "not an agency code"),
        ({"agencies": "SSA", "signed_on": "2999-01-01"}, PDF, 422, "cannot be in the future"),
        ({"agencies": "SSA", "signed_on": "soon"}, PDF, 422, "Signed on"),
        ({"agencies": "NOPE", "signed_on": "2026-11-30"}, PDF, 422, "not in the agency directory"),
    ],
)
def test_a_wet_signed_release_that_cannot_be_filed_says_why_on_the_page(
    office: Gateway, data: dict[str, str], scan: bytes, status: int, says: str
) -> None:
    response = post(
        office, f"{COVERED}/releases", data, files={"scan": ("scan.pdf", scan, "application/pdf")}
    )

    assert response.status_code == status, response.text
    page = read_page(response.text)
    assert page.headings["h1"][0].startswith("CW-2026-000004")
    assert says in page.alerts[0]
    expected_calls = 1 if "NOPE" in data["agencies"] else 0
    assert len(calls("file_wet_signed_release")) == expected_calls


def test_a_scan_over_10_mb_is_refused_before_it_reaches_intake(office: Gateway) -> None:
    large = PDF + b"0" * (10 * 1024 * 1024)

    response = post(
        office,
        f"{COVERED}/releases",
        {"agencies": "SSA", "signed_on": "2026-11-30"},
        files={"scan": ("scan.pdf", large, "application/pdf")},
    )
    body_too_large = post(
        office,
        f"{COVERED}/releases",
        {"agencies": "SSA", "signed_on": "2026-11-30"},
        files={"scan": ("scan.pdf", large + b"0" * 100_000, "application/pdf")},
    )

    assert response.status_code == 422
    assert "a scan may be up to 10 MB" in read_page(response.text).alerts[0]
    assert body_too_large.status_code == 413
    assert "larger than this form takes" in body_too_large.text
    assert calls("file_wet_signed_release") == []


def test_without_intake_the_panel_shows_cases_copy_and_the_actions_say_it_is_unavailable(
    demo_office: Gateway,
) -> None:
    page = demo_office.get(COVERED)
    download = demo_office.get(f"{COVERED}/releases/{VALID_RELEASE}/signed-copy")

    assert page.status_code == 200
    text = panel_text(page.text)
    assert "Intake is not answering right now" in text
    assert "Valid until 3 Dec 2027 — SSA, VA" in text
    assert "/signed-copy" not in page.text and "/revoke" not in page.text
    assert download.status_code == 503
    assert "intake did not answer in time" in read_page(download.text).alerts[0]


def test_another_offices_release_routes_are_not_found(office: Gateway) -> None:
    path = f"/offices/rep-lopez/cases/CW-2026-000004/releases/{VALID_RELEASE}/signed-copy"

    assert office.get(path).status_code == 404
    assert office.get(f"/offices/{OFFICE}/cases/{quote('CW-2026-999999')}").status_code == 404
    assert calls("release_pdf") == []
