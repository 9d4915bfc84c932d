"""The release panel's words, the wet-signed form's checks and the downloads' headers, without
a broker or a database."""

from __future__ import annotations

import base64
import io
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.chassis.errors import ValidationFailed
from services.gateway.domain.releases import (
    Release,
    agency_codes,
    covers,
    panel,
    signed_on_problem,
    size_words,
    status_link,
    today_in,
)
from services.gateway.releases import labelled, scan_document, upload_name
from services.gateway.web import content_disposition

SIGNED = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
EXPIRES = datetime(2027, 12, 3, 15, 0, tzinfo=UTC)
NEW_YORK = "America/New_York"


def release(
    state: str = "valid", agencies: tuple[str, ...] = ("SSA", "VA"), **fields: object
) -> Release:
    values: dict[str, object] = {
        "release_id": "r-1",
        "kind": "e_signed",
        "agencies": agencies,
        "signed_at": SIGNED,
        "expires_at": EXPIRES,
        "state": state,
    }
    values.update(fields)
    return Release(**values)  # type: ignore[arg-type]


def test_each_state_reads_as_a_sentence_in_the_offices_time_zone() -> None:
    revoked = release(
        "revoked",
        ("VA",),
        revoked_by="constituent",
        revoked_at=datetime(2026, 12, 2, 3, tzinfo=UTC),
    )
    lines = panel(
        [release(), release("expired", ("SSA",)), revoked],
        agency="VA",
        zone=NEW_YORK,
        status_link="https://portal/o/x/status?tracking=K",
        live=True,
    ).lines

    assert [line.state_words for line in lines] == [
        "Valid until 3 Dec 2027 — SSA, VA",
        "Expired on 3 Dec 2027 — SSA",
        # 03:00 UTC on 2 Dec is still 1 Dec in New York.
        "Revoked by the constituent on 1 Dec 2026 — VA",
    ]
    assert [line.may_revoke for line in lines] == [True, False, False]
    staff = panel(
        [release("revoked", revoked_by="staff")], agency=None, zone="UTC", status_link="", live=True
    )
    assert staff.lines[0].state_words == "Revoked by staff — SSA, VA"


def test_a_scan_and_an_online_signature_are_told_apart() -> None:
    [online, scan] = panel(
        [
            release(signature_name="Robert Hayes", identifier_kinds=("date_of_birth", "ssn")),
            release(kind="wet_signed"),
        ],
        agency=None,
        zone="UTC",
        status_link="",
        live=True,
    ).lines

    assert (online.kind_words, online.is_scan) == ("Signed online", False)
    assert online.signed_words == "3 Dec 2026 by Robert Hayes"
    assert online.identifier_words == "Date of birth, Social Security number"
    assert (scan.kind_words, scan.is_scan, scan.identifier_words) == ("Wet-signed scan", True, "")


def test_only_a_valid_release_naming_the_cases_agency_covers_it() -> None:
    assert covers([release()], "SSA")
    assert not covers([release()], "USCIS")
    assert not covers([release("expired"), release("revoked")], "SSA")
    # With no agency known yet, any valid release will do; none is none.
    assert covers([release()], None)
    assert not covers([], None)


def test_the_status_link_is_the_constituents_status_page_on_the_portal() -> None:
    assert status_link("https://portal.example.gov/", "rep-demo", "K7QX M2PD&x") == (
        "https://portal.example.gov/o/rep-demo/status?tracking=K7QX+M2PD%26x"
    )


def test_agency_codes_are_read_from_commas_or_spaces_once_each_in_capitals() -> None:
    assert agency_codes(" ssa, va,SSA  uscis") == ["SSA", "VA", "USCIS"]
    for bad in ("", " , ", "S$A", "A", ",".join(f"AG{n}" for n in range(11))):
        with pytest.raises(ValueError):
            agency_codes(bad)


def test_a_release_cannot_have_been_signed_tomorrow() -> None:
    today = today_in(NEW_YORK, datetime(2026, 12, 4, 2, 0, tzinfo=UTC))

    assert today == date(2026, 12, 3)
    assert signed_on_problem(date(2026, 12, 3), today) is None
    assert signed_on_problem(date(2026, 12, 4), today) is not None


def test_sizes_read_as_people_say_them() -> None:
    assert [size_words(n) for n in (512, 48213, 2_400_000)] == ["512 bytes", "47 KB", "2.3 MB"]


def test_identifiers_are_labelled_and_listed_in_their_usual_order() -> None:
    assert labelled({"date_of_birth": "1950-04-02", "ssn": "078-05-1120", "pin": "4"}) == [
        ("Social Security number", "078-05-1120"),
        ("Date of birth", "1950-04-02"),
        ("pin", "4"),
    ]
    assert labelled({}) == []
    for unexpected in ("078-05-1120", [{"kind": "ssn"}], {"ssn": 78051120}):
        with pytest.raises(ValueError):
            labelled(unexpected)


@pytest.mark.parametrize(
    ("content", "content_type", "name"),
    [
        (b"%PDF-1.7 ...", "application/pdf", "signed-release.pdf"),
        (b"\xff\xd8\xff\xe0 ...", "image/jpeg", "signed-release.jpg"),
        (b"\x89PNG\r\n\x1a\n ...", "image/png", "signed-release.png"),
    ],
)
def test_a_scan_is_what_its_content_says_whatever_it_was_called(
    content: bytes, content_type: str, name: str
) -> None:
    scan = scan_document(None, io.BytesIO(content))

    assert (scan["content_type"], scan["filename"]) == (content_type, name)
    assert base64.b64decode(scan["content_base64"]) == content


def test_a_scan_that_is_not_a_pdf_jpeg_or_png_or_is_over_10_mb_is_refused() -> None:
    for content in (b"GIF89a...", b"", b"%PDF-" + b"0" * (10 * 1024 * 1024)):
        with pytest.raises(ValidationFailed) as refused:
            scan_document("scan.pdf", io.BytesIO(content))
        assert "scan" in refused.value.fields


def test_an_uploaded_name_keeps_no_folder_or_control_character() -> None:
    assert upload_name("C:\\scans\\release.pdf", ".pdf") == "release.pdf"
    assert upload_name("../../etc/release\r\n.pdf", ".pdf") == "release.pdf"
    assert upload_name("   ", ".png") == "signed-release.png"


@given(st.text(max_size=80))
def test_a_download_names_its_file_without_breaking_the_header(filename: str) -> None:
    header = content_disposition(filename)

    assert header.startswith('attachment; filename="')
    assert not any(character in header for character in "\r\n\x00")
    plain = header.split('filename="', 1)[1].split('"', 1)[0]
    assert plain and '"' not in plain and "\\" not in plain and "/" not in plain
