"""Sending the requested documents from the status page, on both databases: while the case waits
on the constituent, the page offers a file input and a message; the files are checked as the
request form's are, stored with their SHA-256 and announced (`intake.documents_received`)
without their content; a refused file is named beside its field and nothing is kept; the
confirmation (after a redirect) lists what was received, in the constituent's language."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from prometheus_client import REGISTRY

from services.chassis.domain import Actor
from services.contracts import DOCUMENTS_RECEIVED
from services.intake.domain.attachments import MAX_BYTES
from services.intake.staff_releases import staff_attachment
from services.intake.tests.support import (
    OFFICE,
    Portal,
    control,
    controls_of,
    hidden_value,
    outbox_payloads,
    rows,
    text_of,
)
from services.intake.tests.test_portal_documents import asked, look, moved, opened_case

DOCUMENTS = f"/o/{OFFICE}/documents"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n" + b"0" * 3000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def awaiting(portal: Portal, language: str = "en") -> tuple[str, str]:
    """A request whose case waits on the constituent for two documents, its status page open
    in this browser: the case id and the page's CSRF token."""
    case_id, tracking = opened_case(portal, language)
    moved(portal, case_id, "new", "waiting_on_constituent", "2026-11-24T10:00:00+00:00")
    asked(portal, case_id, ["DD-214", "Denial letter"], "", "2026-11-24T10:00:00+00:00")
    look(portal, tracking)
    page = portal.client.get(f"/o/{OFFICE}/status")
    return case_id, hidden_value(page.get_data(as_text=True), "csrf_token")


def post(portal: Portal, token: str, files: list[tuple[bytes, str]], message: str = "") -> Any:
    data: dict[str, Any] = {"csrf_token": token, "message": message}
    data["attachments"] = [(io.BytesIO(content), name) for content, name in files]
    return portal.client.post(DOCUMENTS, data=data, content_type="multipart/form-data")


def uploads_counted(outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "casework_intake_web_document_uploads_total", {"outcome": outcome}
    )
    return value or 0.0


def test_the_form_is_offered_while_documents_are_awaited(portal: Portal) -> None:
    awaiting(portal)

    page = portal.client.get(f"/o/{OFFICE}/status")

    parsed = controls_of(page)
    assert {"attachments", "message"} <= parsed.label_for
    assert control(parsed, "attachments").get("type") == "file"
    assert "Send my documents" in text_of(page)


def test_a_pdf_and_a_png_are_stored_announced_and_listed_with_their_sizes(portal: Portal) -> None:
    case_id, token = awaiting(portal)
    before = uploads_counted("accepted")

    response = post(portal, token, [(PDF, "dd214.pdf"), (PNG, "letter.png")], "Both pages.")

    assert response.status_code == 303, text_of(response)
    assert response.headers["Location"].endswith(f"/o/{OFFICE}/documents/sent")
    stored = {row.filename: row for row in rows(portal.engine, "attachments")}
    assert set(stored) == {"dd214.pdf", "letter.png"}
    assert stored["dd214.pdf"].sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored["letter.png"].content == PNG
    [event] = outbox_payloads(portal.engine, DOCUMENTS_RECEIVED.event_type)
    assert event["case_id"] == case_id and event["reference"] == "CW-2026-000042"
    assert event["message"] == "Both pages."
    assert {item["attachment_id"] for item in event["attachments"]} == {
        row.id for row in stored.values()
    }
    assert {item["size_bytes"] for item in event["attachments"]} == {len(PDF), len(PNG)}
    assert all(
        set(item) == {"attachment_id", "filename", "content_type", "size_bytes", "sha256"}
        for item in event["attachments"]
    )
    assert uploads_counted("accepted") == before + 1
    # Staff download it as they download a request's file: intake's `attachment` by its id.
    staff = Actor.staff("u-3", "caseworker", "staff-app")
    db = portal.app.extensions["intake_db"]
    document = staff_attachment(db, OFFICE, staff, stored["dd214.pdf"].id)
    assert (document.filename, document.content_type, document.content) == (
        "dd214.pdf",
        "application/pdf",
        PDF,
    )

    confirmation = text_of(portal.client.get(response.headers["Location"]))
    assert "We received your documents" in confirmation
    assert "dd214.pdf (3 KB)" in confirmation and "letter.png (1 KB)" in confirmation

    status = text_of(portal.client.get(f"/o/{OFFICE}/status"))
    top, timeline = status.split("What has happened so far")
    assert "What we need from you" not in top  # nothing awaited once they sent
    assert "You sent us these documents: dd214.pdf letter.png" in timeline


