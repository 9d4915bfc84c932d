"""Replies to the platform's texts, from the SMS provider's webhook on intake-web: the keywords
as Twilio reads them, the form's fields named when malformed, and the webhook on both
databases (as the service's own role, behind the tenant wall on PostgreSQL): signed as Twilio
signs or refused, a STOP or START kept once by its message id and announced in the platform's
tenant with the phone and nothing of the message, any other reply kept nowhere and counted."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client import REGISTRY
from werkzeug.test import TestResponse

from services.chassis.errors import ValidationFailed
from services.chassis.twilio_signature import SIGNATURE_HEADER, twilio_signature
from services.contracts.vocabulary import PLATFORM_TENANT
from services.intake.domain.text_replies import InboundText, ReplyKind, TextReply, reply_kind
from services.intake.tests.support import Portal, make_portal, outbox_payloads, rows

TOKEN = "test-auth-token"
ACCOUNT = "ACfake"
LOCAL_URL = "http://localhost/webhooks/sms"
MARIA = "+12025550134"
PLATFORM_NUMBER = "+15005550006"
OPT_OUT = "intake.text_opt_out_changed"
STOPPED_AT = datetime(2027, 1, 21, 9, 12, tzinfo=UTC)


# -- The keywords, as Twilio reads them ----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("STOP", ReplyKind.STOP),
        ("stop", ReplyKind.STOP),
        ("  Stop \n", ReplyKind.STOP),
        ("STOPALL", ReplyKind.STOP),
        ("unsubscribe", ReplyKind.STOP),
        ("Cancel", ReplyKind.STOP),
        ("END", ReplyKind.STOP),
        ("quit", ReplyKind.STOP),
        ("REVOKE", ReplyKind.STOP),
        ("optout", ReplyKind.STOP),
        ("START", ReplyKind.START),
        ("yes", ReplyKind.START),
        ("Unstop", ReplyKind.START),
        ("HELP", ReplyKind.HELP),
        ("info", ReplyKind.HELP),
        # The whole message only: a keyword inside a sentence is a sentence.
        ("please stop", ReplyKind.OTHER),
        ("STOP.", ReplyKind.OTHER),
        ("STOP ALL", ReplyKind.OTHER),
        # Twilio has no default Spanish keywords, so neither have we.
        ("PARAR", ReplyKind.OTHER),
        ("ALTO", ReplyKind.OTHER),
        ("", ReplyKind.OTHER),
        ("Thank you!", ReplyKind.OTHER),
    ],
)
def test_a_reply_is_a_keyword_only_as_the_whole_message(body: str, kind: ReplyKind) -> None:
    assert reply_kind(body) is kind


def form(body: str = "STOP", **overrides: str) -> dict[str, str]:
    """What Twilio posts for an inbound text (a few of its fields beyond the five we read)."""
    return {
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "AccountSid": ACCOUNT,
        "From": MARIA,
        "To": PLATFORM_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
        **overrides,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("From", "2025550134"),
        ("From", "whatsapp:+12025550134"),
        ("To", "not a number"),
        ("MessageSid", "SM123"),
        ("AccountSid", "nobody"),
        ("Body", "x" * 1601),
    ],
)
def test_a_malformed_field_is_named(field: str, value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        InboundText.from_form(form(**{field: value}))
    assert list(refused.value.fields) == [field]


def test_a_missing_field_is_named() -> None:
    given = form()
    del given["From"], given["Body"]
    with pytest.raises(ValidationFailed) as refused:
        InboundText.from_form(given)
    assert refused.value.fields == {"From": ["missing"], "Body": ["missing"]}


def test_only_a_stop_or_start_is_kept_and_it_carries_the_phone_alone() -> None:
    stop = InboundText.from_form(form("stop"))
    assert MARIA not in repr(stop)  # nor in a log line that prints it
    with pytest.raises(ValueError, match="changes nothing"):
        TextReply.take(InboundText.from_form(form("HELP")), at=STOPPED_AT)

    [event] = TextReply.take(stop, at=STOPPED_AT).pull_events()

    assert event.contract.event_type == OPT_OUT
    assert event.contract.dump(event.payload) == {
        "phone_number": MARIA,
        "opted_out": True,
        "replied_at": "2027-01-21T09:12:00+00:00",
    }


# -- The webhook on intake-web -------------------------------------------------------------------


@pytest.fixture
def webhook(intake_database: dict[str, Any]) -> Iterator[Portal]:
    made = make_portal(
        intake_database["engine"], sms_webhook_token=TOKEN, sms_webhook_account=ACCOUNT
    )
    yield made
    made.close()


def post(
    portal: Portal,
    fields: dict[str, str],
    *,
    signed_for: str = LOCAL_URL,
    token: str = TOKEN,
    signature: str | None = None,
    **headers: str,
) -> TestResponse:
    if signature is None:
        signature = twilio_signature(signed_for, fields.items(), token)
    return portal.client.post(
        "/webhooks/sms", data=fields, headers={SIGNATURE_HEADER: signature, **headers}
    )


def error_of(answer: TestResponse) -> Any:
    body = answer.get_json()
    assert isinstance(body, dict), answer.get_data(as_text=True)
    return body["error"]


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(f"casework_intake_web_{name}", labels) or 0.0


def test_a_signed_stop_is_kept_once_and_announced_in_the_platforms_tenant(
    webhook: Portal,
) -> None:
    stop = form(" Stop ")
    before = counted("text_replies_total", kind="stop")

    answer = post(webhook, stop)

    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    assert answer.get_data(as_text=True).endswith("<Response/>")
    [kept] = rows(webhook.engine, "text_replies")
    assert (kept.office_id, kept.message_sid, kept.kind) == (
        PLATFORM_TENANT,
        stop["MessageSid"],
        "stop",
    )
    [event] = [row for row in rows(webhook.engine, "outbox") if row.event_type == OPT_OUT]
    assert event.office_id == PLATFORM_TENANT
    [payload] = outbox_payloads(webhook.engine, OPT_OUT)
    assert (payload["phone_number"], payload["opted_out"]) == (MARIA, True)
    assert "Stop" not in event.payload and PLATFORM_NUMBER not in event.payload
    assert counted("text_replies_total", kind="stop") == before + 1


def test_the_same_reply_again_changes_nothing(webhook: Portal) -> None:
    start = form("START")
    before = counted("text_replies_total", kind="replayed")

    first, again = post(webhook, start), post(webhook, start)

    assert first.status_code == again.status_code == 200
    assert len(rows(webhook.engine, "text_replies")) == 1
    [payload] = outbox_payloads(webhook.engine, OPT_OUT)
    assert payload["opted_out"] is False
    assert counted("text_replies_total", kind="replayed") == before + 1


@pytest.mark.parametrize(("body", "kind"), [("HELP", "help"), ("When is my hearing?", "other")])
def test_help_or_any_other_text_is_kept_nowhere_and_counted(
    webhook: Portal, body: str, kind: str
) -> None:
    before = counted("text_replies_total", kind=kind)

    answer = post(webhook, form(body))

    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    assert rows(webhook.engine, "text_replies") == [] and rows(webhook.engine, "outbox") == []
    assert counted("text_replies_total", kind=kind) == before + 1


def test_a_missing_signature_is_refused(webhook: Portal) -> None:
    before = counted("sms_webhook_signature_failures_total", reason="missing")

    answer = webhook.client.post("/webhooks/sms", data=form())

    assert answer.status_code == 403 and error_of(answer)["code"] == "forbidden"
    assert counted("sms_webhook_signature_failures_total", reason="missing") == before + 1
    assert rows(webhook.engine, "outbox") == []


@pytest.mark.parametrize(
    "forged",
    [
        {"token": "another-token"},  # wrong: not the provider's token
        {"signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="},  # wrong: another request's
        {"signed_for": "http://localhost/webhooks/other"},  # signed for another URL
    ],
)
def test_a_wrong_signature_is_refused(webhook: Portal, forged: dict[str, str]) -> None:
    before = counted("sms_webhook_signature_failures_total", reason="wrong")

    answer = post(webhook, form(), **forged)

    assert answer.status_code == 403
    assert counted("sms_webhook_signature_failures_total", reason="wrong") == before + 1
    assert rows(webhook.engine, "outbox") == []


def test_a_tampered_parameter_is_refused(webhook: Portal) -> None:
    original = form("START")
    signature = twilio_signature(LOCAL_URL, original.items(), TOKEN)

    answer = post(webhook, {**original, "Body": "STOP"}, signature=signature)

    assert answer.status_code == 403
    assert rows(webhook.engine, "text_replies") == []


def test_a_signed_but_malformed_reply_is_refused_naming_the_field(webhook: Portal) -> None:
    fields = form()
    del fields["From"]

    answer = post(webhook, fields)

    assert answer.status_code == 400
    assert error_of(answer)["fields"] == {"From": ["missing"]}
    assert rows(webhook.engine, "outbox") == []


def test_a_body_that_is_not_a_form_is_refused_naming_its_type(webhook: Portal) -> None:
    answer = webhook.client.post(
        "/webhooks/sms", json=form(), headers={SIGNATURE_HEADER: "anything"}
    )

    assert answer.status_code == 400 and "Content-Type" in error_of(answer)["fields"]


def test_a_reply_for_another_account_is_refused(webhook: Portal) -> None:
    answer = post(webhook, form(AccountSid="ACsomeoneelse"))

    assert answer.status_code == 403
    assert rows(webhook.engine, "outbox") == []


def test_behind_a_proxy_the_public_url_is_what_is_signed(intake_database: dict[str, Any]) -> None:
    public = "https://portal.example.gov/webhooks/sms"
    proxied = make_portal(
        intake_database["engine"], sms_webhook_token=TOKEN, sms_webhook_url=public
    )
    try:
        as_seen_here = post(proxied, form(), signed_for=LOCAL_URL)
        as_the_provider_signs = post(proxied, form(), signed_for=public)
    finally:
        proxied.close()

    assert as_seen_here.status_code == 403
    assert as_the_provider_signs.status_code == 200


def test_without_a_token_there_is_no_webhook(intake_database: dict[str, Any]) -> None:
    off = make_portal(intake_database["engine"], sms_webhook_token="")
    try:
        answer = post(off, form(), token="")
    finally:
        off.close()

    assert answer.status_code == 404 and error_of(answer)["code"] == "not_found"
