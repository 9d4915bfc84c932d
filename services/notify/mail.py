"""The mail transport port and its SMTP adapter (smtplib; cooperative under eventlet because
`nameko run` monkey-patches sockets).

A transport either hands the message over, or says which of two ways it failed: refused
(definitely not sent, safe to try again) or cut off after the message was on its way (it may
have gone: never try again). Errors carry the exception class only, never an address.
"""

from __future__ import annotations

import io
import smtplib
import time
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any, Protocol

from nameko.extensions import DependencyProvider

from services.chassis.config import env_int, env_str
from services.notify.domain.acknowledgements import OutgoingEmail


class SendRefused(Exception):
    """The message was definitely not accepted (no connection, or a 4xx/5xx answer).

    `permanent` when the server answered 5xx (no such mailbox, message rejected): sending the
    same message again would be refused again.
    """

    def __init__(self, error_class: str, *, permanent: bool = False) -> None:
        super().__init__(error_class)
        self.error_class = error_class
        self.permanent = permanent


class SendOutcomeUnknown(Exception):
    """The connection broke while the message was being handed over: it may have gone."""

    def __init__(self, error_class: str) -> None:
        super().__init__(error_class)
        self.error_class = error_class


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


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    timeout_seconds: int
    mail_from: str


def load_smtp_settings() -> SmtpSettings:
    return SmtpSettings(
        host=env_str("CASEWORK_SMTP_HOST", "127.0.0.1"),
        port=env_int("CASEWORK_SMTP_PORT", 1025),
        timeout_seconds=env_int("CASEWORK_SMTP_TIMEOUT_SECONDS", 10),
        mail_from=env_str("CASEWORK_MAIL_FROM", "casework@localhost"),
    )


def to_mime(email: OutgoingEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((email.sender_name, email.sender_address))
    message["To"] = formataddr((email.to_name, email.to_address))
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = email.message_id
    message.set_content(email.body)
    return message


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP carries it (CRLF line ends, non-ASCII already MIME-encoded)."""
    with io.BytesIO() as buffer:
        BytesGenerator(buffer, policy=message.policy.clone(linesep="\r\n")).flatten(message)
        return buffer.getvalue()


# Failures before DATA: the server has not got the message, so another attempt may send.
_BEFORE_DATA = (OSError, smtplib.SMTPException, UnicodeError)
# Connect, greeting, EHLO, MAIL, RCPT, DATA, the message and QUIT each wait at most `timeout`.
_ROUND_TRIPS = 7
# Connections kept open between messages: about one per worker sending at the same moment.
MAX_IDLE_CONNECTIONS = 8
# Servers drop idle clients (Postfix after 300 s by default); well before that, start afresh.
IDLE_SECONDS = 30.0


class SmtpMailer:
    """Sends over a few SMTP connections kept open between messages (a connection, greeting
    and EHLO cost three round trips and a TCP handshake per message otherwise).

    A connection that failed in any way is closed, never reused. An idle connection the server
    dropped is found out at MAIL, before the message was handed over, and the message goes over
    a new connection instead.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._idle: list[tuple[float, smtplib.SMTP]] = []

    @property
    def sender_address(self) -> str:
        return self._settings.mail_from

    @property
    def longest_send_seconds(self) -> float:
        return float(self._settings.timeout_seconds * _ROUND_TRIPS)

    def send(self, email: OutgoingEmail) -> None:
        payload = wire_bytes(to_mime(email))
        smtp = self._take_idle()
        if smtp is not None:
            try:
                self._transact(smtp, email, payload, reused=True)
                return
            except _DroppedWhileIdle:
                pass
        settings = self._settings
        try:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        except _BEFORE_DATA as exc:
            raise SendRefused(type(exc).__name__) from None
        self._transact(smtp, email, payload, reused=False)

    def close(self) -> None:
        """Say goodbye on every idle connection (the container is stopping)."""
        idle, self._idle = self._idle, []
        for _, smtp in idle:
            _quit(smtp)

    def _take_idle(self) -> smtplib.SMTP | None:
        now = time.monotonic()
        while self._idle:
            since, smtp = self._idle.pop()
            if now - since < IDLE_SECONDS:
                return smtp
            _quit(smtp)
        return None

    def _transact(
        self, smtp: smtplib.SMTP, email: OutgoingEmail, payload: bytes, *, reused: bool
    ) -> None:
        """One message over `smtp`, which goes back to the idle list only if all went well."""
        try:
            try:
                smtp.ehlo_or_helo_if_needed()
                code, _ = smtp.mail(email.sender_address)
            except _BEFORE_DATA as exc:
                if reused:
                    raise _DroppedWhileIdle() from None
                raise SendRefused(type(exc).__name__) from None
            try:
                if code != 250:
                    raise SendRefused("SMTPSenderRefused", permanent=code >= 500)
                code, _ = smtp.rcpt(email.to_address)
                if code not in (250, 251):
                    raise SendRefused("SMTPRecipientsRefused", permanent=code >= 500)
            except _BEFORE_DATA as exc:
                raise SendRefused(type(exc).__name__) from None
            try:
                code, _ = smtp.data(payload)
            except smtplib.SMTPDataError as exc:
                # The server answered DATA itself with 4xx/5xx: it never saw the message.
                raise SendRefused(type(exc).__name__, permanent=exc.smtp_code >= 500) from None
            except (OSError, smtplib.SMTPException) as exc:
                raise SendOutcomeUnknown(type(exc).__name__) from None
            if code != 250:
                # `data()` returns (rather than raises) the verdict on the message itself.
                raise SendRefused(smtplib.SMTPDataError.__name__, permanent=code >= 500)
        except BaseException:
            _quit(smtp)
            raise
        if len(self._idle) < MAX_IDLE_CONNECTIONS:
            self._idle.append((time.monotonic(), smtp))
        else:
            _quit(smtp)


class _DroppedWhileIdle(Exception):
    """A kept connection was closed by the server before this message was handed over."""


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        # The message's fate is already settled; only the polite goodbye failed.
        smtp.close()


class MailTransport(DependencyProvider):
    """Gives workers the SMTP mailer, configured from the environment at container start."""

    def setup(self) -> None:
        self.mailer = SmtpMailer(load_smtp_settings())

    def stop(self) -> None:
        self.mailer.close()

    def get_dependency(self, worker_ctx: Any) -> Mailer:
        return self.mailer
