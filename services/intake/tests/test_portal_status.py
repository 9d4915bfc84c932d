"""The status page on intake-web, on both databases: a tracking code and a one-time code (or,
without email, last name and ZIP) open a request; it shows where the request stands in
plain words and its public timeline, in the constituent's language; releases can be signed
later, downloaded and revoked there."""

from __future__ import annotations

import copy
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from services.chassis.consuming import consume
from services.chassis.fakes import incoming
from services.contracts import (
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    PUBLIC_NOTE_ADDED,
    STATUS_CODE_REQUESTED,
)
from services.intake import status_page
from services.intake.tests.support import (
    OFFICE,
    Portal,
    control,
    controls_of,
    hidden_value,
    outbox_payloads,
    rows,
    text_of,
    valid_submission,
)

STATUS = f"/o/{OFFICE}/status"
RELEASE = f"/o/{OFFICE}/release"


def sent(portal: Portal, body: dict[str, Any]) -> dict[str, Any]:
    response = portal.submit(body)
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()  # type: ignore[no-any-return]


def without_email(language: str = "en") -> dict[str, Any]:
    body = copy.deepcopy(valid_submission())
    del body["constituent"]["email"]
    body["constituent"]["preferred_language"] = language
    del body["privacy_release"]
    return body


def mailed_code(portal: Portal) -> str:
    return str(outbox_payloads(portal.engine, STATUS_CODE_REQUESTED.event_type)[-1]["code"])


def open_with_code(portal: Portal, tracking: str) -> None:
    asked = portal.client.post(STATUS, data={"action": "send_code", "tracking_code": tracking})
    assert asked.status_code == 200
    opened = portal.client.post(
        STATUS,
        data={"action": "verify_code", "tracking_code": tracking, "code": mailed_code(portal)},
    )
    assert opened.status_code == 303


def project(portal: Portal, contract: Any, payload: dict[str, Any], handler: Any) -> None:
    db = portal.app.extensions["intake_db"]
    consume(db, incoming(contract, payload, office_id=OFFICE), handler)


def test_the_tracking_code_is_prefilled_from_the_link_in_the_confirmation(
    portal: Portal,
) -> None:
    response = portal.client.get(f"{STATUS}?tracking=K7QX-M2PD&lang=es")

    assert response.status_code == 200
    assert control(controls_of(response), "tracking_code").get("value") == "K7QX-M2PD"
    assert "Consulte el estado de su solicitud" in text_of(response)


def test_a_mailed_code_opens_the_request_and_shows_where_it_stands(portal: Portal) -> None:
    receipt = sent(portal, valid_submission())

    asked = portal.client.post(
        STATUS, data={"action": "send_code", "tracking_code": receipt["tracking_code"].lower()}
    )

    assert asked.status_code == 200
    assert control(controls_of(asked), "code").get("autocomplete") == "one-time-code"
    [event] = outbox_payloads(portal.engine, STATUS_CODE_REQUESTED.event_type)
    assert event["contact_email"] == "Maria.Lopez@example.org"
    assert re.fullmatch(r"[0-9]{6}", event["code"])
    assert event["code"] not in asked.get_data(as_text=True)

    opened = portal.client.post(
        STATUS,
        data={
            "action": "verify_code",
            "tracking_code": receipt["tracking_code"],
            "code": event["code"],
        },
    )
    assert opened.status_code == 303 and opened.headers["Location"].endswith(STATUS)

    page = portal.client.get(STATUS)
    assert page.status_code == 200
    words = text_of(page)
    assert receipt["tracking_code"] in words
    assert "We have your request" in words
    assert "Retirement benefit delayed since August" in words
    assert "We received your request." in words
    assert "Social Security Administration" in words  # the release signed with the request


def test_the_same_neutral_page_answers_for_an_unknown_tracking_code(portal: Portal) -> None:
    receipt = sent(portal, valid_submission())

    known = portal.client.post(
        STATUS, data={"action": "send_code", "tracking_code": receipt["tracking_code"]}
    )
    unknown = portal.client.post(STATUS, data={"action": "send_code", "tracking_code": "WXYZ-2345"})

    assert known.status_code == unknown.status_code == 200
    assert text_of(known).replace(receipt["tracking_code"], "CODE") == text_of(unknown).replace(
        "WXYZ-2345", "CODE"
    )


