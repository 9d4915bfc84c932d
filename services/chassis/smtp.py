"""Sending email over SMTP: the transport notify (acknowledgements, status codes) and agencies
(letters to liaison offices, with PDF attachments) both use.

    from email.message import EmailMessage
    from services.chassis.smtp import (
        SendOutcomeUnknown, SendRefused, SmtpTransport, load_smtp_settings,
    )

    transport = SmtpTransport(load_smtp_settings())     # one per container: it pools connections
    message = EmailMessage()
    message["From"] = "Office of Rep. Lopez <casework@lopez.example.gov>"
    message["To"] = "Liaison <liaison@ssa.example.gov>"
    message["Subject"] = "Congressional inquiry CW-2026-000042"
    message["Message-ID"] = "<inquiry-7f1e@lopez.example.gov>"   # fixed before sending
    message.set_content("Please find our letter attached.")
    message.add_attachment(pdf_bytes, maintype="application", subtype="pdf", filename="letter.pdf")
    try:
        transport.send(message)          # envelope: settings.mail_from -> To, Cc and Bcc
    except SendRefused as refused:       # definitely not sent: may be tried again
        ...                              # (refused.permanent: 5xx, it would be refused again)
    except SendOutcomeUnknown:           # cut off after the message was on its way: it may
        ...                              # have gone, never send it again blindly
    transport.close()                    # on container stop: QUIT on the idle connections

`send(message, mail_from=None, recipients=None)`: the envelope sender is `mail_from` or the
settings' `mail_from`; the recipients are `recipients` or every address in the message's To,
Cc and Bcc headers (a Bcc header is never transmitted). Every recipient must be accepted, or
nothing is sent. The message goes as it is: set its Date and Message-ID yourself (a Message-ID
chosen before sending is what makes a retry recognisable).

Settings, from the environment (`load_smtp_settings`):
- `CASEWORK_SMTP_HOST` (127.0.0.1), `CASEWORK_SMTP_PORT` (1025),
  `CASEWORK_SMTP_TIMEOUT_SECONDS` (10: each round trip waits at most this long),
  `CASEWORK_MAIL_FROM` (casework@localhost: the platform's envelope sender);
- `CASEWORK_SMTP_STARTTLS` (false): upgrade every connection with STARTTLS before anything
  else is said, verifying the server's certificate against the system's CAs, or only
  `CASEWORK_SMTP_CA_FILE` when that is set (a relay with a private CA);
- `CASEWORK_SMTP_USERNAME` / `CASEWORK_SMTP_PASSWORD` (unset): AUTH after the upgrade. Use
  them with STARTTLS (or a relay on a private network): the password is never logged or
  printed (it is left out of the settings' repr).

Connections are kept open between messages (a few, for a short while) and used again; one that
failed in any way is closed. smtplib is cooperative under eventlet because `nameko run`
monkey-patches sockets (and ssl). Errors carry the exception class only, never an address.
"""

from __future__ import annotations

import copy
import io
import smtplib
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import getaddresses

from environs import Env


