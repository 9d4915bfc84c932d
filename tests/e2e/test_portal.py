"""The constituent portal through the whole running system (both databases), in real headless
Chromium: a request sent in English with documents and a privacy release, in Spanish, and with
the keyboard alone; errors beside their fields; the status page opened with the emailed code;
the release's PDF and its revocation; axe-core on every public page in both languages."""

from __future__ import annotations

import hashlib
import json
import re
import struct
import subprocess
import sys
import unicodedata
import zlib
from datetime import datetime
from email.message import Message
from typing import Any

import pytest

from tests.e2e.system import DEMO_OFFICE, ROOT, System
from tests.e2e.test_flow import case_for

pytestmark = pytest.mark.e2e

SHOTS = ROOT / "var" / "screenshots"
TRACKING_CODE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
WAIT = 30

# The h1 of each public page, as a constituent reads it in each language.
HEADINGS = {
    "en": {
        "form": "Ask for help with a federal agency",
        "confirmation": "Your request has been sent",
        "status-start": "Check the status of your request",
        "status-code": "Open your request",
        "status": "Your request",
        "release": "Sign a privacy release",
        "revoke": "Revoke this privacy release?",
    },
    "es": {
        "form": "Pida ayuda con una agencia federal",
        "confirmation": "Su solicitud fue enviada",
        "status-start": "Consulte el estado de su solicitud",
        "status-code": "Abra su solicitud",
        "status": "Su solicitud",
        "release": "Firmar una autorización de privacidad",
        "revoke": "¿Revocar esta autorización de privacidad?",
    },
}
REVOKED_NOTICE = (
    "Your privacy release is revoked. We will no longer contact those agencies for you with it."
)
RELEASE_STATES = {"en": ("Valid", "Revoked"), "es": ("Vigente", "Revocada")}


def person(first_name: str, last_name: str, **extra: Any) -> dict[str, Any]:
    # Plain letters before the @: notify cannot mail an address with accents there yet.
    mailbox = unicodedata.normalize("NFKD", f"{first_name}.{last_name}".lower())
    return {
        "first_name": first_name,
        "last_name": last_name,
        "email": mailbox.encode("ascii", "ignore").decode() + "@example.org",
        "category": "social_security",
        "subject": "My retirement payments stopped in August",
        "description": "The SSA stopped my payments after I moved. I sent the form twice.",
        "release_agencies": ["SSA"],
        **extra,
    }


def browse(system: System, scenario: str, **args: Any) -> dict[str, Any]:
    """Run a scenario of `portal_browser.py` against the system's intake-web."""
    arguments = {
        "base": system.url("intake-web"),
        "office": DEMO_OFFICE,
        "maildir": str(system.maildir),
        "shots": str(SHOTS),
        **args,
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.portal_browser", scenario, json.dumps(arguments)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert "error" not in seen, (
        f"{seen['error']} at {seen.get('failed_at')} "
        f"(screenshot: {SHOTS}/portal-{scenario}-failed.png)\n{seen}\n"
        f"{system.log_tail('intake-web')}"
    )
    return seen


def no_serious_violations(seen: dict[str, Any]) -> None:
    """axe-core found nothing serious or critical, and no page is wider than its window (a
    phone's 390 px for the pages checked at that width)."""
    assert {page: rules for page, rules in seen["axe"].items() if rules} == {}
    assert {page for page, wide in seen["overflow"].items() if wide} == set()


def submission_id(system: System, tracking_code: str) -> str:
    rows = system.query(
        "intake", "SELECT id FROM submissions WHERE tracking_code = :t", t=tracking_code
    )
    assert rows, f"intake has no submission {tracking_code}"
    return str(rows[0].id)


def status_projected(system: System, submission: str) -> bool:
    """Whether intake's status page has heard that cases opened the request."""
    rows = system.query(
        "intake", "SELECT status FROM public_cases WHERE submission_id = :s", s=submission
    )
    return bool(rows)


def moment(value: datetime | str) -> datetime:
    """A timestamp as the database hands it back (SQLite: as text)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def tiny_png() -> bytes:
    """A valid 1x1 greyscale PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def small_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    body = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return body


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return {"ssa-letter.pdf": small_pdf(), "envelope.png": tiny_png()}


