"""The service layer with a fake mail transport, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.chassis.db import DatabaseAccess, IncomingEvent, create_db_engine
from services.chassis.errors import TransientError
from services.chassis.messaging import decode_event
from services.chassis.testing import envelope
from services.contracts import (
    ACKNOWLEDGEMENT_SENT,
    CASE_OPENED,
    OFFICE_REGISTERED,
    SUBMISSION_RECEIVED,
    EventContract,
)
from services.notify import handlers
from services.notify.mail import SendOutcomeUnknown, SendRefused
from services.notify.models import Base, Delivery
from services.notify.tests.fakes import FakeMailer, WorkerKilled

OFFICE = "rep-lopez"


@pytest.fixture
def db(service_database: Callable[..., str]) -> Iterator[DatabaseAccess]:
    engine = create_db_engine(service_database("notify", Base.metadata))
    yield DatabaseAccess(sessionmaker(engine, expire_on_commit=False), Base.metadata, lambda: None)
    engine.dispose()


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


def event(
    contract: EventContract, payload: dict[str, Any], office_id: str = OFFICE
) -> IncomingEvent:
    return decode_event(envelope(contract, payload, office_id=office_id), contract)


def submission_received(submission_id: str = "sub-1", **overrides: Any) -> IncomingEvent:
    payload = dict(SUBMISSION_RECEIVED.example, submission_id=submission_id)
    payload.update(overrides)
    return event(SUBMISSION_RECEIVED, payload)


def case_opened(submission_id: str = "sub-1", case_id: str = "case-1") -> IncomingEvent:
    return event(
        CASE_OPENED, dict(CASE_OPENED.example, submission_id=submission_id, case_id=case_id)
    )


def office_registered(name: str = "Office of Rep. Ana Lopez") -> IncomingEvent:
    return event(
        OFFICE_REGISTERED,
        {"office_id": OFFICE, "name": name, "reply_to_email": "casework@lopez.example.gov"},
    )


def deliveries(db: DatabaseAccess) -> list[Delivery]:
    with db.read() as session:
        rows = list(session.scalars(select(Delivery)).all())
        session.expunge_all()  # keep the loaded values past the read's rollback
        return rows


def sent_events(db: DatabaseAccess) -> list[dict[str, Any]]:
    outbox = Base.metadata.tables["outbox"]
    with db.read() as session:
        rows = session.execute(select(outbox.c.event_type, outbox.c.payload)).all()
    return [
        json.loads(row.payload) for row in rows if row.event_type == ACKNOWLEDGEMENT_SENT.event_type
    ]


def test_the_acknowledgement_goes_out_when_the_case_opens_after_the_submission_arrived(
    db: DatabaseAccess, mailer: FakeMailer
) -> None:
    handlers.record_office(db, office_registered())
    handlers.record_recipient(db, mailer, submission_received())
    assert mailer.sent == []

    handlers.record_case_opened(db, mailer, case_opened())

    [email] = mailer.sent
    assert email.to_address == "maria@example.org"
    assert email.reply_to == "casework@lopez.example.gov"
    assert "K7QX-M2PD" in email.subject and "CW-2026-000042" in email.body
    [delivery] = deliveries(db)
    assert (delivery.status, delivery.attempts, delivery.case_id) == ("sent", 1, "case-1")
    assert delivery.sent_at is not None and delivery.message_id == email.message_id
    assert sent_events(db) == [
        {
            "case_id": "case-1",
            "submission_id": "sub-1",
            "channel": "email",
            "sent_at": delivery.sent_at.isoformat(),
        }
    ]


def test_the_acknowledgement_goes_out_when_the_submission_arrives_after_the_case_opened(
    db: DatabaseAccess, mailer: FakeMailer
) -> None:
    handlers.record_case_opened(db, mailer, case_opened())
    assert mailer.sent == []
    assert deliveries(db) == []

    handlers.record_recipient(db, mailer, submission_received())

    assert len(mailer.sent) == 1
    assert [d.status for d in deliveries(db)] == ["sent"]
    assert len(sent_events(db)) == 1


def test_without_the_office_registration_the_mail_still_goes_under_a_generic_name(
    db: DatabaseAccess, mailer: FakeMailer
) -> None:
    handlers.record_recipient(db, mailer, submission_received())
    handlers.record_case_opened(db, mailer, case_opened())

    [email] = mailer.sent
    assert email.sender_name == "Constituent Services"
    assert email.sender_address == "casework@localhost"


def test_a_constituent_without_an_email_address_is_recorded_as_skipped(
    db: DatabaseAccess, mailer: FakeMailer
) -> None:
    handlers.record_recipient(db, mailer, submission_received(contact_email=None))
    handlers.record_case_opened(db, mailer, case_opened())

    assert mailer.attempts == 0
    [delivery] = deliveries(db)
    assert (delivery.status, delivery.skip_reason, delivery.attempts) == (
        "skipped",
        "no email address",
        0,
    )
    assert sent_events(db) == []


def test_a_case_opened_event_handled_twice_sends_one_email(
    db: DatabaseAccess, mailer: FakeMailer
) -> None:
    handlers.record_recipient(db, mailer, submission_received())
    opened = case_opened()

    handlers.record_case_opened(db, mailer, opened)
    handlers.record_case_opened(db, mailer, opened)
    handlers.record_case_opened(db, mailer, case_opened())  # re-published under a new event id
    handlers.record_recipient(db, mailer, submission_received())

    assert len(mailer.sent) == 1
    assert len(deliveries(db)) == 1
    assert len(sent_events(db)) == 1


def test_a_refused_send_is_counted_retried_and_then_sent_exactly_once(
    db: DatabaseAccess, mailer: FakeMailer
) -> None:
    handlers.record_recipient(db, mailer, submission_received())
    opened = case_opened()
    mailer.fail_next(SendRefused("ConnectionRefusedError"), SendRefused("SMTPRecipientsRefused"))

    for expected_attempts in (1, 2):
        with pytest.raises(TransientError):
            handlers.record_case_opened(db, mailer, opened)
        [delivery] = deliveries(db)
        assert delivery.status == "failed"
        assert delivery.attempts == expected_attempts
        assert delivery.sent_at is None
    assert delivery.last_error == "SMTPRecipientsRefused"
    assert sent_events(db) == []

    handlers.record_case_opened(db, mailer, opened)  # the retried event
    handlers.record_case_opened(db, mailer, opened)  # and a stray redelivery

    assert len(mailer.sent) == 1
    [delivery] = deliveries(db)
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert len(sent_events(db)) == 1


def test_the_retry_of_a_refused_send_can_come_from_the_other_event(
    db: DatabaseAccess, mailer: FakeMailer
) -> None:
    handlers.record_case_opened(db, mailer, case_opened())
    received = submission_received()
    mailer.fail_next(SendRefused("SMTPServerDisconnected"))

    with pytest.raises(TransientError):
        handlers.record_recipient(db, mailer, received)
    handlers.record_recipient(db, mailer, received)

    assert len(mailer.sent) == 1
    assert [d.status for d in deliveries(db)] == ["sent"]


def test_a_delivery_left_mid_send_by_a_killed_worker_is_marked_unknown_not_resent(
    db: DatabaseAccess, mailer: FakeMailer
) -> None:
    handlers.record_recipient(db, mailer, submission_received())
    opened = case_opened()
    mailer.fail_next(WorkerKilled())
    with pytest.raises(WorkerKilled):
        handlers.record_case_opened(db, mailer, opened)
    assert [d.status for d in deliveries(db)] == ["sending"]

    later = datetime.now(UTC) + timedelta(minutes=5)
    handlers.record_case_opened(db, mailer, opened, clock=lambda: later)
    handlers.record_case_opened(db, mailer, opened, clock=lambda: later)

    assert mailer.attempts == 1 and mailer.sent == []
    [delivery] = deliveries(db)
    assert (delivery.status, delivery.attempts) == ("unknown", 1)
    assert sent_events(db) == []


def test_a_send_still_in_progress_elsewhere_is_left_alone_and_checked_later(
    db: DatabaseAccess, mailer: FakeMailer
) -> None:
    handlers.record_recipient(db, mailer, submission_received())
    opened = case_opened()
    mailer.fail_next(WorkerKilled())
    with pytest.raises(WorkerKilled):
        handlers.record_case_opened(db, mailer, opened)

    with pytest.raises(TransientError):
        handlers.record_case_opened(db, mailer, opened)

    assert mailer.attempts == 1
    assert [d.status for d in deliveries(db)] == ["sending"]


def test_a_send_cut_off_after_the_message_was_handed_over_is_never_retried(
    db: DatabaseAccess, mailer: FakeMailer
) -> None:
    handlers.record_recipient(db, mailer, submission_received())
    opened = case_opened()
    mailer.fail_next(SendOutcomeUnknown("SMTPServerDisconnected"))

    handlers.record_case_opened(db, mailer, opened)
    handlers.record_case_opened(db, mailer, opened)

    assert mailer.attempts == 1
    [delivery] = deliveries(db)
    assert (delivery.status, delivery.last_error) == ("unknown", "SMTPServerDisconnected")


def test_a_spanish_speaking_constituent_is_acknowledged_in_spanish(
    db: DatabaseAccess, mailer: FakeMailer
) -> None:
    handlers.record_recipient(db, mailer, submission_received(preferred_language="es"))
    handlers.record_case_opened(db, mailer, case_opened())

    [email] = mailer.sent
    assert email.subject.startswith("Recibimos su solicitud")
    assert "Su código de seguimiento: K7QX-M2PD" in email.body


def test_a_renamed_office_signs_later_mail_with_its_new_name(
    db: DatabaseAccess, mailer: FakeMailer
) -> None:
    handlers.record_office(db, office_registered())
    handlers.record_office(db, office_registered("Office of Senator Ana Lopez"))
    handlers.record_recipient(db, mailer, submission_received())
    handlers.record_case_opened(db, mailer, case_opened())

    assert mailer.sent[0].sender_name == "Office of Senator Ana Lopez"


def test_deliveries_are_listed_per_case_within_the_office_only(
    db: DatabaseAccess, mailer: FakeMailer
) -> None:
    handlers.record_recipient(db, mailer, submission_received())
    handlers.record_case_opened(db, mailer, case_opened())
    other_submission = str(uuid.uuid4())
    handlers.record_recipient(db, mailer, submission_received(other_submission))
    handlers.record_case_opened(db, mailer, case_opened(other_submission, "case-2"))

    [view] = handlers.list_deliveries(db, OFFICE, "case-1")
    assert (view.kind, view.channel, view.status, view.attempts) == (
        "acknowledgement",
        "email",
        "sent",
        1,
    )
    assert view.sent_at is not None and view.created_at <= view.sent_at
    assert handlers.list_deliveries(db, "rep-someone-else", "case-1") == []


def test_a_mailbox_refused_for_good_is_settled_as_undeliverable_and_never_retried(
    db: DatabaseAccess, mailer: FakeMailer
) -> None:
    handlers.record_recipient(db, mailer, submission_received())
    opened = case_opened()
    mailer.fail_next(SendRefused("SMTPRecipientsRefused", permanent=True))

    handlers.record_case_opened(db, mailer, opened)  # no TransientError: nothing to retry
    handlers.record_case_opened(db, mailer, opened)  # a redelivery sends nothing either

    [delivery] = deliveries(db)
    assert (delivery.status, delivery.attempts) == ("undeliverable", 1)
    assert delivery.last_error == "SMTPRecipientsRefused"
    assert mailer.sent == []
    assert sent_events(db) == []
