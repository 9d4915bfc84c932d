"""Sending the requested documents from the status page in real headless Chromium with axe-core,
in English and Spanish and at a phone's width, served by a real intake-web process on the test
database: the constituent opens their request, sees what the office asked for, has a file of
the wrong type refused beside its field, sends a PDF with a message and reads the
confirmation. Screenshots go to `var/screenshots/documents-*.png`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from services.contracts import DOCUMENTS_RECEIVED
from services.intake.tests.support import Portal, outbox_payloads, rows
from services.intake.tests.test_portal_documents import asked, moved, opened_case
from services.intake.tests.test_unsubscribe_browser import CHROMIUM, ROOT, SHOTS, intake_web

__all__ = ["intake_web"]  # the fixture: intake-web as it is run, on the test's database

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium to drive")

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def awaiting(portal: Portal, language: str, last_name: str, documents: list[str]) -> str:
    """A request without email whose case waits on the constituent for `documents`: its
    tracking code. Each language's constituent is another person (one person's language is
    the one they last chose)."""
    phone = "(202) 555-0134" if language == "en" else "(202) 555-0199"
    case_id, tracking = opened_case(portal, language, last_name, phone)
    moved(portal, case_id, "new", "waiting_on_constituent", "2026-11-24T10:00:00+00:00")
    asked(portal, case_id, documents, "", "2026-11-24T10:00:00+00:00")
    return tracking


def browse(base: str, **args: Any) -> dict[str, Any]:
    arguments = {"base": base, "shots": str(SHOTS), **args}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.intake.tests.documents_browser",
            "send_documents",
            json.dumps(arguments),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert "error" not in seen, (
        f"{seen['error']} at {seen.get('failed_at')} "
        f"(screenshot: {SHOTS}/portal-send_documents-failed.png)\n{seen}"
    )
    return seen


# One browser run, on PostgreSQL (behind the tenant wall): the pages are the same on SQLite,
# whose storage the page tests cover.
@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_a_constituent_sends_a_pdf_from_the_status_page_in_both_languages(
    portal: Portal, intake_web: str, tmp_path: Path
) -> None:
    english = awaiting(portal, "en", "Lopez", ["DD-214 (both pages)", "Denial letter of March 3"])
    spanish = awaiting(portal, "es", "Núñez", ["Contrato de alquiler"])
    pdf, wrong = tmp_path / "dd214.pdf", tmp_path / "notes.txt"
    pdf.write_bytes(PDF)
    wrong.write_bytes(b"these are my notes, not a document")

    seen = browse(
        intake_web,
        office="rep-lopez",
        pdf=str(pdf),
        wrong_file=str(wrong),
        requests=[
            {
                "lang": "en",
                "tracking": english,
                "last_name": "Lopez",
                "message": "Both pages are in the PDF.",
            },
            {
                "lang": "es",
                "tracking": spanish,
                "last_name": "Núñez",
                "message": "Aquí está el contrato.",
            },
        ],
    )

    assert seen["needed"] == {
        "en": ["DD-214 (both pages)", "Denial letter of March 3"],
        "es": ["Contrato de alquiler"],
    }
    assert seen["refused_status"] == {"en": 422, "es": 422}
    assert seen["refused"] == {
        "en": "Error: notes.txt is not a PDF, JPEG or PNG file.",
        "es": "Error: El archivo notes.txt no es un PDF, JPEG ni PNG.",
    }
    assert seen["summary_link"] == {"en": "#attachments", "es": "#attachments"}
    assert seen["sent_status"] == {"en": 303, "es": 303}
    assert seen["received"] == {"en": ["dd214.pdf (1 KB)"], "es": ["dd214.pdf (1 KB)"]}
    assert seen["h1"]["documents-en-sent"] == "We received your documents"
    assert seen["h1"]["documents-es-sent"] == "Recibimos sus documentos"
    assert seen["lang"]["documents-es-asked"] == "es"
    assert "You sent us these documents: dd214.pdf" in seen["timeline"]["en"]
    assert "Usted nos envió estos documentos: dd214.pdf" in seen["timeline"]["es"]
    assert seen["still_asked"] == {"en": 0, "es": 0}
    # axe-core found nothing serious or critical; no page is wider than its window.
    assert {name: rules for name, rules in seen["axe"].items() if rules} == {}
    assert {name for name, wide in seen["overflow"].items() if wide} == set()
    for lang in ("en", "es"):
        assert (SHOTS / f"documents-{lang}-section.png").stat().st_size > 0
    events = outbox_payloads(portal.engine, DOCUMENTS_RECEIVED.event_type)
    assert sorted(event["message"] for event in events) == [
        "Aquí está el contrato.",
        "Both pages are in the PDF.",
    ]
    assert sorted(row.filename for row in rows(portal.engine, "attachments")) == [
        "dd214.pdf",
        "dd214.pdf",
    ]
