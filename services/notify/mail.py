"""Notify's mail port and its SMTP adapter: an `OutgoingEmail` becomes a MIME message and goes
through the chassis' SMTP transport (services/chassis/smtp.py: settings, connection pool,
STARTTLS and AUTH, and the two ways a send fails).

A transport either hands the message over, or says which of two ways it failed: refused
(definitely not sent, safe to try again) or cut off after the message was on its way (it may
have gone: never try again). Errors carry the exception class only, never an address.
"""

from __future__ import annotations

import binascii
import itertools
from email.header import Header
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
    "wire_message",
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


CRLF = "\r\n"
# A body line longer than this (RFC 5322 recommends 78) is quoted-printable, as EmailMessage
# would make it.
BODY_LINE_LENGTH = 78


def wire_message(email: OutgoingEmail) -> bytes:
    """The email as SMTP carries it, written out directly: what `to_mime` and `wire_bytes` make
    (the same headers, and the same text once decoded), without building an `EmailMessage`,
    whose header objects and generator cost over a millisecond a message, more than the rest
    of sending an acknowledgement. Non-ASCII names and subjects are RFC 2047 encoded words;
    the body is 7-bit when it can be, else quoted-printable UTF-8."""
    headers = [
        ("From", _address(email.sender_name, email.sender_address)),
        ("To", _address(email.to_name, email.to_address)),
    ]
    if email.reply_to:
        headers.append(("Reply-To", _checked(email.reply_to)))
    headers += [
        ("Subject", _encoded(_checked(email.subject))),
        ("Date", formatdate(localtime=False, usegmt=True)),
        ("Message-ID", _checked(email.message_id)),
    ]
    if email.unsubscribe_url:
        headers.append(("List-Unsubscribe", f"<{_checked(email.unsubscribe_url)}>"))
        headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    encoding, body = _body(email.body)
    headers += [
        ("Content-Type", 'text/plain; charset="utf-8"'),
        ("Content-Transfer-Encoding", encoding),
        ("MIME-Version", "1.0"),
    ]
    head = "".join(f"{name}: {value}{CRLF}" for name, value in headers)
    return head.encode("ascii") + CRLF.encode("ascii") + body


def _checked(value: str) -> str:
    # As EmailMessage refuses them: a line break in a value would start a header of its own.
    if "\r" in value or "\n" in value:
        raise ValueError("Header values may not contain linefeed or carriage return characters")
    return value


def _encoded(text: str) -> str:
    """ASCII words as they are; each run of words with anything else as UTF-8 encoded words
    (the spaces inside a run go inside them: a decoder drops whitespace between two encoded
    words), folded between words: "Please send us some documents =?utf-8?q?...?=" as
    EmailMessage writes it, so that a subject still starts with its plain words."""
    if _plain(text):
        return text
    return " ".join(
        " ".join(words) if plain else Header(" ".join(words), "utf-8").encode(linesep=CRLF)
        for plain, words in itertools.groupby(text.split(" "), key=_plain)
    )


def _plain(text: str) -> bool:
    """Text a header can carry as it is: ASCII, and nothing a decoder reads as an encoded word."""
    return text.isascii() and "=?" not in text


def _address(name: str, address: str) -> str:
    """A display name quoted as needed, or one UTF-8 encoded word: mail clients decode a long
    one whole, while Python's address parser reads a space into a name split across two."""
    return formataddr((_checked(name), _checked(address)), charset="utf-8")


def _body(text: str) -> tuple[str, bytes]:
    """(Content-Transfer-Encoding, the body with CRLF line ends and a final one)."""
    lines = text.encode("utf-8").splitlines() or [b""]
    if text.isascii() and all(len(line) <= BODY_LINE_LENGTH for line in lines):
        return "7bit", b"".join(line + b"\r\n" for line in lines)
    # One line at a time: b2a_qp breaks long lines with a bare LF, made CRLF here.
    return "quoted-printable", b"".join(
        binascii.b2a_qp(line).replace(b"\n", b"\r\n") + b"\r\n" for line in lines
    )


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
        self._transport.send_wire(
            wire_message(email), mail_from=email.sender_address, recipients=[email.to_address]
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
