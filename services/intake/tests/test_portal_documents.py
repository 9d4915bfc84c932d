"""A request for documents on the status page, on both databases: while the case waits on the
constituent, the page lists what to send at the top, in their language; the timeline keeps
each request; once the case moves on, the box goes."""

from __future__ import annotations

import uuid
from typing import Any

from services.contracts import CASE_OPENED, CASE_STATUS_CHANGED, PUBLIC_NOTE_ADDED
from services.intake import status_page
from services.intake.tests.support import Portal, rows, text_of
from services.intake.tests.test_portal_status import STATUS, project, sent, without_email


def opened_case(
    portal: Portal, language: str, last_name: str = "Lopez", phone: str = "(202) 555-0134"
) -> tuple[str, str]:
    """A request without email (opened with last name and ZIP), its case projected: the
    case's id and the tracking code. Another phone number is another constituent."""
    body = without_email(language)
    body["constituent"].update(last_name=last_name, phone=phone)
    receipt = sent(portal, body)
    case_id = str(uuid.uuid4())
    project(
        portal,
        CASE_OPENED,
        {
            "case_id": case_id,
            "reference": "CW-2026-000042",
            "submission_id": receipt["submission_id"],
            "tracking_code": receipt["tracking_code"],
            "constituent_id": rows(portal.engine, "constituents")[0].id,
            "category": "veterans",
            "agency_hint": "VA",
            "urgent": False,
            "opened_at": "2026-11-23T14:05:01+00:00",
        },
        status_page.project_case_opened,
    )
    return case_id, receipt["tracking_code"]


def moved(portal: Portal, case_id: str, came_from: str, to: str, at: str) -> None:
    payload: dict[str, Any] = {
        "case_id": case_id,
        "reference": "CW-2026-000042",
        "from_status": came_from,
        "to_status": to,
        "reason": "documents requested",
        "changed_by": "u-3",
        "changed_at": at,
        "tell_constituent": False,
    }
    project(portal, CASE_STATUS_CHANGED, payload, status_page.project_status_changed)


def asked(portal: Portal, case_id: str, documents: list[str], note: str, at: str) -> None:
    payload = {
        "case_id": case_id,
        "reference": "CW-2026-000042",
        "note_id": str(uuid.uuid4()),
        "text": note,
        "requested_documents": documents,
        "added_at": at,
    }
    project(portal, PUBLIC_NOTE_ADDED, payload, status_page.project_public_note)


def look(portal: Portal, tracking_code: str) -> str:
    portal.client.post(
        STATUS,
        data={
            "action": "name_and_zip",
            "tracking_code": tracking_code,
            "last_name": "Lopez",
            "postal_code": "62701",
        },
    )
    return text_of(portal.client.get(STATUS))


def test_the_latest_request_is_listed_at_the_top_while_the_case_waits_on_the_constituent(
    portal: Portal,
) -> None:
    case_id, tracking = opened_case(portal, "en")
    moved(portal, case_id, "new", "waiting_on_constituent", "2026-11-24T10:00:00+00:00")
    asked(portal, case_id, ["Old lease"], "", "2026-11-24T10:00:00+00:00")
    asked(
        portal,
        case_id,
        ["DD-214 (both pages)", "Denial letter of March 3"],
        "Photos are fine.",
        "2026-11-25T10:00:00+00:00",
    )

    words = look(portal, tracking)

    top, timeline = words.split("What has happened so far")
    assert "What we need from you" in top
    assert "DD-214 (both pages)" in top and "Denial letter of March 3" in top
    assert "Old lease" not in top  # an earlier request stays on the timeline only
    assert timeline.count("Your caseworker asked you to send these documents:") == 2
    assert "Old lease" in timeline and "Photos are fine." in timeline


def test_in_spanish_and_gone_once_the_case_moves_on(portal: Portal) -> None:
    case_id, tracking = opened_case(portal, "es")
    moved(portal, case_id, "open", "waiting_on_constituent", "2026-11-24T10:00:00+00:00")
    asked(portal, case_id, ["Contrato de alquiler"], "", "2026-11-24T10:00:00+00:00")

    words = look(portal, tracking)
    assert "Lo que necesitamos de usted" in words
    assert "Envíe copias, no originales" in words
    assert "La persona que lleva su caso le pidió que envíe estos documentos:" in words

    moved(portal, case_id, "waiting_on_constituent", "waiting_on_agency", "2026-11-26T10:00:00Z")
    words = look(portal, tracking)
    assert "Lo que necesitamos de usted" not in words
    assert "Contrato de alquiler" in words  # still on the timeline
