"""The request form on intake-web, on both databases: it renders in English and Spanish with
every field labelled, a valid form is stored once and confirmed (Post/Redirect/Get), an
invalid one comes back with its errors tied to their fields, and what is refused (a bot, a
too-quick post, bad files, too much) leaves nothing behind."""

from __future__ import annotations

import hashlib
import hmac
import io
from typing import Any

import pytest

from services.contracts import SUBMISSION_RECEIVED
from services.intake import signing
from services.intake.portal import guards
from services.intake.tests.support import (
    OFFICE,
    Portal,
    control,
    controls_of,
    count,
    filled_form,
    hidden_value,
    make_portal,
    outbox_payloads,
    rows,
    stored_nothing,
    text_of,
    with_release,
)

FORM = f"/o/{OFFICE}/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def form_page(portal: Portal, lang: str | None = None) -> str:
    response = portal.client.get(FORM + (f"?lang={lang}" if lang else ""))
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "heading", "button"),
    [
        ("en", "Ask for help with a federal agency", "Send my request"),
        ("es", "Pida ayuda con una agencia federal", "Enviar mi solicitud"),
    ],
)
def test_the_form_renders_in_both_languages_with_every_field_labelled(
    portal: Portal, lang: str, heading: str, button: str
) -> None:
    response = portal.client.get(f"{FORM}?lang={lang}")

    assert response.status_code == 200
    parsed = controls_of(response)
    assert parsed.html_lang == lang
    page = text_of(response)
    assert heading in page and button in page
    named = {str(item.get("name")) for item in parsed.controls}
    assert {"first_name", "email", "category", "description", "attachments"} <= named
    assert {"release_agencies", "ssn", "a_number", "signature_name", "release_consent"} <= named
    for item in parsed.controls:
        assert item.get("id") in parsed.label_for, f"{item.get('name')} has no <label for>"
    honeypot = control(parsed, "website")
    assert honeypot.get("tabindex") == "-1"
    assert '<div class="hp" aria-hidden="true">' in response.get_data(as_text=True)
    for identifier in ("ssn", "ssn_last4", "a_number", "date_of_birth"):
        assert control(parsed, identifier).get("autocomplete") == "off"
    assert control(parsed, "ssn").get("inputmode") == "numeric"
    assert control(parsed, "preferred_language") is not None
    assert 'href="#main"' in response.get_data(as_text=True)  # the skip link


def test_the_spanish_page_has_no_english_left_in_it(portal: Portal) -> None:
    english = text_of(portal.client.get(FORM + "?lang=en"))
    spanish = text_of(portal.client.get(FORM + "?lang=es"))

    for phrase in ("About you", "How we can reach you", "Privacy release", "(optional)"):
        assert phrase in english
        assert phrase not in spanish
    assert "Sus datos" in spanish and "(opcional)" in spanish
    assert "Administración del Seguro Social" in spanish  # the agency catalogue in Spanish
    assert "¿Qué pasó?" in spanish


def test_the_language_is_remembered_and_otherwise_follows_the_browser(portal: Portal) -> None:
    browser = portal.client
    assert 'lang="es"' in browser.get(FORM, headers={"Accept-Language": "es-MX,es;q=0.9"}).text

    chosen = browser.get(FORM + "?lang=es")
    assert "casework_lang=es" in chosen.headers["Set-Cookie"]
    again = browser.get(FORM, headers={"Accept-Language": "en-US"})
    assert 'lang="es"' in again.text  # the choice beats the browser's preference
    assert 'href="/o/rep-lopez/?lang=en"' in again.text  # the switch offers English


def test_a_valid_form_stores_one_submission_and_redirects_to_its_confirmation(
    portal: Portal,
) -> None:
    page = form_page(portal)

    response = portal.client.post(FORM, data=filled_form(page))

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/o/{OFFICE}/submitted")
    # The receipt rides in a cookie scripts cannot read, sent only to this office's pages,
    # gone when the verified request would be (half an hour by default).
    [receipt] = response.headers.getlist("Set-Cookie")
    name, _, attributes = receipt.partition("; ")
    assert name.startswith("casework_receipt=")
    assert set(attributes.split("; ")) == {
        "Max-Age=1800",
        f"Path=/o/{OFFICE}/",
        "HttpOnly",
        "SameSite=Lax",
    }
    [submission] = rows(portal.engine, "submissions")
    assert submission.channel == "web" and submission.category == "social_security"
    assert submission.description == (
        "My retirement payments stopped in August and nobody calls back.\n\n"
        "Outcome wanted:\nI want my payments to start again."
    )
    [event] = outbox_payloads(portal.engine, SUBMISSION_RECEIVED.event_type)
    assert event["tracking_code"] == submission.tracking_code
    confirmation = portal.client.get(response.headers["Location"])
    assert confirmation.status_code == 200
    assert submission.tracking_code in text_of(confirmation)
    assert f"/o/{OFFICE}/status?tracking={submission.tracking_code}" in confirmation.text
    # Reloading the confirmation shows it again and sends nothing.
    assert submission.tracking_code in text_of(portal.client.get(response.headers["Location"]))
    assert count(portal.engine, "submissions") == 1