@pytest.fixture(scope="module")
def document_paths(
    tmp_path_factory: pytest.TempPathFactory, documents: dict[str, bytes]
) -> list[str]:
    folder = tmp_path_factory.mktemp("documents")
    for name, content in documents.items():
        (folder / name).write_bytes(content)
    return [str(folder / name) for name in documents]


ENGLISH = person("Margaret", "Olsen")


@pytest.fixture(scope="module")
def signed_request(running_system: System, document_paths: list[str]) -> dict[str, Any]:
    """A request sent on the form in English with two documents and a release signed on it."""
    return browse(
        running_system,
        "submit_with_release",
        person=ENGLISH,
        documents=document_paths,
        identifiers={"ssn_last4": "6789"},
    )


def test_a_request_sent_in_english_with_documents_and_a_release_becomes_a_case_with_both(
    running_system: System, signed_request: dict[str, Any], documents: dict[str, bytes]
) -> None:
    system, seen = running_system, signed_request

    assert seen["post_status"] == 303
    assert seen["confirmation_url"].endswith(f"/o/{DEMO_OFFICE}/submitted")
    assert TRACKING_CODE.match(seen["tracking_code"]), seen["tracking_code"]
    assert "We received 2 documents." in seen["confirmation_text"]
    assert "You signed a privacy release" in seen["confirmation_text"]
    assert seen["h1"]["portal-submit-confirmation"] == HEADINGS["en"]["confirmation"]
    no_serious_violations(seen)

    submission = submission_id(system, seen["tracking_code"])
    case = system.wait_for(lambda: case_for(system, submission), WAIT, "no case opened")
    attachments = system.query(
        "cases",
        "SELECT filename, content_type, size_bytes, sha256 FROM case_attachments "
        "WHERE case_id = :c ORDER BY filename",
        c=case.id,
    )
    assert [tuple(row) for row in attachments] == [
        (name, kind, len(documents[name]), hashlib.sha256(documents[name]).hexdigest())
        for name, kind in (("envelope.png", "image/png"), ("ssa-letter.pdf", "application/pdf"))
    ]

    def release_on_case() -> Any:
        rows = system.query(
            "cases",
            "SELECT agencies, kind, signed_at, expires_at, revoked_at FROM privacy_releases "
            "WHERE submission_id = :s",
            s=submission,
        )
        return rows[0] if rows and rows[0].signed_at else None

    release = system.wait_for(release_on_case, WAIT, "cases never heard of the release")
    assert json.loads(release.agencies) == ["SSA"]
    assert release.kind == "e_signed" and release.revoked_at is None
    assert 364 <= (moment(release.expires_at) - moment(release.signed_at)).days <= 366
    signed = system.query(
        "intake",
        "SELECT signature_name, identifier_kinds, identifiers, language FROM privacy_releases "
        "WHERE submission_id = :s",
        s=submission,
    )
    assert len(signed) == 1
    kinds = signed[0].identifier_kinds
    assert (json.loads(kinds) if isinstance(kinds, str) else kinds) == ["ssn_last4"]
    assert (signed[0].signature_name, signed[0].language) == ("Margaret Olsen", "en")
    assert b"6789" not in bytes(signed[0].identifiers)


@pytest.mark.postgresql_only
def test_a_request_sent_in_spanish_after_switching_the_page_language(
    running_system: System,
) -> None:
    system = running_system
    seen = browse(system, "submit_in_spanish", person=person("Lucía", "Fernández"))

    assert (seen["lang_before"], seen["switch_label"]) == ("en", "Español")
    assert seen["form_url"].endswith(f"/o/{DEMO_OFFICE}/?lang=es")
    assert seen["lang_after"] == "es"
    assert seen["form_h1"] == HEADINGS["es"]["form"]
    assert seen["subject_label"] == "Su solicitud en pocas palabras"
    assert seen["button"] == "Enviar mi solicitud"
    assert seen["preferred_language"] == "es"
    assert seen["post_status"] == 303
    assert seen["confirmation_lang"] == "es"
    assert seen["confirmation_h1"] == HEADINGS["es"]["confirmation"]
    assert TRACKING_CODE.match(seen["tracking_code"])
    assert "Guarde este código" in seen["confirmation_text"], seen["confirmation_text"]
    no_serious_violations(seen)

    submission = submission_id(system, seen["tracking_code"])
    case = system.wait_for(lambda: case_for(system, submission), WAIT, "no case opened")
    language = system.query(
        "cases", "SELECT preferred_language FROM cases WHERE id = :c", c=case.id
    )
    assert language[0].preferred_language == "es"


