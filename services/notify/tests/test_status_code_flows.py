"""Mailing the status-page code through notify's handlers with a fake mail transport, over the
fake unit of work and both databases: once per request, never once expired, and never a trace
of the code or the address outside the email."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from services.chassis.envelope import safe_reason
from services.chassis.errors import TransientError
from services.chassis.events import IncomingEvent
from services.notify import handlers
from services.notify.domain.delivery import STATUS_CODE, Delivery, DeliveryStatus
from services.notify.mail import SendRefused
from services.notify.tests.events import (
    OFFICE,
    case_opened,
    handle,
    office_registered,
    status_code_requested,
    submission_received,
)
from services.notify.tests.fakes import FakeMailer, WorkerKilled
from services.notify.tests.flow_support import Db, deliveries_of_case
from services.notify.tests.test_flows import db, db_backend, mailer

__all__ = ["db", "db_backend", "mailer"]  # the flow tests' fixtures: fake and both databases

CODE = "482913"
ADDRESS = "maria@example.org"


def code_delivery(db: Db, event: IncomingEvent[Any]) -> Delivery:
    with db.unit_of_work(office_id=OFFICE) as uow:
        delivery = uow.deliveries.for_cause(event.event_id, STATUS_CODE)
    assert delivery is not None, "no delivery was committed"
    return delivery


def counted(metric: str, kind: str = STATUS_CODE) -> float:
    labels = {"channel": "email", "kind": kind}
    return REGISTRY.get_sample_value(f"casework_notify_{metric}_total", labels) or 0.0


def mail(db: Db, mailer: FakeMailer, event: IncomingEvent[Any], at: datetime | None = None) -> None:
    handlers.mail_status_code(db, mailer, event, clock=lambda: at or datetime.now(UTC))


def test_the_code_is_mailed_in_spanish_to_the_address_in_the_request(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, office_registered())
    handle(db, mailer, submission_received(preferred_language="es", constituent_name="María"))
    before = counted("messages_sent")
    event = status_code_requested()

    mail(db, mailer, event)

    [email] = mailer.sent
    assert email.to_address == ADDRESS
    assert email.subject == "Su código para ver su solicitud K7QX-M2PD"
    assert email.body.startswith("Estimado/a María:\n")
    assert "Su código para ver su solicitud K7QX-M2PD es 482913. Es válido durante" in email.body
    assert email.sender_name == "Office of Rep. Ana Lopez"
    delivery = code_delivery(db, event)
    assert (delivery.kind, delivery.status, delivery.attempts) == (STATUS_CODE, "sent", 1)
    assert delivery.case_id is None, "no case is open yet"
    assert delivery.message_id == email.message_id
    assert counted("messages_sent") == before + 1


def test_the_code_is_mailed_in_english_when_asked_in_english(db: Db, mailer: FakeMailer) -> None:
    mail(db, mailer, status_code_requested(preferred_language="en"))

    [email] = mailer.sent
    assert email.subject == "Your code to see your request K7QX-M2PD"
    assert "is 482913. It works for 15 minutes." in email.body


def test_a_redelivered_request_mails_the_code_once_and_a_new_request_mails_again(
    db: Db, mailer: FakeMailer
) -> None:
    event = status_code_requested()
    for _ in range(3):
        mail(db, mailer, event)
    assert len(mailer.sent) == 1

    again = status_code_requested(code="130577")  # the constituent asked once more
    mail(db, mailer, again)

    assert [CODE in e.body for e in mailer.sent] == [True, False]
    assert "130577" in mailer.sent[1].body
    assert code_delivery(db, event).delivery_id != code_delivery(db, again).delivery_id


def test_an_expired_code_is_recorded_as_skipped_and_never_mailed(
    db: Db, mailer: FakeMailer
) -> None:
    before = counted("messages_skipped")
    event = status_code_requested(expires_at=datetime.now(UTC) - timedelta(seconds=1))

    mail(db, mailer, event)
    mail(db, mailer, event)

    assert mailer.attempts == 0
    delivery = code_delivery(db, event)
    assert (delivery.status, delivery.skip_reason, delivery.attempts) == (
        "skipped",
        "code expired",
        0,
    )
    assert counted("messages_skipped") == before + 1


def test_a_code_refused_for_now_is_retried_while_it_works(db: Db, mailer: FakeMailer) -> None:
    event = status_code_requested()
    mailer.fail_next(SendRefused("SMTPServerDisconnected"))

    with pytest.raises(TransientError) as refused:
        mail(db, mailer, event)
    assert code_delivery(db, event).status == "failed"
    mail(db, mailer, event)

    [email] = mailer.sent
    assert CODE in email.body
    delivery = code_delivery(db, event)
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert CODE not in safe_reason(refused.value) and ADDRESS not in safe_reason(refused.value)


def test_a_code_refused_until_it_expired_is_skipped_not_sent_late(
    db: Db, mailer: FakeMailer
) -> None:
    expires_at = datetime.now(UTC) + timedelta(minutes=15)
    event = status_code_requested(expires_at=expires_at)
    mailer.fail_next(SendRefused("ConnectionRefusedError"))
    with pytest.raises(TransientError):
        mail(db, mailer, event)

    mail(db, mailer, event, at=expires_at + timedelta(seconds=1))

    assert mailer.sent == []
    delivery = code_delivery(db, event)
    assert (delivery.status, delivery.skip_reason, delivery.attempts) == (
        "skipped",
        "code expired",
        1,
    )
    assert delivery.last_error == "ConnectionRefusedError"


def test_a_code_left_mid_send_is_sent_again_as_itself_while_it_works(
    db: Db, mailer: FakeMailer
) -> None:
    event = status_code_requested()
    mailer.fail_next(WorkerKilled())
    with pytest.raises(WorkerKilled):
        mail(db, mailer, event)

    with pytest.raises(TransientError):
        mail(db, mailer, event)  # it may still be on its way from another worker
    mail(db, mailer, event, at=datetime.now(UTC) + timedelta(minutes=2))
    mail(db, mailer, event, at=datetime.now(UTC) + timedelta(minutes=2))

    delivery = code_delivery(db, event)
    assert (mailer.attempts, len(mailer.sent)) == (2, 1)
    assert mailer.sent[0].message_id == delivery.message_id
    assert (delivery.status, delivery.resent_in_doubt) == (DeliveryStatus.SENT, 1)


def test_a_code_left_mid_send_past_its_expiry_is_given_up_not_resent(
    db: Db, mailer: FakeMailer
) -> None:
    event = status_code_requested()
    mailer.fail_next(WorkerKilled())
    with pytest.raises(WorkerKilled):
        mail(db, mailer, event)

    mail(db, mailer, event, at=datetime.now(UTC) + timedelta(hours=2))

    assert (mailer.attempts, mailer.sent) == (1, [])
    assert code_delivery(db, event).status == DeliveryStatus.UNKNOWN


def test_a_code_asked_for_once_the_case_is_open_is_listed_with_the_case(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, submission_received())
    handle(db, mailer, case_opened())
    mail(db, mailer, status_code_requested())

    kinds = [(d.kind, d.status) for d in deliveries_of_case(db)]
    assert kinds == [("acknowledgement", "sent"), (STATUS_CODE, "sent")]


def test_a_batch_mails_each_code_and_fails_only_the_one_refused(db: Db, mailer: FakeMailer) -> None:
    events = [status_code_requested(f"sub-{n}", code=f"10000{n}") for n in range(3)]
    mailer.fail_next(SendRefused("SMTPServerDisconnected"))

    failures = handlers.mail_status_codes(db, mailer, events)

    [refused] = failures
    assert isinstance(failures[refused], TransientError)
    assert len(mailer.sent) == 2
    retried = [event for event in events if event.event_id == refused]
    assert handlers.mail_status_codes(db, mailer, events) == {}
    assert handlers.mail_status_codes(db, mailer, retried) == {}
    assert sorted(e.body.split(" es ")[1][:6] for e in mailer.sent) == [
        "100000",
        "100001",
        "100002",
    ]


def test_nothing_logged_holds_the_code_or_the_address(
    db: Db, mailer: FakeMailer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sent, refused, expired = (
        status_code_requested("sub-1"),
        status_code_requested("sub-2"),
        status_code_requested("sub-3", expires_at=datetime.now(UTC) - timedelta(minutes=1)),
    )
    mail(db, mailer, sent)
    mailer.fail_next(SendRefused("SMTPRecipientsRefused", permanent=True))
    mail(db, mailer, refused)
    mail(db, mailer, expired)

    assert code_delivery(db, refused).status == "undeliverable"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "status_code delivery" in logged, "the sends were logged"
    assert CODE not in logged and ADDRESS not in logged and "example.org" not in logged
