"""The Delivery aggregate: how an attempt starts, ends, and what it records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.contracts import ACKNOWLEDGEMENT_SENT, AcknowledgementSent
from services.notify.domain.acknowledgements import OpenedCase, first_acknowledgement
from services.notify.domain.delivery import (
    CLOSURE,
    AttemptSettledElsewhere,
    Cause,
    Delivery,
    DeliveryStatus,
    InvalidTransition,
)

NOW = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
LATER = NOW + timedelta(seconds=2)
CASE = OpenedCase("case-1", "sub-1", "CW-2026-000042", "K7QX-M2PD", NOW)


def sending() -> Delivery:
    return first_acknowledgement(CASE, now=NOW, sender_address="casework@mail.example.gov")


def test_a_first_attempt_is_sending_with_its_message_id_before_anything_is_sent() -> None:
    delivery = sending()
    assert (delivery.status, delivery.attempts, delivery.attempt_started_at) == (
        DeliveryStatus.SENDING,
        1,
        NOW,
    )
    assert delivery.message_id == f"<{delivery.delivery_id}@mail.example.gov>"
    assert delivery.idempotency_key == ("sub-1", "acknowledgement")
    assert delivery.pull_events() == []


def test_a_sent_acknowledgement_records_the_typed_event() -> None:
    delivery = sending()
    delivery.sent(1, at=LATER)

    assert (delivery.status, delivery.sent_at) == (DeliveryStatus.SENT, LATER)
    [event] = delivery.pull_events()
    assert event.contract is ACKNOWLEDGEMENT_SENT
    assert event.payload == AcknowledgementSent("case-1", "sub-1", "email", LATER)
    assert ACKNOWLEDGEMENT_SENT.dump(event.payload)["sent_at"] == LATER.isoformat()


def test_a_refused_attempt_may_be_retried_with_the_same_message_id() -> None:
    delivery = sending()
    first_id = delivery.message_id
    delivery.refused(1, "SMTPRecipientsRefused")
    assert (delivery.status, delivery.last_error) == (
        DeliveryStatus.FAILED,
        "SMTPRecipientsRefused",
    )

    delivery.retry(LATER, sender_address="casework@mail.example.gov")

    assert (delivery.status, delivery.attempts, delivery.attempt_started_at) == (
        DeliveryStatus.SENDING,
        2,
        LATER,
    )
    assert delivery.message_id == first_id
    assert delivery.pull_events() == []


@pytest.mark.parametrize(
    "status",
    [DeliveryStatus.SENT, DeliveryStatus.UNKNOWN, DeliveryStatus.UNDELIVERABLE],
)
def test_only_a_refused_delivery_is_retried(status: DeliveryStatus) -> None:
    delivery = sending()
    delivery.status = status
    with pytest.raises(InvalidTransition):
        delivery.retry(LATER, sender_address="casework@localhost")


def test_a_mailbox_refused_for_good_is_undeliverable_and_records_nothing() -> None:
    delivery = sending()
    delivery.undeliverable(1, "SMTPRecipientsRefused")
    assert delivery.status is DeliveryStatus.UNDELIVERABLE
    assert delivery.pull_events() == []


def test_a_send_cut_off_after_handing_over_is_unknown() -> None:
    delivery = sending()
    delivery.outcome_unknown(1, "SMTPServerDisconnected")
    assert (delivery.status, delivery.last_error) == (
        DeliveryStatus.UNKNOWN,
        "SMTPServerDisconnected",
    )


def test_an_attempt_given_up_as_cut_off_is_corrected_when_its_worker_reports_back() -> None:
    delivery = sending()
    delivery.give_up_cut_off()
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.UNKNOWN, "CutOff")

    delivery.sent(1, at=LATER)

    assert delivery.status is DeliveryStatus.SENT
    assert [e.contract for e in delivery.pull_events()] == [ACKNOWLEDGEMENT_SENT]


def test_only_a_sending_delivery_can_be_given_up_as_cut_off() -> None:
    delivery = sending()
    delivery.sent(1, at=LATER)
    with pytest.raises(InvalidTransition):
        delivery.give_up_cut_off()


def test_an_older_attempt_cannot_settle_a_newer_one() -> None:
    delivery = sending()
    delivery.refused(1, "ConnectionRefusedError")
    delivery.retry(LATER, sender_address="casework@localhost")

    with pytest.raises(AttemptSettledElsewhere):
        delivery.sent(1, at=LATER)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENDING, 2)
    assert delivery.pull_events() == []


def test_a_settled_attempt_is_not_settled_twice() -> None:
    delivery = sending()
    delivery.sent(1, at=LATER)
    delivery.pull_events()
    with pytest.raises(AttemptSettledElsewhere):
        delivery.sent(1, at=LATER)
    with pytest.raises(AttemptSettledElsewhere):
        delivery.refused(1, "SMTPServerDisconnected")
    assert delivery.status is DeliveryStatus.SENT
    assert delivery.pull_events() == []


def test_a_swept_message_not_yet_sent_is_skipped_and_the_sweep_looks_at_it_no_more() -> None:
    cause = Cause("sub-1", "case-1", CLOSURE, "email", "evt-1")
    waiting = Delivery.queued(cause, now=NOW, send_after=LATER, content="{}")
    waiting.skip("the constituent asked for no email")
    assert (waiting.status, waiting.skip_reason, waiting.send_after, waiting.attempts) == (
        DeliveryStatus.SKIPPED,
        "the constituent asked for no email",
        None,
        0,
    )

    refused = Delivery.queued(cause, now=NOW, send_after=NOW, content="{}")
    refused.start(NOW, sender_address="casework@localhost", lease=timedelta(seconds=15))
    refused.refused(1, "SMTPServerDisconnected", at=NOW)
    assert refused.send_after is not None  # its retry was due
    refused.skip("the constituent asked for no email")
    assert (refused.status, refused.send_after) == (DeliveryStatus.SKIPPED, None)

    for started in (sending(), waiting):  # in flight, or settled already: not skipped
        with pytest.raises(InvalidTransition):
            started.skip("the constituent asked for no email")