@pytest.mark.postgresql_only
def test_the_form_is_filled_in_and_sent_with_the_keyboard_alone(running_system: System) -> None:
    system = running_system
    typist = person(
        "Keith",
        "Boardman",
        category="passport",
        category_label="Passports",
        subject="Passport renewal lost in the mail",
        urgency_reason="I fly to my mother's funeral on Friday.",
    )
    seen = browse(system, "keyboard_only", person=typist)

    assert seen["first_stop"]["text"] == "Skip to main content"
    required = ["first_name", "last_name", "email", "category", "subject", "description"]
    reached = [stop for stop in seen["tab_stops"] if stop in required]
    assert reached == required
    assert "website" not in seen["tab_stops"]  # the honeypot is out of the tab order
    assert seen["category"] == "passport"
    assert seen["urgent_checked"] is True
    assert seen["button_focus"]["outline"] == "solid"  # a visible focus on the button
    assert seen["confirmation_url"].endswith("/submitted")
    assert TRACKING_CODE.match(seen["tracking_code"])
    no_serious_violations(seen)

    submission = submission_id(system, seen["tracking_code"])
    sent = system.query(
        "intake", "SELECT category, subject, urgent FROM submissions WHERE id = :s", s=submission
    )
    assert tuple(sent[0]) == ("passport", "Passport renewal lost in the mail", True)


@pytest.mark.postgresql_only
def test_errors_are_listed_at_the_top_and_shown_beside_their_fields_without_the_identifiers(
    running_system: System,
) -> None:
    system = running_system
    stored_before = system.query("intake", "SELECT count(*) FROM submissions")[0][0]
    careless = person("Errol", "Quint", subject="", email="errol.at.example.org")
    seen = browse(
        system,
        "error_next_to_field",
        person=careless,
        identifiers={"ssn": "241-58-3197"},
        invalid_fields=["email", "subject"],
    )

    assert seen["post_status"] == 422
    assert seen["title"].startswith("Error: Ask for help with a federal agency")
    assert seen["summary"] == [
        {"href": "#email", "text": "Enter an email address like name@example.com."},
        {
            "href": "#subject",
            "text": "Say in a few words what your request is about (3 to 200 characters).",
        },
    ]
    assert "error-summary" in seen["focused"]["class"]  # the summary is read first
    email, subject = seen["fields"]["email"], seen["fields"]["subject"]
    assert (email["aria_invalid"], subject["aria_invalid"]) == ("true", "true")
    assert email["described_by"] == ["email-error-1"]
    assert email["descriptions"] == ["Error: Enter an email address like name@example.com."]
    assert subject["described_by"] == ["subject-hint", "subject-error-1"]
    assert subject["descriptions"][1] == (
        "Error: Say in a few words what your request is about (3 to 200 characters)."
    )
    assert "field-error" in email["error_class"] and "field-error" in subject["error_class"]
    # What was typed is kept, except the identifiers, which are typed again.
    assert seen["kept"]["first_name"] == "Errol"
    assert seen["kept"]["email"] == "errol.at.example.org"
    assert seen["kept"]["signature_name"] == "Errol Quint"
    assert seen["identifier_values"] == {"ssn": ""}
    assert seen["identifiers_in_page"] == []
    assert seen["after_link"].endswith("#subject")
    no_serious_violations(seen)
    assert system.query("intake", "SELECT count(*) FROM submissions")[0][0] == stored_before


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    return " ".join(payload.decode().split()) if isinstance(payload, bytes) else ""


