"""The message log's words for each state a delivery can be in (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.gateway.messages import error_words, line_of

AT = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


def delivery(status: str, **fields: Any) -> dict[str, Any]:
    return {
        "kind": "acknowledgement",
        "channel": "email",
        "status": status,
        "attempts": 1,
        "created_at": AT,
        "sent_at": AT if status == "sent" else None,
        "resent_in_doubt": 0,
        "last_error": None,
        "skip_reason": None,
        **fields,
    }


@pytest.mark.parametrize(
    ("status", "fields", "state", "words"),
    [
        ("sent", {}, "sent", "Sent"),
        ("sending", {}, "pending", "Sending now"),
        (
            "unknown",
            {"last_error": "CutOff"},
            "pending",
            "Cut off while sending; being sent again",
        ),
        (
            "failed",
            {"last_error": "SMTPServerDisconnected", "attempts": 2},
            "pending",
            "Not sent yet: the mail server could not be reached; trying again (2 attempts)",
        ),
        (
            "undeliverable",
            {"last_error": "SMTPRecipientsRefused"},
            "problem",
            "Not delivered: the constituent's mail server refused the address. "
            "Reach the constituent another way.",
        ),
        ("skipped", {"skip_reason": "no email address"}, "problem", "Not sent: no email address"),
        (
            "skipped",
            {"skip_reason": "the constituent asked for no email", "attempts": 0},
            "problem",
            "Not sent: the constituent asked for no email. Reach them another way.",
        ),
    ],
)
def test_each_state_reads_as_what_happened_and_what_to_do(
    status: str, fields: dict[str, Any], state: str, words: str
) -> None:
    line = line_of(delivery(status, **fields))
    assert (line.state, line.words) == (state, words)
    assert line.kind == "Acknowledgement" and line.channel == "Email"


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (None, "the mail server did not take it"),
        ("in doubt: CutOff", "the sending was cut off"),
        ("ConnectionRefusedError", "the mail server could not be reached"),
        ("socket.timeout", "the mail server could not be reached"),
        ("SMTPDataError", "the mail server refused the message"),
        ("SMTPNotSupportedError", "the mail server refused it (SMTPNotSupportedError)"),
    ],
)
def test_the_mail_servers_error_classes_become_words(error: str | None, words: str) -> None:
    assert error_words(error) == words


def test_a_message_held_for_office_hours_says_when_it_goes_out() -> None:
    later = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    line = line_of(delivery("queued", kind="status_update", attempts=0, send_after=later))
    assert (line.kind, line.state, line.words) == (
        "Status update",
        "pending",
        "Waiting for office hours; goes out",
    )
    assert line.due == later
    assert line_of(delivery("sent", kind="closure", send_after=None)).due is None


def test_a_swept_message_is_shown_as_given_up_once_its_retries_are_spent() -> None:
    retrying = line_of(
        delivery("failed", kind="case_update", last_error="SMTPDataError", send_after=AT)
    )
    assert (retrying.kind, retrying.state) == ("Public note", "pending")
    spent = line_of(
        delivery(
            "failed", kind="case_update", last_error="SMTPDataError", attempts=6, send_after=None
        )
    )
    assert spent.state == "problem"
    assert spent.words == (
        "Not sent: the mail server refused the message; given up. "
        "Reach the constituent another way. (6 attempts)"
    )


def test_a_message_to_a_constituent_who_asked_for_no_email_says_so_whatever_it_was() -> None:
    for kind, label in (("closure", "Case closed"), ("case_update", "Public note")):
        line = line_of(
            delivery(
                "skipped",
                kind=kind,
                attempts=0,
                skip_reason="the constituent asked for no email",
                send_after=None,
            )
        )
        assert (line.kind, line.state, line.due) == (label, "problem", None)
        assert line.words == "Not sent: the constituent asked for no email. Reach them another way."


def test_a_text_message_shows_its_channel_and_the_providers_refusals_in_words() -> None:
    sent = line_of(delivery("sent", channel="sms"))
    assert (sent.channel, sent.words) == ("Text message", "Sent")
    assert line_of(delivery("sent")).channel == "Email"

    bad_number = line_of(delivery("undeliverable", channel="sms", last_error="sms:21211"))
    assert bad_number.words == (
        "Not delivered: the phone number is not a valid number. Reach the constituent another way."
    )
    busy = line_of(delivery("failed", channel="sms", last_error="sms:http-503"))
    assert (
        busy.words
        == "Not sent yet: the text message provider had a problem (HTTP 503); trying again"
    )
    away = line_of(delivery("failed", channel="sms", last_error="sms:ConnectionError"))
    assert "the text message provider could not be reached" in away.words


def test_a_text_to_a_constituent_who_replied_stop_says_so() -> None:
    line = line_of(
        delivery("skipped", channel="sms", skip_reason="the constituent replied STOP to our texts")
    )

    assert line.channel == "Text message"
    assert line.words == (
        "Not sent: the constituent replied STOP to our text messages. Reach them another way."
    )
