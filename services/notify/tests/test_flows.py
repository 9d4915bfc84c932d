"""Notify's handlers with a fake mail transport, over each unit of work: the fake one (no
database, milliseconds) and the real one on SQLite and PostgreSQL. The same flows on all
three keep the fake honest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import sessionmaker

from services.chassis.db import create_db_engine
from services.chassis.errors import PermanentMessageError, TransientError
from services.chassis.uow import DatabaseAccess
from services.contracts import AcknowledgementSent
from services.notify import handlers
from services.notify.domain.acknowledgements import OutgoingEmail
from services.notify.domain.delivery import (
    ACKNOWLEDGEMENT,
    IN_DOUBT_RESENDS,
    Delivery,
    DeliveryStatus,
)
from services.notify.mail import SendOutcomeUnknown, SendRefused
from services.notify.models import metadata
from services.notify.ports import DeliveryChangedElsewhere
from services.notify.repository import NotifyUnitOfWork
from services.notify.tests.events import (
    ELSEWHERE,
    OFFICE,
    case_opened,
    handle,
    office_registered,
    submission_received,
)
from services.notify.tests.fakes import FakeDeliveries, FakeMailer, WorkerKilled, fake_database
from services.notify.tests.flow_support import Db, announced, deliveries_of_case, delivery_of


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
    )
    engine.dispose()


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


def test_the_acknowledgement_goes_out_when_the_case_opens_after_the_submission_arrived(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, office_registered())
    handle(db, mailer, submission_received())
    assert mailer.sent == []
    opened = case_opened()

    handle(db, mailer, opened)

    [email] = mailer.sent
    assert email.to_address == "maria@example.org"
    assert email.reply_to == "casework@lopez.example.gov"
    assert "K7QX-M2PD" in email.subject and "CW-2026-000042" in email.body
    delivery = delivery_of(db)
    assert (delivery.status, delivery.attempts, delivery.case_id) == ("sent", 1, "case-1")
    assert delivery.sent_at is not None and delivery.message_id == email.message_id
    assert announced(db) == [
        (AcknowledgementSent("case-1", "sub-1", "email", delivery.sent_at), opened.event_id)
    ]


def test_the_acknowledgement_goes_out_when_the_submission_arrives_after_the_case_opened(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, case_opened())
    assert mailer.sent == []
    assert deliveries_of_case(db) == []

    handle(db, mailer, submission_received())

    assert len(mailer.sent) == 1
    assert [d.status for d in deliveries_of_case(db)] == ["sent"]
    assert len(announced(db)) == 1


def test_without_the_office_registration_the_mail_still_goes_under_a_generic_name(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, submission_received())
    handle(db, mailer, case_opened())

    [email] = mailer.sent
    assert (email.sender_name, email.reply_to) == ("Constituent Services", None)
    assert email.sender_address == "casework@localhost"


def test_a_spanish_speaking_constituent_is_acknowledged_in_spanish(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, submission_received(preferred_language="es"))
    handle(db, mailer, case_opened())

    [email] = mailer.sent
    assert email.sender_name == "Servicios al Constituyente"
    assert email.subject.startswith("Recibimos su solicitud")
    assert "Su código de seguimiento: K7QX-M2PD" in email.body


def test_a_constituent_without_an_email_address_is_recorded_as_skipped(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, submission_received(contact_email=None))
    handle(db, mailer, case_opened())

    assert mailer.attempts == 0
    delivery = delivery_of(db)
    assert (delivery.status, delivery.skip_reason, delivery.attempts) == (
        "skipped",
        "no email address",
        0,
    )
    assert announced(db) == []


def test_replayed_events_send_at_most_once(db: Db, mailer: FakeMailer) -> None:
    received, opened = submission_received(), case_opened()

    for event in (received, opened, opened, received):
        handle(db, mailer, event)
    handle(db, mailer, case_opened())  # re-published under new event ids
    handle(db, mailer, submission_received())

    assert len(mailer.sent) == 1
    assert len(deliveries_of_case(db)) == 1
    assert len(announced(db)) == 1


@settings(max_examples=50, deadline=None)
@given(order=st.permutations(["received", "opened", "received again", "opened anew"]))
def test_any_order_of_replayed_events_sends_exactly_one_acknowledgement(order: list[str]) -> None:
    db, mailer = fake_database(), FakeMailer()
    received = submission_received()
    events = {
        "received": received,
        "opened": case_opened(),
        "received again": received,
        "opened anew": case_opened(),  # the same case re-published under a new event id
    }
    for name in order:
        handle(db, mailer, events[name])
    assert len(mailer.sent) == 1
    assert [d.status for d in deliveries_of_case(db)] == ["sent"]


def test_a_refused_send_is_counted_retried_and_then_sent_exactly_once(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, submission_received())
    opened = case_opened()
    mailer.fail_next(SendRefused("ConnectionRefusedError"), SendRefused("SMTPRecipientsRefused"))

    for expected_attempts in (1, 2):
        with pytest.raises(TransientError):
            handle(db, mailer, opened)
        delivery = delivery_of(db)
        assert (delivery.status, delivery.attempts) == ("failed", expected_attempts)
        assert delivery.sent_at is None
    assert delivery.last_error == "SMTPRecipientsRefused"
    assert announced(db) == []

    handle(db, mailer, opened)  # the retried event
    handle(db, mailer, opened)  # and a stray redelivery

    [email] = mailer.sent
    delivery = delivery_of(db)
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert delivery.message_id == email.message_id
    assert len(announced(db)) == 1


def test_the_retry_of_a_refused_send_can_come_from_the_other_event(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, case_opened())
    received = submission_received()
    mailer.fail_next(SendRefused("SMTPServerDisconnected"))

    with pytest.raises(TransientError):
        handle(db, mailer, received)
    handle(db, mailer, received)

    assert len(mailer.sent) == 1
    assert delivery_of(db).status == "sent"


def test_a_mailbox_refused_for_good_is_settled_as_undeliverable_and_never_retried(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, submission_received())
    opened = case_opened()
    mailer.fail_next(SendRefused("SMTPRecipientsRefused", permanent=True))

    handle(db, mailer, opened)  # no TransientError: nothing to retry
    handle(db, mailer, opened)  # a redelivery sends nothing either

    delivery = delivery_of(db)
    assert (delivery.status, delivery.attempts) == ("undeliverable", 1)
    assert delivery.last_error == "SMTPRecipientsRefused"
    assert (mailer.attempts, mailer.sent, announced(db)) == (1, [], [])


def test_a_send_cut_off_after_the_message_was_handed_over_is_sent_again_as_itself(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, submission_received())
    opened = case_opened()
    mailer.fail_next(SendOutcomeUnknown("SMTPServerDisconnected"))

    with pytest.raises(TransientError):  # in doubt: the event comes back
        handle(db, mailer, opened)
    assert (delivery_of(db).status, delivery_of(db).last_error) == (
        "unknown",
        "SMTPServerDisconnected",
    )
    handle(db, mailer, opened)
    handle(db, mailer, opened)  # a redelivery after it went sends nothing more

    delivery = delivery_of(db)
    assert (mailer.attempts, len(mailer.sent)) == (2, 1)
    assert mailer.sent[0].message_id == delivery.message_id
    assert (delivery.status, delivery.attempts, delivery.resent_in_doubt) == ("sent", 2, 1)
    [(acknowledged, _)] = announced(db)
    assert acknowledged.resent_after_doubt is True


def test_a_delivery_left_mid_send_is_checked_later_then_sent_again_as_itself(
    db: Db, mailer: FakeMailer
) -> None:
    """The defect measured under SIGKILL: notify marked an acknowledgement `sending` and was
    killed before the mail server answered; the constituent must not be left with nothing."""
    handle(db, mailer, submission_received())
    opened = case_opened()
    mailer.fail_next(WorkerKilled())
    with pytest.raises(WorkerKilled):
        handle(db, mailer, opened)
    assert delivery_of(db).status == "sending"
    killed_message_id = delivery_of(db).message_id

    with pytest.raises(TransientError):  # the send may still be in progress elsewhere
        handle(db, mailer, opened)
    assert delivery_of(db).status == "sending"
    later = datetime.now(UTC) + timedelta(minutes=5)
    handle(db, mailer, opened, at=later)
    handle(db, mailer, opened, at=later)

    delivery = delivery_of(db)
    assert (mailer.attempts, len(mailer.sent)) == (2, 1)
    assert mailer.sent[0].message_id == killed_message_id == delivery.message_id
    assert (delivery.status, delivery.attempts, delivery.resent_in_doubt) == ("sent", 2, 1)
    assert len(announced(db)) == 1


def test_a_delivery_cut_off_every_time_is_resent_a_bounded_number_of_times(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, submission_received())
    opened = case_opened()
    mailer.fail_next(*(SendOutcomeUnknown("SMTPServerDisconnected") for _ in range(5)))

    for _ in range(IN_DOUBT_RESENDS + 1):
        with pytest.raises(TransientError):
            handle(db, mailer, opened)
    handle(db, mailer, opened)  # given up: nothing more is tried
    handle(db, mailer, opened)

    delivery = delivery_of(db)
    assert mailer.attempts == IN_DOUBT_RESENDS + 1
    assert (delivery.status, delivery.resent_in_doubt) == ("unknown", IN_DOUBT_RESENDS)
    assert announced(db) == []


class SlowMailer(FakeMailer):
    """Lets another worker act while the message is being handed over."""

    def __init__(self, meanwhile: Any) -> None:
        super().__init__()
        self.meanwhile = meanwhile

    def send(self, email: OutgoingEmail) -> None:
        self.meanwhile()
        super().send(email)


def test_a_slow_send_resent_elsewhere_goes_twice_under_one_message_id(db: Db) -> None:
    """A worker slower than the lease: another resends it (same Message-ID), and the slow
    one's late outcome is left alone (its attempt is no longer the open one)."""
    other = FakeMailer()
    handle(db, other, submission_received())
    later = datetime.now(UTC) + timedelta(minutes=5)

    def resend_meanwhile() -> None:
        handle(db, other, case_opened(), at=later)
        assert delivery_of(db).status == "sent"

    mailer = SlowMailer(resend_meanwhile)
    handle(db, mailer, case_opened())

    assert (len(mailer.sent), len(other.sent)) == (1, 1)
    assert mailer.sent[0].message_id == other.sent[0].message_id
    delivery = delivery_of(db)
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert len(announced(db)) == 1