def test_behind_https_the_receipt_cookie_is_sent_over_https_only(portal: Portal) -> None:
    secure = make_portal(portal.engine, secure_cookies=True)
    try:
        page = form_page(secure)
        response = secure.client.post(FORM, data=filled_form(page))
    finally:
        secure.close()

    assert response.status_code == 303
    [receipt] = response.headers.getlist("Set-Cookie")
    assert "; Secure" in receipt and "; HttpOnly" in receipt


def test_the_confirmation_without_a_submission_sends_you_to_the_form(portal: Portal) -> None:
    response = portal.client.get(f"/o/{OFFICE}/submitted")

    assert response.status_code == 303
    assert response.headers["Location"].endswith(FORM)


def test_a_double_click_stores_one_request(portal: Portal) -> None:
    data = filled_form(form_page(portal))

    first = portal.client.post(FORM, data=data)
    second = portal.client.post(FORM, data=data)

    assert first.status_code == second.status_code == 303
    assert count(portal.engine, "submissions") == 1


def test_the_spanish_form_makes_spanish_the_constituents_language(portal: Portal) -> None:
    page = form_page(portal, "es")
    data = filled_form(page, preferred_language=None)

    response = portal.client.post(FORM, data=data)

    assert response.status_code == 303
    [constituent] = rows(portal.engine, "constituents")
    assert constituent.preferred_language == "es"


def test_a_release_signed_on_the_form_is_stored_with_its_identifiers_encrypted(
    portal: Portal,
) -> None:
    page = form_page(portal, "es")

    response = portal.client.post(FORM, data=with_release(page))

    assert response.status_code == 303, text_of(response)
    [release] = rows(portal.engine, "privacy_releases")
    assert release.agencies == ["SSA"]
    assert release.language == "es"
    assert release.signer_ip == "127.0.0.1"
    assert sorted(release.identifier_kinds) == ["date_of_birth", "ssn_last4"]
    assert b"4815" not in release.identifiers and b"1950" not in release.identifiers
    # The evidence is the text as signed: the office's, in Spanish, filled in for her.
    signed = signing.release_text(
        portal.app.extensions["intake_db"],
        OFFICE,
        "es",
        constituent_name="Maria Lopez",
        agencies=["SSA"],
    )
    assert release.text_sha256 == signed.sha256
    assert "Administración del Seguro Social" in signed.text
    for row in rows(portal.engine, "outbox"):
        assert "4815" not in row.payload and "1950-04-23" not in row.payload


def test_an_error_comes_back_summarised_tied_to_its_field_and_keeps_what_was_typed(
    portal: Portal,
) -> None:
    page = form_page(portal)
    data = with_release(page, first_name="", email="not-an-email", ssn="212-55-4321")

    response = portal.client.post(FORM, data=data)

    assert response.status_code == 422
    parsed = controls_of(response)
    assert parsed.summary_links[:2] == ["#first_name", "#email"]
    first_name = control(parsed, "first_name")
    assert first_name.get("aria-invalid") == "true"
    assert "first_name-error-1" in str(first_name.get("aria-describedby"))
    assert "first_name-error-1" in parsed.ids
    page_text = text_of(response)
    assert "Enter your first name." in page_text
    assert "Enter an email address like name@example.com." in page_text
    assert control(parsed, "last_name").get("value") == "Lopez"  # kept
    assert "212-55-4321" not in response.text and "4815" not in response.text  # never echoed
    assert "1950-04-23" not in response.text
    assert control(parsed, "ssn").get("value") is None
    assert stored_nothing(portal.engine)


def test_errors_are_worded_in_spanish_on_the_spanish_page(portal: Portal) -> None:
    page = form_page(portal, "es")
    data = filled_form(page, first_name="", subject="", category="")

    response = portal.client.post(FORM, data=data)

    assert response.status_code == 422
    page_text = text_of(response)
    assert "Hay un problema" in page_text
    assert "Escriba su nombre." in page_text
    assert "Elija sobre qué es su solicitud." in page_text
    assert "Missing data" not in page_text and "required" not in page_text