def test_a_wrong_code_is_refused_and_says_so_in_spanish(portal: Portal) -> None:
    receipt = sent(portal, valid_submission())
    portal.client.post(
        STATUS, data={"action": "send_code", "tracking_code": receipt["tracking_code"]}
    )
    wrong = "000000" if mailed_code(portal) != "000000" else "111111"

    response = portal.client.post(
        f"{STATUS}?lang=es",
        data={"action": "verify_code", "tracking_code": receipt["tracking_code"], "code": wrong},
    )

    assert response.status_code == 422
    assert "#code" in controls_of(response).summary_links
    assert "El código no es correcto o ya venció." in text_of(response)
    assert "Your request" not in text_of(portal.client.get(STATUS))  # still closed


def test_a_malformed_tracking_code_is_named_as_such(portal: Portal) -> None:
    response = portal.client.post(STATUS, data={"action": "send_code", "tracking_code": "hello"})

    assert response.status_code == 422
    assert "#tracking_code" in controls_of(response).summary_links


def test_without_email_last_name_and_zip_open_the_request_in_its_language(
    portal: Portal,
) -> None:
    receipt = sent(portal, without_email("es"))
    tracking = receipt["tracking_code"]

    wrong = portal.client.post(
        STATUS,
        data={
            "action": "name_and_zip",
            "tracking_code": tracking,
            "last_name": "Lopez",
            "postal_code": "99999",
        },
    )
    right = portal.client.post(
        STATUS,
        data={
            "action": "name_and_zip",
            "tracking_code": tracking,
            "last_name": "lópez",
            "postal_code": "62701",
        },
    )

    assert wrong.status_code == 422
    assert "The last name or ZIP code does not match this request." in text_of(wrong)
    assert right.status_code == 303
    page = portal.client.get(STATUS)
    assert 'lang="es"' in page.text  # her language, as no other was chosen here
    assert "Recibimos su solicitud" in text_of(page)


def test_the_timeline_shows_the_projected_case_in_plain_words_with_spanish_dates(
    portal: Portal,
) -> None:
    receipt = sent(portal, without_email("es"))
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
            "category": "social_security",
            "agency_hint": "SSA",
            "urgent": False,
            "opened_at": "2026-11-23T14:05:01+00:00",
        },
        status_page.project_case_opened,
    )
    project(
        portal,
        CASE_STATUS_CHANGED,
        {
            "case_id": case_id,
            "reference": "CW-2026-000042",
            "from_status": "open",
            "to_status": "waiting_on_agency",
            "reason": "Inquiry sent to SSA congressional liaison",
            "changed_by": "u-3",
            "changed_at": "2026-11-24T10:12:00+00:00",
        },
        status_page.project_status_changed,
    )
    project(
        portal,
        PUBLIC_NOTE_ADDED,
        {
            "case_id": case_id,
            "reference": "CW-2026-000042",
            "note_id": str(uuid.uuid4()),
            "text": "Hemos escrito a la Administración del Seguro Social.",
            "added_at": "2026-11-25T10:00:00+00:00",
        },
        status_page.project_public_note,
    )
    portal.client.post(
        STATUS,
        data={
            "action": "name_and_zip",
            "tracking_code": receipt["tracking_code"],
            "last_name": "Lopez",
            "postal_code": "62701",
        },
    )

    words = text_of(portal.client.get(STATUS))

    assert "En espera de la agencia" in words
    assert "Nos comunicamos con la agencia" in words
    assert "CW-2026-000042" in words
    assert "Hemos escrito a la Administración del Seguro Social." in words
    assert "24 de noviembre de 2026" in words
    assert "Inquiry sent to SSA" not in words  # the staff's reason is not public


