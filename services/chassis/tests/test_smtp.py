"""The SMTP transport against a real SMTP server (aiosmtpd): any EmailMessage, attachments
included, arrives whole; STARTTLS and AUTH when configured; refused versus unknown outcomes."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.chassis.smtp import (
    SendOutcomeUnknown,
    SendRefused,
    SmtpSettings,
    SmtpTransport,
    load_smtp_settings,
    recipients_of,
)
from services.chassis.testing import free_port

SUBJECT = "Congressional inquiry CW-2026-000042 \N{EN DASH} María López, claim of José Núñez"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    authenticated_as: str | None
    over_tls: bool


@dataclass
class Server:
    """Accepts everything unless told to refuse a recipient or hang up after the message."""

    port: int
    received: list[Received] = field(default_factory=list)
    rcpt_answer: str = "250 OK"
    hang_up_after_data: bool = False
    greetings: int = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.greetings += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt_answer

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hang_up_after_data:
            server.transport.close()
            return "250 never heard"
        message = message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        login = session.auth_data.login.decode() if session.authenticated else None
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message,
                login,
                session.ssl is not None,
            )
        )
        return "250 Message accepted for delivery"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"relay", b"s3cret")
    return AuthResult(success=ok, auth_data=data if ok else None)


@pytest.fixture
def server() -> Iterator[Server]:
    handler = Server(free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: (certificate, key) PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[Server]:
    """Requires STARTTLS, then AUTH as relay / s3cret, before it takes mail."""
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    handler = Server(free_port())
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=handler.port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=_authenticate,
    )
    controller.start()
    yield handler
    controller.stop()


def settings(port: int, **changes: Any) -> SmtpSettings:
    return replace(SmtpSettings("127.0.0.1", port, 2, "casework@localhost"), **changes)


def letter() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Office of Rep. Ana López <casework@lopez.example.gov>"
    message["To"] = "SSA Congressional Liaison <liaison@ssa.example.gov>"
    message["Cc"] = "caseworker@lopez.example.gov"
    message["Subject"] = SUBJECT
    message["Message-ID"] = "<inquiry-1@lopez.example.gov>"
    message.set_content("Please find our letter and the signed privacy release attached.\n")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="letter.pdf")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="release.pdf")
    return message


def test_settings_come_from_the_environment_with_local_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "CASEWORK_SMTP_HOST",
        "CASEWORK_SMTP_PORT",
        "CASEWORK_MAIL_FROM",
        "CASEWORK_SMTP_STARTTLS",
        "CASEWORK_SMTP_USERNAME",
        "CASEWORK_SMTP_PASSWORD",
        "CASEWORK_SMTP_CA_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    assert load_smtp_settings() == SmtpSettings("127.0.0.1", 1025, 10, "casework@localhost")

    monkeypatch.setenv("CASEWORK_SMTP_STARTTLS", "true")
    monkeypatch.setenv("CASEWORK_SMTP_USERNAME", "relay")
    monkeypatch.setenv("CASEWORK_SMTP_PASSWORD", "s3cret")
    loaded = load_smtp_settings()
    assert (loaded.starttls, loaded.username, loaded.password) == (True, "relay", "s3cret")
    assert "s3cret" not in repr(loaded), "the password is never printed"


def test_a_letter_with_attachments_arrives_whole(server: Server) -> None:
    SmtpTransport(settings(server.port)).send(letter())

    [received] = server.received
    assert received.mail_from == "casework@localhost"
    assert received.rcpt_tos == ["liaison@ssa.example.gov", "caseworker@lopez.example.gov"]
    message = received.message
    # Long enough to be folded by the standard library, which would lose a space of the name.
    assert message["Subject"] == SUBJECT
    assert message["Message-ID"] == "<inquiry-1@lopez.example.gov>"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and "signed privacy release" in body.get_content()
    attachments = list(message.iter_attachments())
    assert [part.get_filename() for part in attachments] == ["letter.pdf", "release.pdf"]
    assert [part.get_content_type() for part in attachments] == ["application/pdf"] * 2
    assert all(part.get_content() == PDF for part in attachments)


def test_the_envelope_may_be_given_and_bcc_is_never_transmitted(server: Server) -> None:
    message = letter()
    message["Bcc"] = "archive@lopez.example.gov"

    transport = SmtpTransport(settings(server.port))
    transport.send(message)
    transport.send(letter(), mail_from="bounces@lopez.example.gov", recipients=["a@example.org"])

    first, second = server.received
    assert "archive@lopez.example.gov" in first.rcpt_tos
    assert first.message["Bcc"] is None
    assert message["Bcc"] == "archive@lopez.example.gov", "the caller's message is left alone"
    assert (second.mail_from, second.rcpt_tos) == ("bounces@lopez.example.gov", ["a@example.org"])


def test_recipients_are_every_address_of_to_cc_and_bcc_once() -> None:
    message = EmailMessage()
    message["To"] = "A <a@example.org>, b@example.org"
    message["Cc"] = "a@example.org"
    message["Bcc"] = "c@example.org"
    assert recipients_of(message) == ["a@example.org", "b@example.org", "c@example.org"]


def test_a_message_without_recipients_is_refused_for_good(server: Server) -> None:
    message = letter()
    del message["To"], message["Cc"]
    with pytest.raises(SendRefused) as refused:
        SmtpTransport(settings(server.port)).send(message)
    assert refused.value.permanent and server.greetings == 0


def test_starttls_and_login_when_configured(
    tls_server: Server, certificate: tuple[Path, Path]
) -> None:
    secure = settings(
        tls_server.port,
        starttls=True,
        username="relay",
        password="s3cret",
        ca_file=str(certificate[0]),
    )
    transport = SmtpTransport(secure)
    transport.send(letter())
    transport.send(letter())
    transport.close()

    assert [(r.authenticated_as, r.over_tls) for r in tls_server.received] == [
        ("relay", True),
        ("relay", True),
    ]
    assert tls_server.greetings == 2, "one connection (EHLO before and after STARTTLS)"


def test_a_wrong_password_is_a_refusal(tls_server: Server, certificate: tuple[Path, Path]) -> None:
    wrong = settings(
        tls_server.port, starttls=True, username="relay", password="no", ca_file=str(certificate[0])
    )
    with pytest.raises(SendRefused) as refused:
        SmtpTransport(wrong).send(letter())
    # smtplib tries the next mechanism after a refused one; this server hangs up on it.
    assert refused.value.error_class in ("SMTPAuthenticationError", "SMTPServerDisconnected")
    assert not refused.value.permanent, "the settings are wrong, not the message"
    assert tls_server.received == []


def test_a_certificate_that_does_not_verify_is_a_refusal(tls_server: Server) -> None:
    # The system's CAs do not know the test's self-signed certificate.
    untrusting = settings(tls_server.port, starttls=True, username="relay", password="s3cret")
    with pytest.raises(SendRefused) as refused:
        SmtpTransport(untrusting).send(letter())
    assert refused.value.error_class == "SSLCertVerificationError"
    assert tls_server.received == []


def test_without_starttls_a_server_that_requires_it_refuses(tls_server: Server) -> None:
    with pytest.raises(SendRefused):
        SmtpTransport(settings(tls_server.port)).send(letter())
    assert tls_server.received == []


def test_no_server_listening_is_a_refusal_that_may_be_retried() -> None:
    with pytest.raises(SendRefused) as refused:
        SmtpTransport(settings(free_port())).send(letter())
    assert refused.value.error_class == "ConnectionRefusedError"
    assert not refused.value.permanent


def test_a_refused_recipient_refuses_the_whole_message(server: Server) -> None:
    server.rcpt_answer = "550 5.1.1 mailbox unavailable"
    with pytest.raises(SendRefused) as refused:
        SmtpTransport(settings(server.port)).send(letter())
    assert refused.value.error_class == "SMTPRecipientsRefused" and refused.value.permanent
    assert "@" not in str(refused.value)
    assert server.received == []


def test_a_hang_up_after_the_message_was_handed_over_is_an_unknown_outcome(
    server: Server,
) -> None:
    server.hang_up_after_data = True
    with pytest.raises(SendOutcomeUnknown):
        SmtpTransport(settings(server.port)).send(letter())


def test_one_connection_carries_message_after_message(server: Server) -> None:
    transport = SmtpTransport(settings(server.port))
    for number in range(3):
        message = letter()
        message.replace_header("Message-ID", f"<inquiry-{number}@lopez.example.gov>")
        transport.send(message)
    transport.close()

    assert len(server.received) == 3 and server.greetings == 1


def test_the_longest_send_counts_the_secure_round_trips() -> None:
    assert SmtpTransport(settings(25)).longest_send_seconds == 14.0
    assert SmtpTransport(settings(25, starttls=True)).longest_send_seconds == 20.0
