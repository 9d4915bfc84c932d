"""The SMTP adapter against a real SMTP server: what counts as sent, refused or unknown."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.chassis.testing import free_port
from services.notify.domain.acknowledgements import OutgoingEmail
from services.notify.mail import (
    SendOutcomeUnknown,
    SendRefused,
    SmtpMailer,
    SmtpSettings,
    load_smtp_settings,
)
from services.notify.tests.conftest import MailServer

EMAIL = OutgoingEmail(
    sender_name="Office of Rep. Ana Lopez",
    sender_address="casework@localhost",
    to_name="María López",
    to_address="maria@example.org",
    reply_to="casework@lopez.example.gov",
    subject="Recibimos su solicitud \N{EN DASH} código de seguimiento K7QX-M2PD",
    body="Estimado/a María López:\n\nSu código de seguimiento: K7QX-M2PD\n",
    message_id="<d-1@localhost>",
)


def mailer(port: int) -> SmtpMailer:
    return SmtpMailer(SmtpSettings("127.0.0.1", port, 2, "casework@localhost"))


def test_settings_come_from_the_environment_with_local_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("CASEWORK_SMTP_HOST", "CASEWORK_SMTP_PORT", "CASEWORK_MAIL_FROM"):
        monkeypatch.delenv(name, raising=False)
    assert load_smtp_settings() == SmtpSettings("127.0.0.1", 1025, 10, "casework@localhost")
    monkeypatch.setenv("CASEWORK_SMTP_PORT", "2525")
    monkeypatch.setenv("CASEWORK_MAIL_FROM", "casework@house.example.gov")
    settings = load_smtp_settings()
    assert (settings.port, settings.mail_from) == (2525, "casework@house.example.gov")


def test_an_accepted_message_arrives_whole_with_its_headers(mail_server: MailServer) -> None:
    mailer(mail_server.port).send(EMAIL)

    [received] = mail_server.received
    assert received.mail_from == "casework@localhost"
    assert received.rcpt_tos == ["maria@example.org"]
    message = received.message
    assert message["Subject"] == EMAIL.subject
    assert message["To"].addresses[0].display_name == "María López"
    assert message["Reply-To"] == "casework@lopez.example.gov"
    assert message["Message-ID"] == "<d-1@localhost>"
    assert message.get_content().replace("\r\n", "\n") == EMAIL.body


def test_a_message_about_a_request_arrives_with_its_one_click_unsubscribe_headers(
    mail_server: MailServer,
) -> None:
    link = "https://casework.house.example.gov/o/rep-lopez/unsubscribe/q3Jx9sTzWvB2mN7kLp4dRfGh"
    mailer(mail_server.port).send(replace(EMAIL, unsubscribe_url=link))
    mailer(mail_server.port).send(replace(EMAIL, message_id="<d-2@localhost>"))  # a status code

    with_link, without = (received.message for received in mail_server.received)
    assert with_link["List-Unsubscribe"] == f"<{link}>"
    assert with_link["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert without["List-Unsubscribe"] is None and without["List-Unsubscribe-Post"] is None


def test_no_server_listening_is_a_refusal_that_may_be_retried() -> None:
    with pytest.raises(SendRefused) as refused:
        mailer(free_port()).send(EMAIL)
    assert refused.value.error_class == "ConnectionRefusedError"


def test_a_refused_recipient_is_a_refusal_without_the_address(mail_server: MailServer) -> None:
    mail_server.rcpt_answer = "550 5.1.1 mailbox unavailable"

    with pytest.raises(SendRefused) as refused:
        mailer(mail_server.port).send(EMAIL)

    assert refused.value.error_class == "SMTPRecipientsRefused"
    assert refused.value.permanent, "550: this mailbox will refuse it again"
    assert "@" not in str(refused.value)
    assert mail_server.received == []


def test_a_temporary_rejection_of_the_message_is_a_refusal(mail_server: MailServer) -> None:
    mail_server.data_answer = "451 4.3.0 try again later"

    with pytest.raises(SendRefused) as refused:
        mailer(mail_server.port).send(EMAIL)

    assert refused.value.error_class == "SMTPDataError"
    assert not refused.value.permanent, "451: worth trying again later"


def test_a_hang_up_after_the_message_was_handed_over_is_an_unknown_outcome(
    mail_server: MailServer,
) -> None:
    mail_server.hang_up_after_data = True

    with pytest.raises(SendOutcomeUnknown):
        mailer(mail_server.port).send(EMAIL)


def test_one_connection_carries_message_after_message(mail_server: MailServer) -> None:
    sender = mailer(mail_server.port)
    for number in range(3):
        sender.send(replace(EMAIL, message_id=f"<d-{number}@localhost>"))
    sender.close()

    assert [r.message["Message-ID"] for r in mail_server.received] == [
        "<d-0@localhost>",
        "<d-1@localhost>",
        "<d-2@localhost>",
    ]
    assert mail_server.greetings == 1


def test_a_connection_the_server_dropped_while_idle_is_replaced_without_losing_the_message(
    mail_server: MailServer,
) -> None:
    sender = mailer(mail_server.port)
    sender.send(EMAIL)
    mail_server.stop()  # closes every connection, the idle one too
    mail_server.start()

    sender.send(replace(EMAIL, message_id="<d-2@localhost>"))

    assert [r.message["Message-ID"] for r in mail_server.received][-1] == "<d-2@localhost>"
    assert mail_server.greetings == 2


def test_a_connection_that_failed_is_not_used_again(mail_server: MailServer) -> None:
    sender = mailer(mail_server.port)
    mail_server.rcpt_answer = "550 No such user"
    with pytest.raises(SendRefused):
        sender.send(EMAIL)
    mail_server.rcpt_answer = "250 OK"

    sender.send(EMAIL)

    assert len(mail_server.received) == 1 and mail_server.greetings == 2
