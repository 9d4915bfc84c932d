"""Notify's real service texts a constituent who asked for text messages: events from
RabbitMQ, the message sweep's timer, the local fake SMS provider over HTTP and a real SMTP
server that must hear nothing, on both databases; and in the office's own text, once its admin
words one through the wording RPCs."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import select

from services.chassis.errors import ValidationFailed
from services.chassis.testing import wait_until
from services.contracts import CASE_OPENED, PUBLIC_NOTE_ADDED, SUBMISSION_RECEIVED
from services.notify.fake_sms import FakeSmsProvider
from services.notify.models import deliveries
from services.notify.tests.conftest import OFFICE, Notify, opened, submission

PHONE = "+12025550134"


@pytest.fixture
def texting(sms_provider: FakeSmsProvider, notify: Notify) -> Notify:
    """Notify started once the SMS provider's settings are in its environment (pytest sets a
    fixture's arguments up in their order)."""
    return notify


@pytest.fixture(autouse=True)
def any_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_NOTIFY_SENDING_HOURS", "0-24")
    monkeypatch.setenv("CASEWORK_NOTIFY_SENDING_DAYS", "all")


def test_a_constituent_who_chose_texts_gets_texts_and_no_email(
    texting: Notify,
    sms_provider: FakeSmsProvider,
    messages_to: Callable[[str], list[EmailMessage]],
) -> None:
    submission_id = str(uuid.uuid4())
    wants_texts = submission(submission_id, preferred_channel="sms", contact_phone=PHONE)
    texting.publish(SUBMISSION_RECEIVED, wants_texts, office_id=OFFICE)
    texting.publish(CASE_OPENED, opened(submission_id), office_id=OFFICE)
    note = dict(PUBLIC_NOTE_ADDED.example, case_id="case-1", text="SSA has your file.")
    texting.publish(PUBLIC_NOTE_ADDED, note, office_id=OFFICE)

    def both_settled() -> list[tuple[str, str, str]]:
        with texting.engine.connect() as connection:
            query = select(deliveries.c.kind, deliveries.c.channel, deliveries.c.status)
            rows = sorted((r.kind, r.channel, r.status) for r in connection.execute(query))
        return rows if all(status == "sent" for *_, status in rows) and len(rows) == 2 else []

    settled = wait_until(both_settled, message="the acknowledgement and the note were not texted")

    assert settled == [("acknowledgement", "sms", "sent"), ("case_update", "sms", "sent")]
    texts = sms_provider.texts()
    assert [text["to"] for text in texts] == [PHONE, PHONE]
    assert "K7QX-M2PD" in texts[0]["body"] and texts[0]["body"].endswith("Reply STOP to opt out")
    assert "there is news on your request" in texts[1]["body"]
    assert "SSA has your file." not in texts[1]["body"]
    assert messages_to("maria@example.org") == []


ADMIN = {"user_id": "u-admin", "role": "office_admin", "office_id": OFFICE, "origin": "web test"}
OWN_TEXT = "{{ office_name }} got your request {{ tracking_code }}. {{ status_url }}"


def test_an_office_admin_words_the_text_over_rpc_and_a_constituent_who_chose_texts_gets_it(
    texting: Notify, sms_provider: FakeSmsProvider
) -> None:
    def call(method: str, *args: Any, **kwargs: Any) -> Any:
        with entrypoint_hook(texting.container, method, context_data=ADMIN) as entrypoint:
            return entrypoint(*args, **kwargs)

    listed = {(item["message"], item["language"]): item for item in call("message_wording", OFFICE)}
    acknowledgement = listed[("acknowledgement", "en")]
    assert acknowledgement["default_text"].startswith("{{ office_name }}: we received your")
    assert acknowledgement["text"] is None
    assert acknowledgement["text_variables"] == ["office_name", "tracking_code", "status_url"]
    assert (
        listed[("status_code", "en")]["default_text"],
        listed[("status_code", "en")]["text_variables"],
    ) == (None, [])
    change = {
        "message": "acknowledgement",
        "language": "en",
        "subject": acknowledgement["default_subject"],
        "body": acknowledgement["default_body"],
        "text": OWN_TEXT,
    }

    shown = call("preview_message_wording", OFFICE, **change)
    with pytest.raises(ValidationFailed) as refused:
        call("save_message_wording", OFFICE, **{**change, "text": "{{ name }}"})
    saved = call("save_message_wording", OFFICE, **change)

    assert shown["text"].startswith("Office of Rep. Ana Lopez got your request K7QX-M2PD. http")
    assert shown["text"].endswith("\nReply STOP to opt out")
    assert shown["text_length"] == len(shown["text"])
    assert refused.value.fields["text"][0] == "{{ name }} is not a field of this message"
    assert saved["text"] == OWN_TEXT
    submission_id = str(uuid.uuid4())
    wants_texts = submission(submission_id, preferred_channel="sms", contact_phone=PHONE)
    texting.publish(SUBMISSION_RECEIVED, wants_texts, office_id=OFFICE)
    texting.publish(CASE_OPENED, opened(submission_id), office_id=OFFICE)
    [text] = wait_until(sms_provider.texts, message="the acknowledgement was not texted")
    assert text["body"].startswith("Office of Rep. Ana Lopez got your request K7QX-M2PD. http")
    assert text["body"].endswith("\nReply STOP to opt out")
