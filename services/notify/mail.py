"""Notify's mail port and its SMTP adapter: an `OutgoingEmail` becomes a MIME message and goes
through the chassis' SMTP transport (services/chassis/smtp.py: settings, connection pool,
STARTTLS and AUTH, and the two ways a send fails).

A transport either hands the message over, or says which of two ways it failed: refused
(definitely not sent, safe to try again) or cut off after the message was on its way (it may
have gone: never try again). Errors carry the exception class only, never an address.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any, Protocol

from nameko.extensions import DependencyProvider

from services.chassis.smtp import (
    SendOutcomeUnknown,
    SendRefused,
    SmtpSettings,
    SmtpTransport,
    load_smtp_settings,
    wire_bytes,
)
from services.notify.domain.acknowledgements import OutgoingEmail

# What notify's modules and tests have always imported from here.
__all__ = [
    "MailTransport",
    "Mailer",
    "SendOutcomeUnknown",
    "SendRefused",
    "SmtpMailer",
    "SmtpSettings",
    "load_smtp_settings",
    "to_mime",
    "wire_bytes",
]


class Mailer(Protocol):
    """What notify needs from a mail transport."""

    @property
    def sender_address(self) -> str:
        """The platform address mail is sent from (envelope sender and From address)."""
        ...

    @property
    def longest_send_seconds(self) -> float:
        """After this long an unfinished send cannot still be in progress."""
        ...

    def send(self, email: OutgoingEmail) -> None:
        """Hand one message over; raise SendRefused or SendOutcomeUnknown on failure."""
        ...


def to_mime(email: OutgoingEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((email.sender_name, email.sender_address))
    message["To"] = formataddr((email.to_name, email.to_address))
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = email.message_id
    if email.unsubscribe_url:
        # Mail clients show their own "unsubscribe" for it; the portal takes the one-click
        # POST (RFC 8058) as well as a visit.
        message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.body)
    return message


class SmtpMailer:
    """Notify's `Mailer` over the chassis' pooled SMTP transport: the envelope goes from the
    email's sender address to its one recipient."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._transport = SmtpTransport(settings)

    @property
    def sender_address(self) -> str:
        return self._transport.sender_address

    @property
    def longest_send_seconds(self) -> float:
        return self._transport.longest_send_seconds

    def send(self, email: OutgoingEmail) -> None:
        self._transport.send(
            to_mime(email), mail_from=email.sender_address, recipients=[email.to_address]
        )

    def close(self) -> None:
        """Say goodbye on every idle connection (the container is stopping)."""
        self._transport.close()


class MailTransport(DependencyProvider):
    """Gives workers the SMTP mailer, configured from the environment at container start."""

    def setup(self) -> None:
        self.mailer = SmtpMailer(load_smtp_settings())

    def stop(self) -> None:
        self.mailer.close()

    def get_dependency(self, worker_ctx: Any) -> Mailer:
        return self.mailer