def test_a_release_signed_later_shows_downloads_and_can_be_revoked(portal: Portal) -> None:
    receipt = sent(portal, without_email())
    open_with_name = {
        "action": "name_and_zip",
        "tracking_code": receipt["tracking_code"],
        "last_name": "Lopez",
        "postal_code": "62701",
    }
    assert portal.client.post(STATUS, data=open_with_name).status_code == 303
    form = portal.client.get(RELEASE)
    assert form.status_code == 200
    page = form.get_data(as_text=True)

    signed = portal.client.post(
        RELEASE,
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "release_text_version": hidden_value(page, "release_text_version"),
            "release_agencies": ["SSA", "IRS"],
            "signature_name": "Maria Lopez",
            "release_consent": "yes",
            "ssn": "212-55-4321",
            "date_of_birth": "04/23/1950",
        },
    )

    assert signed.status_code == 303, text_of(signed)
    [release] = rows(portal.engine, "privacy_releases")
    assert release.agencies == ["SSA", "IRS"]
    assert release.identifier_kinds == ["ssn", "date_of_birth"]
    assert b"4321" not in release.identifiers
    status_page = portal.client.get(STATUS)
    words = text_of(status_page)
    assert "Your privacy release is signed" in words
    assert "Internal Revenue Service" in words and "Valid" in words

    pdf = portal.client.get(f"{RELEASE}/{release.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]

    csrf = hidden_value(status_page.get_data(as_text=True), "csrf_token")
    asked = portal.client.post(f"{RELEASE}/{release.id}/revoke", data={"csrf_token": csrf})
    assert asked.status_code == 200
    assert "Revoke this privacy release?" in text_of(asked)
    assert rows(portal.engine, "privacy_releases")[0].revoked_at is None  # not yet

    revoked = portal.client.post(
        f"{RELEASE}/{release.id}/revoke", data={"csrf_token": csrf, "confirm": "yes"}
    )
    assert revoked.status_code == 303
    [after] = rows(portal.engine, "privacy_releases")
    assert after.revoked_at is not None and after.revoked_by == "constituent"
    assert "Revoked" in text_of(portal.client.get(STATUS))


def test_release_pages_need_a_verified_request_and_their_token(portal: Portal) -> None:
    receipt = sent(portal, valid_submission())
    [release] = rows(portal.engine, "privacy_releases")

    assert portal.client.get(RELEASE).status_code == 303
    assert portal.client.get(f"{RELEASE}/{release.id}.pdf").status_code == 303

    open_with_code(portal, receipt["tracking_code"])
    no_token = portal.client.post(f"{RELEASE}/{release.id}/revoke", data={"confirm": "yes"})

    assert no_token.status_code == 400
    assert rows(portal.engine, "privacy_releases")[0].revoked_at is None
    other = portal.client.get(f"{RELEASE}/{uuid.uuid4()}.pdf")
    assert other.status_code == 404


def test_another_requests_release_cannot_be_read_or_revoked(portal: Portal) -> None:
    mine = sent(portal, valid_submission())
    theirs_body = copy.deepcopy(valid_submission())
    theirs_body["constituent"].update(first_name="Ana", last_name="Ruiz", email="ana@example.org")
    theirs_body["privacy_release"]["signature_name"] = "Ana Ruiz"
    sent(portal, theirs_body)
    theirs = next(
        r for r in rows(portal.engine, "privacy_releases") if r.signature_name == "Ana Ruiz"
    )
    open_with_code(portal, mine["tracking_code"])
    csrf = hidden_value(portal.client.get(STATUS).get_data(as_text=True), "csrf_token")

    assert portal.client.get(f"{RELEASE}/{theirs.id}.pdf").status_code == 404
    revoked = portal.client.post(
        f"{RELEASE}/{theirs.id}/revoke", data={"csrf_token": csrf, "confirm": "yes"}
    )
    assert revoked.status_code == 404
    assert all(row.revoked_at is None for row in rows(portal.engine, "privacy_releases"))


def test_closing_the_request_on_this_device_forgets_it(portal: Portal) -> None:
    receipt = sent(portal, valid_submission())
    open_with_code(portal, receipt["tracking_code"])
    csrf = hidden_value(portal.client.get(STATUS).get_data(as_text=True), "csrf_token")

    closed = portal.client.post(STATUS, data={"action": "sign_out", "csrf_token": csrf})

    assert closed.status_code == 303
    page = portal.client.get(STATUS)
    assert "You have closed your request on this device." in text_of(page)
    assert receipt["tracking_code"] not in text_of(page)


def test_a_verified_request_is_forgotten_after_thirty_minutes(portal: Portal) -> None:
    receipt = sent(portal, valid_submission())
    open_with_code(portal, receipt["tracking_code"])
    with portal.client.session_transaction() as session:
        session["verified"] = {
            **session["verified"],
            "until": int(datetime.now(UTC).timestamp()) - 1,
        }

    page = portal.client.get(STATUS)

    assert receipt["tracking_code"] not in text_of(page)
    assert control(controls_of(page), "tracking_code") is not None