def test_the_status_page_opens_with_the_emailed_code_and_gives_the_release_pdf(
    running_system: System, signed_request: dict[str, Any]
) -> None:
    system = running_system
    tracking = signed_request["tracking_code"]
    submission = submission_id(system, tracking)
    system.wait_for(lambda: status_projected(system, submission), WAIT, "case never projected")

    seen = browse(system, "status_with_code", tracking_code=tracking)

    assert seen["tracking_prefilled"] == tracking
    assert seen["code_page_h1"] == "Open your request"
    code_mails = [
        message
        for message in system.emails()
        if f"{tracking} is {seen['code']}" in body_of(message)
    ]
    assert [str(m["To"]) for m in code_mails] == [f"Margaret Olsen <{ENGLISH['email']}>"]
    assert seen["status_url"].endswith(f"/o/{DEMO_OFFICE}/status")
    assert seen["h1"]["portal-code-status"] == "Your request"
    assert seen["tracking_fact"] == tracking
    assert seen["timeline"][-1].endswith("We received your request.")
    assert seen["about"] == ENGLISH["subject"]
    case = case_for(system, submission)
    assert seen["reference"] == case.reference
    assert seen["status_state"] == "Received, waiting for a caseworker"
    assert seen["status_releases"] == [
        {"agencies": "Social Security Administration", "state": "Valid"}
    ]
    assert seen["pdf"]["status"] == 200
    assert seen["pdf"]["type"] == "application/pdf"
    assert seen["pdf"]["disposition"].startswith("attachment;")
    assert seen["pdf"]["starts"] == "%PDF-"
    no_serious_violations(seen)


def test_the_constituent_revokes_a_release_from_the_status_page(running_system: System) -> None:
    system = running_system
    n = 6001
    name = f"Test Constituent{n}"
    response = system.submit(
        n,
        category="social_security",
        privacy_release={
            "signed": True,
            "signature_name": name,
            "agencies": ["SSA"],
            "identifiers": {"ssn_last4": "4321"},
        },
    )
    assert response.status_code == 202, response.text
    receipt = response.json()
    submission = receipt["submission_id"]

    seen = browse(system, "revoke_release", tracking_code=receipt["tracking_code"])

    assert [r["state"] for r in seen["before_releases"]] == ["Valid"]
    assert seen["confirm_url"].endswith("/revoke")
    assert seen["confirm_facts"]["Agencies"] == "Social Security Administration"
    assert seen["h1"]["portal-revoke-confirm"] == "Revoke this privacy release?"
    assert seen["after_url"].endswith(f"/o/{DEMO_OFFICE}/status")
    assert seen["after_notices"] == [REVOKED_NOTICE]
    assert [r["state"] for r in seen["after_releases"]] == ["Revoked"]
    assert seen["revoke_buttons_after"] == 0
    # No "Valid until" beside "Revoked": when it was signed and when it was revoked.
    assert seen["card_facts_after"] == ["Signed on", "Revoked on"]
    no_serious_violations(seen)

    revoked = system.query(
        "intake",
        "SELECT revoked_by, revoked_at FROM privacy_releases WHERE submission_id = :s",
        s=submission,
    )
    assert [(row.revoked_by, row.revoked_at is not None) for row in revoked] == [
        ("constituent", True)
    ]

    def revoked_on_case() -> Any:
        rows = system.query(
            "cases",
            "SELECT revoked_by, revoked_at FROM privacy_releases WHERE submission_id = :s",
            s=submission,
        )
        return rows if rows and rows[0].revoked_at is not None else None

    on_case = system.wait_for(revoked_on_case, WAIT, "cases never heard of the revocation")
    assert [row.revoked_by for row in on_case] == ["constituent"]


@pytest.mark.postgresql_only
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_public_page_passes_axe_in_both_languages_and_fits_a_phone(
    running_system: System, lang: str
) -> None:
    visitor = person("Ana" if lang == "es" else "Ann", f"Pages{lang.upper()}")
    seen = browse(running_system, "every_page", lang=lang, person=visitor)

    pages = seen["lang"]
    assert set(pages.values()) == {lang}, pages
    headings = HEADINGS[lang]
    for shot, heading in {
        "form": headings["form"],
        "form-errors": headings["form"],
        "confirmation": headings["confirmation"],
        "status-start": headings["status-start"],
        "status-code": headings["status-code"],
        "status": headings["status"],
        "release": headings["release"],
        "status-signed": headings["status"],
        "revoke": headings["revoke"],
        "status-revoked": headings["status"],
    }.items():
        assert seen["h1"][f"portal-{lang}-{shot}"] == heading
    assert seen["empty_post_status"] == 422
    valid, revoked = RELEASE_STATES[lang]
    assert [r["state"] for r in seen["signed_releases"]] == [valid]
    assert [r["state"] for r in seen["revoked_releases"]] == [revoked]
    phone_pages = {page for page in seen["overflow"] if page.endswith("-phone")}
    assert phone_pages == {
        f"portal-{lang}-{shot}-phone"
        for shot in ("form", "confirmation", "status-start", "status", "release")
    }
    no_serious_violations(seen)