class SendRefused(Exception):
    """The message was definitely not accepted (no connection, TLS or login failed, or a
    4xx/5xx answer).

    `permanent` when the server answered 5xx to the message or a recipient (no such mailbox,
    message rejected): sending the same message again would be refused again.
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


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    timeout_seconds: int
    mail_from: str
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    # Trust only this CA bundle for STARTTLS (None: the system's CAs).
    ca_file: str | None = None


def load_smtp_settings() -> SmtpSettings:
    """The settings from the environment (names in the module's docstring), read now."""
    env = Env()
    return SmtpSettings(
        host=env.str("CASEWORK_SMTP_HOST", "127.0.0.1"),
        port=env.int("CASEWORK_SMTP_PORT", 1025),
        timeout_seconds=env.int("CASEWORK_SMTP_TIMEOUT_SECONDS", 10),
        mail_from=env.str("CASEWORK_MAIL_FROM", "casework@localhost"),
        starttls=env.bool("CASEWORK_SMTP_STARTTLS", False),
        username=env.str("CASEWORK_SMTP_USERNAME", "") or None,
        password=env.str("CASEWORK_SMTP_PASSWORD", "") or None,
        ca_file=env.str("CASEWORK_SMTP_CA_FILE", "") or None,
    )


# Headers are folded only past SMTP's line limit: Python 3.11's folder drops the space between
# two encoded words it splits across lines ("María López" arrived as "MaríaLópez" in a long
# subject), and every mail client unfolds anyway.
HEADER_LINE_LENGTH = 998


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP carries it (CRLF line ends, non-ASCII already MIME-encoded)."""
    policy = message.policy.clone(linesep="\r\n", max_line_length=HEADER_LINE_LENGTH)
    with io.BytesIO() as buffer:
        BytesGenerator(buffer, policy=policy).flatten(message)
        return buffer.getvalue()


def recipients_of(message: EmailMessage) -> list[str]:
    """Every address in To, Cc and Bcc, each once, in that order."""
    headers = [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
    addresses = [address for _, address in getaddresses(headers) if address]
    return list(dict.fromkeys(addresses))


# Failures before DATA: the server has not got the message, so another attempt may send.
_BEFORE_DATA = (OSError, smtplib.SMTPException, UnicodeError)
# Connect, greeting, EHLO, MAIL, RCPT, DATA, the message and QUIT each wait at most `timeout`;
# STARTTLS (the upgrade and a second EHLO) and AUTH add three more.
_ROUND_TRIPS = 7
_SECURE_ROUND_TRIPS = 3
# Connections kept open between messages: about one per worker sending at the same moment.
MAX_IDLE_CONNECTIONS = 8
# Servers drop idle clients (Postfix after 300 s by default); well before that, start afresh.
IDLE_SECONDS = 30.0


class SmtpTransport:
    """Sends over a few SMTP connections kept open between messages (a connection, greeting,
    EHLO, and STARTTLS and AUTH when configured, cost several round trips per message
    otherwise).

    A connection that failed in any way is closed, never reused. An idle connection the server
    dropped is found out at MAIL, before the message was handed over, and the message goes over
    a new connection instead.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._idle: list[tuple[float, smtplib.SMTP]] = []

    @property
    def sender_address(self) -> str:
        """The platform's envelope sender (`CASEWORK_MAIL_FROM`)."""
        return self._settings.mail_from

    @property
    def longest_send_seconds(self) -> float:
        """After this long an unfinished send cannot still be in progress."""
        settings = self._settings
        trips = _ROUND_TRIPS
        if settings.starttls or settings.username:
            trips += _SECURE_ROUND_TRIPS
        return float(settings.timeout_seconds * trips)

    def send(
        self,
        message: EmailMessage,
        *,
        mail_from: str | None = None,
        recipients: Sequence[str] | None = None,
    ) -> None:
        """Hand one message over; raise SendRefused or SendOutcomeUnknown on failure."""
        to = list(recipients) if recipients is not None else recipients_of(message)
        if "Bcc" in message:
            message = copy.deepcopy(message)
            del message["Bcc"]
        self.send_wire(wire_bytes(message), mail_from=mail_from, recipients=to)

    def send_wire(
        self, payload: bytes, *, mail_from: str | None = None, recipients: Sequence[str]
    ) -> None:
        """Hand over a message already written out as SMTP carries it (CRLF line ends, every
        header and the body MIME-encoded to ASCII); the same failures as `send`."""
        sender = mail_from or self._settings.mail_from
        to = list(recipients)
        if not to:
            raise SendRefused("NoRecipients", permanent=True)
        smtp = self._take_idle()
        if smtp is not None:
            try:
                self._transact(smtp, sender, to, payload, reused=True)
                return
            except _DroppedWhileIdle:
                pass
        self._transact(self._connect(), sender, to, payload, reused=False)

    def close(self) -> None:
        """Say goodbye on every idle connection (the container is stopping)."""
        idle, self._idle = self._idle, []
        for _, smtp in idle:
            _quit(smtp)

    def _connect(self) -> smtplib.SMTP:
        """A new connection, upgraded and logged in as the settings say."""
        settings = self._settings
        try:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        except _BEFORE_DATA as exc:
            raise SendRefused(type(exc).__name__) from None
        try:
            if settings.starttls:
                smtp.ehlo()
                smtp.starttls(context=ssl.create_default_context(cafile=settings.ca_file))
                smtp.ehlo()
            if settings.username:
                smtp.ehlo_or_helo_if_needed()
                smtp.login(settings.username, settings.password or "")
        except _BEFORE_DATA as exc:
            # A server without STARTTLS, a certificate that does not verify, a refused login:
            # nothing was sent (and the settings, not the message, are at fault).
            smtp.close()
            raise SendRefused(type(exc).__name__) from None
        return smtp

    def _take_idle(self) -> smtplib.SMTP | None:
        now = time.monotonic()
        while self._idle:
            since, smtp = self._idle.pop()
            if now - since < IDLE_SECONDS:
                return smtp
            _quit(smtp)
        return None

    def _transact(
        self,
        smtp: smtplib.SMTP,
        sender: str,
        recipients: list[str],
        payload: bytes,
        *,
        reused: bool,
    ) -> None:
        """One message over `smtp`, which goes back to the idle list only if all went well."""
        try:
            try:
                smtp.ehlo_or_helo_if_needed()
                code, _ = smtp.mail(sender)
            except _BEFORE_DATA as exc:
                if reused:
                    raise _DroppedWhileIdle() from None
                raise SendRefused(type(exc).__name__) from None
            try:
                if code != 250:
                    raise SendRefused("SMTPSenderRefused", permanent=code >= 500)
                for recipient in recipients:
                    code, _ = smtp.rcpt(recipient)
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
