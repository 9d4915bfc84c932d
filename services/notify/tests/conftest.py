"""A real SMTP server (aiosmtpd) for notify's tests, collecting what it is sent, and notify's
real service in a nameko container on either database (`notify`)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from services.chassis.db import create_db_engine
from services.chassis.testing import free_port, wait_until
from services.chassis.uow import DatabaseAccess
from services.contracts import CASE_OPENED, OFFICE_REGISTERED, SUBMISSION_RECEIVED
from services.notify.adapters.sms import TwilioTexter, load_sms_settings
from services.notify.fake_sms import FakeSmsProvider
from services.notify.models import deliveries, metadata, offices
from services.notify.repository import NotifyUnitOfWork
from services.notify.service import NotifyService
from services.notify.tests.events import (
    WEDNESDAY_10AM,
    case_opened,
    handle,
    office_registered,
    submission_received,
)
from services.notify.tests.fakes import FakeMailer, fake_database
from services.notify.tests.flow_support import Db


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


OFFICE = "rep-lopez"
REPLY_TO = "casework@lopez.example.gov"


@dataclass
class Notify:
    container: Any
    engine: Engine
    amqp_uri: str
    base: str
    publish: Callable[..., dict[str, Any]]

    def deliveries(self) -> list[tuple[str, int]]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(deliveries.c.status, deliveries.c.attempts))
            return [(row.status, row.attempts) for row in rows]


@pytest.fixture
def notify(
    service_database: Callable[..., str],
    smtp_port: int,
    amqp_uri: str,
    web_address: str,
    container_factory: Any,
    publish_event: Callable[..., dict[str, Any]],
) -> Iterator[Notify]:
    url = service_database("notify", metadata)
    container = container_factory(NotifyService)
    container.start()
    publish_event(
        OFFICE_REGISTERED,
        {"office_id": OFFICE, "name": "Office of Rep. Ana Lopez", "reply_to_email": REPLY_TO},
        office_id=OFFICE,
    )
    engine = create_engine(url)

    def office_known() -> bool:
        with engine.connect() as connection:
            query = select(offices.c.office_id).where(offices.c.office_id == OFFICE)
            return connection.execute(query).first() is not None

    wait_until(office_known, message="office projection not written")
    yield Notify(container, engine, amqp_uri, f"http://{web_address}", publish_event)
    engine.dispose()


def submission(submission_id: str, **overrides: Any) -> dict[str, Any]:
    payload = dict(SUBMISSION_RECEIVED.example, submission_id=submission_id)
    payload.update(overrides)
    return payload


def opened(submission_id: str, case_id: str = "case-1") -> dict[str, Any]:
    return dict(CASE_OPENED.example, submission_id=submission_id, case_id=case_id)


def one_message(
    messages_to: Callable[[str], list[EmailMessage]], address: str = "maria@example.org"
) -> EmailMessage:
    [message] = wait_until(lambda: messages_to(address), message="no acknowledgement arrived")
    time.sleep(0.5)  # a duplicate would arrive right behind the first
    [message] = messages_to(address)
    return message


# --- The messages about a case: one constituent's open case on each unit of work -------------


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db(db_backend: str, request: pytest.FixtureRequest) -> Iterator[Db]:
    if db_backend == "fake":
        yield fake_database()
        return
    url = request.getfixturevalue("service_database")("notify", metadata)
    engine = create_db_engine(url)
    yield DatabaseAccess(
        sessionmaker(engine, expire_on_commit=False),
        metadata,
        lambda: None,
        service="notify",
        unit_of_work_type=NotifyUnitOfWork,
        platform_sessions=sessionmaker(engine, expire_on_commit=False),
    )
    engine.dispose()


@pytest.fixture
def mailer(db: Db) -> FakeMailer:
    """A constituent, Maria, whose case is open and acknowledged (the acknowledgement is
    taken out of what was sent: these tests look at what comes after)."""
    mailer = FakeMailer()
    handle(db, mailer, office_registered())
    handle(db, mailer, submission_received(), at=WEDNESDAY_10AM)
    handle(db, mailer, case_opened(), at=WEDNESDAY_10AM)
    assert len(mailer.sent) == 1
    mailer.sent.clear()
    mailer.attempts = 0
    return mailer


@pytest.fixture
def sms_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmsProvider]:
    """The local fake of the SMS provider, over real HTTP on a free port, and notify's
    settings pointing at it (texts are on)."""
    fake = FakeSmsProvider().start()
    monkeypatch.setenv("CASEWORK_NOTIFY_SMS_URL", fake.url)
    monkeypatch.setenv("CASEWORK_NOTIFY_SMS_ACCOUNT", fake.account)
    monkeypatch.setenv("CASEWORK_NOTIFY_SMS_TOKEN", fake.token)
    monkeypatch.setenv("CASEWORK_NOTIFY_SMS_FROM", "+15005550006")
    yield fake
    fake.stop()


@pytest.fixture
def texter(sms_provider: FakeSmsProvider) -> Iterator[TwilioTexter]:
    """The provider adapter, configured as notify would be, answering within half a second."""
    settings = load_sms_settings()
    assert settings is not None
    made = TwilioTexter(dataclasses.replace(settings, read_timeout_seconds=0.5))
    yield made
    made.close()
