"""A constituent may ask to be contacted by text message, on the form and the JSON API: it
needs a phone number, and `intake.submission_received` then carries the number (as a text
message provider takes it) and the choice, for notify."""

from __future__ import annotations

import pytest

from services.contracts import SUBMISSION_RECEIVED
from services.intake.domain.constituents import e164_phone
from services.intake.tests.support import (
    OFFICE,
    Portal,
    control,
    controls_of,
    outbox_payloads,
    stored_nothing,
    text_of,
    valid_submission,
    with_release,
)

FORM = f"/o/{OFFICE}/"


def test_the_api_takes_text_messages_and_the_event_carries_the_number(portal: Portal) -> None:
    body = valid_submission()
    body["constituent"]["preferred_channel"] = "sms"

    response = portal.submit(body)

    assert response.status_code == 202, response.get_data(as_text=True)
    [event] = outbox_payloads(portal.engine, SUBMISSION_RECEIVED.event_type)
    assert event["preferred_channel"] == "sms"
    assert event["contact_phone"] == "+12025550134"
    assert event["contact_email"] == "Maria.Lopez@example.org"


def test_the_api_refuses_text_messages_without_a_phone_number(portal: Portal) -> None:
    body = valid_submission()
    body["constituent"].update(preferred_channel="sms", phone=None)

    response = portal.submit(body)

    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields["constituent"]["preferred_channel"] == [
        "give a mobile phone number to get text messages"
    ]
    assert stored_nothing(portal.engine)


def test_a_constituent_without_a_phone_is_announced_without_one(portal: Portal) -> None:
    body = valid_submission()
    body["constituent"]["phone"] = None

    assert portal.submit(body).status_code == 202

    [event] = outbox_payloads(portal.engine, SUBMISSION_RECEIVED.event_type)
    assert event["contact_phone"] is None and event["preferred_channel"] is None


@pytest.mark.parametrize(("lang", "label"), [("en", "Text message"), ("es", "Mensaje de texto")])
def test_the_form_offers_text_messages_in_both_languages(
    portal: Portal, lang: str, label: str
) -> None:
    response = portal.client.get(f"{FORM}?lang={lang}")

    options = response.get_data(as_text=True)
    assert f'<option value="sms">{label}</option>' in options


def test_choosing_text_messages_on_the_form_sends_the_number_on(portal: Portal) -> None:
    page = portal.client.get(FORM).get_data(as_text=True)

    response = portal.client.post(FORM, data=with_release(page, preferred_channel="sms"))

    assert response.status_code == 303
    [event] = outbox_payloads(portal.engine, SUBMISSION_RECEIVED.event_type)
    assert (event["preferred_channel"], event["contact_phone"]) == ("sms", "+12025550134")


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Give a mobile phone number to get text messages."),
        ("es", "Indique un número de teléfono móvil para recibir mensajes de texto."),
    ],
)
def test_text_messages_without_a_phone_are_marked_on_the_form_in_its_language(
    portal: Portal, lang: str, message: str
) -> None:
    page = portal.client.get(f"{FORM}?lang={lang}").get_data(as_text=True)

    response = portal.client.post(
        f"{FORM}?lang={lang}", data=with_release(page, preferred_channel="sms", phone="")
    )

    assert response.status_code == 422
    parsed = controls_of(response)
    assert parsed.summary_links == ["#preferred_channel"]
    assert control(parsed, "preferred_channel").get("aria-invalid") == "true"
    assert message in text_of(response)
    assert stored_nothing(portal.engine)


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("(202) 555-0134", "+12025550134"),
        ("+1 202 555 0134", "+12025550134"),
        ("+44 20 7946 0958", "+442079460958"),
        ("555-0134", None),
        ("", None),
    ],
)
def test_a_phone_is_written_as_a_text_message_provider_takes_it(
    typed: str, number: str | None
) -> None:
    assert e164_phone(typed) == number