def test_an_attempt_overtaken_elsewhere_is_left_as_it_is(db: Db) -> None:
    handle(db, FakeMailer(), submission_received())

    def overtake() -> None:  # another worker saw it refused and started attempt 2
        with db.unit_of_work(office_id=OFFICE) as uow:
            delivery = uow.deliveries.for_cause("sub-1", ACKNOWLEDGEMENT)
            assert delivery is not None
            delivery.refused(1, "ConnectionRefusedError")
            delivery.retry(datetime.now(UTC), sender_address="casework@localhost")
            uow.deliveries.save(delivery)
            uow.commit()

    mailer = SlowMailer(overtake)
    handle(db, mailer, case_opened())

    assert len(mailer.sent) == 1
    delivery = delivery_of(db)
    assert (delivery.status, delivery.attempts) == ("sending", 2)
    assert announced(db) == []


def test_a_worker_that_loses_the_race_to_create_the_delivery_leaves_the_send_to_the_winner(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Fake only: on SQLite's single connection the winner could not run inside the loser.
    db, mailer, winner = fake_database(), FakeMailer(), FakeMailer()
    handle(db, mailer, submission_received())
    add = FakeDeliveries.add

    def lose_the_race(self: FakeDeliveries, delivery: Delivery) -> None:
        monkeypatch.setattr(FakeDeliveries, "add", add)
        winner.fail_next(WorkerKilled())  # the winner is mid-send when the loser looks again
        with pytest.raises(WorkerKilled):
            handlers.acknowledge(db, winner, case_opened())
        raise DeliveryChangedElsewhere("the winner committed first")

    monkeypatch.setattr(FakeDeliveries, "add", lose_the_race)
    with pytest.raises(TransientError):
        handle(db, mailer, case_opened())

    assert (mailer.attempts, winner.attempts) == (0, 1)
    assert delivery_of(db).status is DeliveryStatus.SENDING


def test_a_renamed_office_signs_later_mail_with_its_new_name(db: Db, mailer: FakeMailer) -> None:
    handle(db, mailer, office_registered())
    handle(db, mailer, office_registered("Office of Senator Ana Lopez"))
    handle(db, mailer, submission_received())
    handle(db, mailer, case_opened())

    assert mailer.sent[0].sender_name == "Office of Senator Ana Lopez"


def test_an_office_registration_in_another_offices_envelope_is_refused(db: Db) -> None:
    with pytest.raises(PermanentMessageError):
        handle(db, FakeMailer(), office_registered(office_id=ELSEWHERE))

    for office in (OFFICE, ELSEWHERE):
        with db.unit_of_work(office_id=office) as uow:
            assert uow.offices.sender() is None


def test_deliveries_are_listed_per_case_within_the_office_only(db: Db, mailer: FakeMailer) -> None:
    handle(db, mailer, submission_received())
    handle(db, mailer, case_opened())
    handle(db, mailer, submission_received("sub-2"))
    handle(db, mailer, case_opened("sub-2", "case-2"))
    # The same case id in another office, for a constituent without an email address.
    handle(db, mailer, submission_received("sub-3", ELSEWHERE, contact_email=None))
    handle(db, mailer, case_opened("sub-3", "case-1", ELSEWHERE))

    [view] = handlers.list_deliveries(db, OFFICE, "case-1")
    assert (view.kind, view.channel, view.status, view.attempts, view.submission_id) == (
        "acknowledgement",
        "email",
        "sent",
        1,
        "sub-1",
    )
    assert view.sent_at is not None and view.created_at <= view.sent_at
    [other] = handlers.list_deliveries(db, ELSEWHERE, "case-1")
    assert (other.submission_id, other.status) == ("sub-3", "skipped")
    assert handlers.list_deliveries(db, "rep-nobody", "case-1") == []
