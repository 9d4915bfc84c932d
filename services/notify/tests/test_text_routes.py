"""Which channel a message about a constituent's requests takes (the domain's `route`), and
the texts notify writes: short, in their language, with the tracking code, the status page's
link and how to stop texts."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from services.contracts import SUBMISSION_RECEIVED
from services.notify.domain.acknowledgements import (
    ASKED_FOR_NO_EMAIL,
    NO_EMAIL_ADDRESS,
    NO_TEXTS_NO_EMAIL,
    REPLIED_STOP,
    OfficeSender,
    OpenedCase,
    Recipient,
    Route,
    route,
)
from services.notify.domain.delivery import (
    ACKNOWLEDGEMENT,
    CASE_UPDATE,
    CLOSURE,
    DOCUMENTS_REQUEST,
    STATUS_UPDATE,
)
from services.notify.domain.preferences import ContactPreference
from services.notify.domain.wording import TEXT_LENGTH
from services.notify.texts import compose_text

AT = datetime(2026, 12, 2, 15, tzinfo=UTC)
SUBMISSION = SUBMISSION_RECEIVED.load_typed(SUBMISSION_RECEIVED.example)
EMAILED = Recipient.from_submission(SUBMISSION)
TEXTED = dataclasses.replace(EMAILED, preferred_channel="sms", contact_phone="+12025550134")
CASE = OpenedCase("case-1", SUBMISSION.submission_id, "CW-2026-000042", "K7QX-M2PD", AT)
PORTAL = "https://casework-portal.house.example.gov"


def test_a_constituent_who_chose_texts_is_texted_while_texts_are_on() -> None:
    assert route(TEXTED, texts_on=True) == Route("sms")
    # Their email wishes do not reach their texts.
    assert route(TEXTED, texts_on=True, email_opted_out=True) == Route("sms")


def test_everyone_else_is_emailed_as_before() -> None:
    assert route(EMAILED, texts_on=True) == Route("email")
    assert route(EMAILED, texts_on=True, email_opted_out=True) == Route("email", ASKED_FOR_NO_EMAIL)
    without_email = dataclasses.replace(EMAILED, contact_email=None)
    assert route(without_email, texts_on=True) == Route("email", NO_EMAIL_ADDRESS)
    # Chose texts but gave no phone (an old record): email.
    no_phone = dataclasses.replace(TEXTED, contact_phone=None)
    assert route(no_phone, texts_on=True) == Route("email")


def test_without_an_sms_provider_texts_fall_back_to_email_or_are_skipped_saying_why() -> None:
    assert route(TEXTED, texts_on=False) == Route("email")
    assert route(TEXTED, texts_on=False, email_opted_out=True) == Route("email", ASKED_FOR_NO_EMAIL)
    phone_only = dataclasses.replace(TEXTED, contact_email=None)
    assert route(phone_only, texts_on=False) == Route("sms", NO_TEXTS_NO_EMAIL)


def test_a_constituent_who_replied_stop_is_sent_nothing_not_even_email() -> None:
    assert route(TEXTED, texts_on=True, texts_stopped=True) == Route("sms", REPLIED_STOP)
    assert route(TEXTED, texts_on=False, texts_stopped=True) == Route("sms", REPLIED_STOP)


def test_a_stop_covers_requests_made_until_then_not_a_later_one_asking_for_texts() -> None:
    preference = ContactPreference("c-1", "token", texts_stopped_at=AT)

    assert preference.texts_stopped_for(AT.replace(hour=9))
    assert preference.texts_stopped_for(AT)
    assert not preference.texts_stopped_for(AT.replace(day=3))
    assert not ContactPreference("c-1", "token").texts_stopped_for(AT)


def test_the_phone_never_reaches_a_log_line() -> None:
    assert "+12025550134" not in repr(TEXTED)
    assert "+12025550134" not in repr(SUBMISSION)
    text = compose_text(
        ACKNOWLEDGEMENT,
        recipient=TEXTED,
        case=CASE,
        office_id="rep-lopez",
        office=None,
        portal=PORTAL,
    )
    assert "+12025550134" not in repr(text) and "K7QX" not in repr(text)


@pytest.mark.parametrize(
    ("language", "stop", "acknowledged"),
    [
        ("en", "Reply STOP to opt out", "we received your request"),
        ("es", "Responda STOP para no recibir más", "hemos recibido su solicitud"),
    ],
)
def test_the_acknowledgement_text_has_the_code_the_link_and_how_to_stop(
    language: str, stop: str, acknowledged: str
) -> None:
    recipient = dataclasses.replace(TEXTED, preferred_language=language)

    text = compose_text(
        ACKNOWLEDGEMENT,
        recipient=recipient,
        case=CASE,
        office_id="rep-lopez",
        office=OfficeSender("Office of Rep. Ana Lopez", "casework@lopez.example.gov"),
        portal=PORTAL,
    )

    assert text.to_number == "+12025550134"
    assert text.body.startswith(f"Office of Rep. Ana Lopez: {acknowledged}")
    assert "K7QX-M2PD" in text.body
    assert f"{PORTAL}/o/rep-lopez/status?tracking=K7QX-M2PD" in text.body
    assert text.body.endswith(f"\n{stop}")


LONGEST_OFFICE = "rep-" + "x" * 60
CONTENTS = [
    (ACKNOWLEDGEMENT, {}),
    (CASE_UPDATE, {"note": "A private detail of the case that a lock screen must not show."}),
    (STATUS_UPDATE, {"status": "waiting_on_constituent"}),
    (STATUS_UPDATE, {"status": "waiting_on_agency"}),
    (DOCUMENTS_REQUEST, {"note": "The lock screen must not show this.", "documents": "DD-214"}),
    *[
        (CLOSURE, {"result": result, "survey_token": "secret"})
        for result in (
            "favourable",
            "partly_favourable",
            "unfavourable",
            "referred_elsewhere",
            "withdrawn",
            "no_action_possible",
        )
    ],
]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("kind", "content"), CONTENTS)
def test_every_text_fits_in_320_characters_with_a_long_office_name_and_address(
    language: str, kind: str, content: dict[str, str]
) -> None:
    office = OfficeSender("The Office of the Honourable Representative " * 4, "x@example.gov")

    text = compose_text(
        kind,
        recipient=dataclasses.replace(TEXTED, preferred_language=language),
        case=CASE,
        office_id=LONGEST_OFFICE,
        office=office,
        portal=PORTAL,
        content=content,
    )

    assert len(text.body) <= TEXT_LENGTH, text.body
    assert "K7QX-M2PD" in text.body and f"/o/{LONGEST_OFFICE}/status" in text.body
    assert "STOP" in text.body.splitlines()[-1]
    # Neither a note's text, the documents asked for nor the survey's secret goes by text.
    assert "lock screen" not in text.body and "secret" not in text.body
    assert "DD-214" not in text.body


def test_a_text_says_what_changed() -> None:
    def body(kind: str, **content: str) -> str:
        return compose_text(
            kind,
            recipient=TEXTED,
            case=CASE,
            office_id="rep-lopez",
            office=None,
            portal=PORTAL,
            content=content,
        ).body

    assert "we need something from you" in body(STATUS_UPDATE, status="waiting_on_constituent")
    assert "contacted the agency" in body(STATUS_UPDATE, status="waiting_on_agency")
    assert "resolved in your favour" in body(CLOSURE, result="favourable")
    assert "need some documents from you" in body(DOCUMENTS_REQUEST, documents="DD-214")
    assert body(CASE_UPDATE).startswith("Constituent Services: there is news")