def test_a_signature_that_is_not_the_name_given_is_marked_on_the_signature(
    portal: Portal,
) -> None:
    page = form_page(portal)

    response = portal.client.post(FORM, data=with_release(page, signature_name="Someone Else"))

    assert response.status_code == 422
    parsed = controls_of(response)
    assert "#signature_name" in parsed.summary_links
    assert control(parsed, "signature_name").get("aria-invalid") == "true"
    # Shown again with the name and agency known, the exact text goes back with its hash.
    assert 'name="release_text_sha256"' in response.text
    assert "Maria Lopez" in text_of(response)
    assert stored_nothing(portal.engine)


def test_a_release_without_consent_or_agencies_names_both(portal: Portal) -> None:
    page = form_page(portal)
    data = with_release(page, release_consent=None, release_agencies=None)

    response = portal.client.post(FORM, data=data)

    assert response.status_code == 422
    links = controls_of(response).summary_links
    assert "#release_agencies" in links and "#release_consent" in links
    assert stored_nothing(portal.engine)


def test_a_filled_honeypot_gets_a_neutral_answer_and_nothing_is_stored(portal: Portal) -> None:
    page = form_page(portal)

    response = portal.client.post(FORM, data=filled_form(page, website="http://spam.example"))

    assert response.status_code == 200
    assert "Please check your answers" in text_of(response)
    assert stored_nothing(portal.engine)


def test_a_form_sent_without_its_token_or_with_a_forged_one_stores_nothing(
    portal: Portal,
) -> None:
    page = form_page(portal)

    missing = portal.client.post(FORM, data=filled_form(page, form_token=None))
    forged = portal.client.post(FORM, data=filled_form(page, form_token="eyJvIjoicmVwIn0.abc"))

    assert missing.status_code == forged.status_code == 200
    assert stored_nothing(portal.engine)


