"""A real SMTP server (aiosmtpd) for notify's tests, collecting what it is sent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from services.chassis.testing import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class MailServer:
    """Accepts everything unless told to refuse recipients or the message, or hang up."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    rcpt_answer: str = "250 OK"
    data_answer: str = "250 Message accepted for delivery"
    hang_up_after_data: bool = False
    controller: Controller | None = None
    greetings: int = 0  # EHLOs: one per connection a client opened

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
        if self.data_answer.startswith("250"):
            message = message_from_bytes(envelope.content, policy=default)
            assert isinstance(message, EmailMessage)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return self.data_answer

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_port(monkeypatch: pytest.MonkeyPatch) -> int:
    """A free port, exported as CASEWORK_SMTP_PORT for the service under test."""
    port = free_port()
    monkeypatch.setenv("CASEWORK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CASEWORK_SMTP_PORT", str(port))
    return port


@pytest.fixture
def idle_mail_server(smtp_port: int) -> Iterator[MailServer]:
    """A mail server on `smtp_port` that the test starts when it wants it up."""
    server = MailServer(port=smtp_port)
    yield server
    server.stop()


@pytest.fixture
def mail_server(idle_mail_server: MailServer) -> MailServer:
    idle_mail_server.start()
    return idle_mail_server


@pytest.fixture
def messages_to(mail_server: MailServer) -> Callable[[str], list[EmailMessage]]:
    def find(address: str) -> list[EmailMessage]:
        return [item.message for item in mail_server.received if address in item.rcpt_tos]

    return find