def test_in_spanish_the_confirmation_and_a_refused_type_are_in_spanish(portal: Portal) -> None:
    _, token = awaiting(portal, "es")
    page = text_of(portal.client.get(f"/o/{OFFICE}/status"))
    assert "Envíelos aquí" in page and "Mensaje para la persona que lleva su caso" in page

    refused = post(portal, token, [(b"just some text", "notas.txt")])
    assert refused.status_code == 422
    assert "El archivo notas.txt no es un PDF, JPEG ni PNG." in text_of(refused)

    response = post(portal, token, [(PDF, "contrato.pdf")])
    assert response.status_code == 303
    confirmation = text_of(portal.client.get(response.headers["Location"]))
    assert "Recibimos sus documentos" in confirmation
    assert "contrato.pdf (3 KB)" in confirmation


def test_a_refused_type_is_shown_beside_its_field_and_nothing_is_kept(portal: Portal) -> None:
    _, token = awaiting(portal)
    before = uploads_counted("file_type")

    response = post(portal, token, [(PDF, "fine.pdf"), (b"MZ\x90\x00 program", "letter.pdf")])

    assert response.status_code == 422
    parsed = controls_of(response)
    assert parsed.summary_links == ["#attachments"]
    field = control(parsed, "attachments")
    assert field.get("aria-invalid") == "true"
    assert "attachments-error-1" in str(field.get("aria-describedby"))
    assert "letter.pdf is not a PDF, JPEG or PNG file." in text_of(response)
    assert rows(portal.engine, "attachments") == []
    assert outbox_payloads(portal.engine, DOCUMENTS_RECEIVED.event_type) == []
    assert uploads_counted("file_type") == before + 1


def test_six_files_or_one_too_large_are_refused(portal: Portal) -> None:
    _, token = awaiting(portal)

    six = post(portal, token, [(PDF, f"page-{n}.pdf") for n in range(6)])
    assert six.status_code == 422
    assert "Send at most 5 files." in text_of(six)

    large = post(portal, token, [(PDF + b"0" * MAX_BYTES, "huge.pdf")])
    assert large.status_code == 422
    assert "huge.pdf is larger than 10 MB. Send a smaller copy." in text_of(large)
    assert rows(portal.engine, "attachments") == []


def test_no_file_or_a_long_message_is_refused_and_the_message_kept(portal: Portal) -> None:
    _, token = awaiting(portal)

    empty = post(portal, token, [], "I will bring them")
    assert empty.status_code == 422
    assert "Choose at least one file to send." in text_of(empty)
    assert "I will bring them" in empty.get_data(as_text=True)

    long = post(portal, token, [(PDF, "a.pdf")], "x" * 2001)
    assert long.status_code == 422
    assert controls_of(long).summary_links == ["#message"]
    assert "Keep your message under 2,000 characters." in text_of(long)

    control_characters = post(portal, token, [(PDF, "a.pdf")], "bad \x07 bell")
    assert control_characters.status_code == 422
    assert "Remove the special characters from this answer." in text_of(control_characters)
    assert rows(portal.engine, "attachments") == []


def test_without_the_token_or_once_nothing_is_awaited_nothing_is_kept(portal: Portal) -> None:
    case_id, token = awaiting(portal)

    assert post(portal, "forged", [(PDF, "a.pdf")]).status_code == 400
    moved(portal, case_id, "waiting_on_constituent", "open", "2026-11-25T10:00:00+00:00")
    late = post(portal, token, [(PDF, "a.pdf")])
    assert late.status_code == 303
    assert late.headers["Location"].endswith(f"/o/{OFFICE}/status")
    assert rows(portal.engine, "attachments") == []
    assert "Send my documents" not in text_of(portal.client.get(f"/o/{OFFICE}/status"))


def test_a_browser_that_has_not_opened_the_request_is_sent_to_the_status_page(
    portal: Portal,
) -> None:
    response = post(portal, "anything", [(PDF, "a.pdf")])

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/o/{OFFICE}/status")
    assert portal.client.get(f"{DOCUMENTS}/sent").status_code == 303
    assert rows(portal.engine, "attachments") == []