def test_a_form_sent_faster_than_a_person_could_stores_nothing_and_a_person_later_is_heard(
    intake_database: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = make_portal(intake_database["engine"], min_fill_seconds=3)
    try:
        data = filled_form(form_page(portal))

        too_fast = portal.client.post(FORM, data=data)

        assert too_fast.status_code == 200
        assert "Please check your answers" in text_of(too_fast)
        assert stored_nothing(portal.engine)

        # Five seconds later, the form they were shown again goes through.
        again = filled_form(too_fast.get_data(as_text=True))
        later = guards.time.time() + 5
        monkeypatch.setattr(guards.time, "time", lambda: later)
        accepted = portal.client.post(FORM, data=again)

        assert accepted.status_code == 303
        assert count(portal.engine, "submissions") == 1
    finally:
        portal.close()


def test_a_png_and_a_pdf_are_stored_with_their_hashes_and_listed_in_the_event(
    portal: Portal,
) -> None:
    data = filled_form(form_page(portal))
    data["attachments"] = [
        (io.BytesIO(PNG), "photo of letter.png"),
        (io.BytesIO(PDF), "denial.pdf"),
    ]

    response = portal.client.post(FORM, data=data, content_type="multipart/form-data")

    assert response.status_code == 303, text_of(response)
    stored = {row.filename: row for row in rows(portal.engine, "attachments")}
    assert set(stored) == {"photo of letter.png", "denial.pdf"}
    assert stored["denial.pdf"].content_type == "application/pdf"
    assert stored["denial.pdf"].sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored["photo of letter.png"].content == PNG
    [event] = outbox_payloads(portal.engine, SUBMISSION_RECEIVED.event_type)
    assert sorted(item["sha256"] for item in event["attachments"]) == sorted(
        hashlib.sha256(content).hexdigest() for content in (PNG, PDF)
    )
    assert "2 documents" in text_of(portal.client.get(response.headers["Location"]))


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused_naming_the_field(portal: Portal) -> None:
    data = filled_form(form_page(portal))
    data["attachments"] = [
        (io.BytesIO(PDF), "fine.pdf"),
        (io.BytesIO(b"MZ\x90\x00 not a pdf at all"), "letter.pdf"),
    ]

    response = portal.client.post(FORM, data=data, content_type="multipart/form-data")

    assert response.status_code == 422
    parsed = controls_of(response)
    assert parsed.summary_links == ["#attachments"]
    assert control(parsed, "attachments").get("aria-invalid") == "true"
    assert "letter.pdf is not a PDF, JPEG or PNG file." in text_of(response)
    assert "please choose them again" in text_of(response)
    assert stored_nothing(portal.engine)


def test_six_files_are_refused_and_nothing_is_stored(portal: Portal) -> None:
    data = filled_form(form_page(portal, "es"))
    data["attachments"] = [(io.BytesIO(PDF), f"page-{number}.pdf") for number in range(6)]

    response = portal.client.post(FORM, data=data, content_type="multipart/form-data")

    assert response.status_code == 422
    assert "Envíe 5 archivos como máximo." in text_of(response)
    assert stored_nothing(portal.engine)


def test_a_body_over_the_size_limit_is_refused_with_a_page_and_nothing_is_stored(
    intake_database: dict[str, Any],
) -> None:
    portal = make_portal(intake_database["engine"], max_form_bytes=64 * 1024)
    try:
        data = filled_form(form_page(portal))
        data["attachments"] = [(io.BytesIO(PDF + b"0" * 100_000), "big.pdf")]

        response = portal.client.post(FORM, data=data, content_type="multipart/form-data")

        assert response.status_code == 413
        assert "The files are too large" in text_of(response)
        assert stored_nothing(portal.engine)
    finally:
        portal.close()


def test_an_unknown_office_has_no_form(portal: Portal) -> None:
    assert portal.client.get("/o/rep-nobody/").status_code == 404
    assert portal.client.get("/o/NOT%20AN%20OFFICE/").status_code == 404
    assert "Page not found" in text_of(portal.client.get("/o/rep-nobody/"))


def test_pages_are_not_cached_and_carry_the_security_headers(portal: Portal) -> None:
    response = portal.client.get(FORM)

    assert response.headers["Cache-Control"] == "no-store"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "<script" not in response.text and "style=" not in response.text
    assert portal.client.get("/static/portal.css").status_code == 200


def test_the_home_page_explains_how_to_reach_an_office(portal: Portal) -> None:
    response = portal.client.get("/")

    assert response.status_code == 200
    assert "/o/rep-lopez/" in text_of(response)


def test_each_visit_gets_its_own_form_token(portal: Portal) -> None:
    # The form page is cached per office and language; its token is not. (Its speed is
    # measured by bench/portal.py, not here.)
    tokens = {hidden_value(portal.client.get(FORM).text, "form_token") for _ in range(3)}
    assert len(tokens) == 3


def test_a_preferred_channel_without_its_contact_detail_is_marked_on_that_field(
    portal: Portal,
) -> None:
    page = form_page(portal)
    data = with_release(page, preferred_channel="phone", phone="")

    response = portal.client.post(FORM, data=data)

    assert response.status_code == 422
    parsed = controls_of(response)
    assert parsed.summary_links == ["#preferred_channel"]
    assert control(parsed, "preferred_channel").get("aria-invalid") == "true"
    assert stored_nothing(portal.engine)


def test_the_release_is_shown_filled_in_only_once_the_whole_name_is_known(
    portal: Portal,
) -> None:
    page = form_page(portal)

    half = portal.client.post(FORM, data=with_release(page, first_name="", description=""))
    whole = portal.client.post(FORM, data=with_release(page, description=""))

    assert "I, Lopez," not in text_of(half) and 'name="release_text_sha256"' not in half.text
    assert "I, ______________, ask" in text_of(half)
    assert "I, Maria Lopez, ask" in text_of(whole)
    assert 'name="release_text_sha256"' in whole.text


def test_a_database_restarting_gets_a_503_page_with_retry_after_not_a_500(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    def restarting(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("SELECT", {}, Exception("the database system is starting up"))

    monkeypatch.setattr(signing, "portal_office", restarting)

    response = portal.client.get(FORM)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Something went wrong" in text_of(response)


@pytest.mark.parametrize("length", [0, 16, 44, 64, 65, 200])
def test_the_portals_signatures_are_hmac_sha256_of_the_secret(length: int) -> None:
    key = bytes(range(256))[:length]
    message = b"casework-intake-web/form-rendered\x1frep-demo\x1fnonce\x1f1765000000000"

    assert guards._Keyed(key).digest(message) == hmac.digest(key, message, "sha256")


@pytest.mark.parametrize(
    "location", ["/o/rep-demo/submitted", "/portal é/o/rep-demo/submitted", "/a?b=c d"]
)
def test_the_confirmations_303_has_the_headers_werkzeug_would_give_it(location: str) -> None:
    from flask import Response

    from services.intake.portal.form_pages import SeeOther

    expected = Response(status=303, headers={"Location": location}).get_wsgi_headers({})
    given = SeeOther(location).get_wsgi_headers({})

    assert sorted(given.to_wsgi_list()) == sorted(expected.to_wsgi_list())


def test_the_confirmations_303_leaves_the_app_as_it_was_made(portal: Portal) -> None:
    """Flask re-classes a response that is not its own (`force_type`): the 303's header
    shortcut would then never run."""
    from services.intake.portal.form_pages import SeeOther

    made = SeeOther("/o/rep-demo/submitted")
    with portal.app.test_request_context():
        answered = portal.app.make_response(made)

    assert type(answered) is SeeOther
