"""The one-time status-page code: when it is mailed, and the email it is mailed in, without I/O."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notify.domain.acknowledgements import OfficeSender, OutgoingEmail, Recipient
from services.notify.domain.delivery import (
    STATUS_CODE,
    Delivery,
    DeliveryStatus,
    InvalidTransition,
    NextStep,
)
from services.notify.domain.status_codes import (
    CODE_EXPIRED,
    StatusCodeRequest,
    expired_status_code,
    first_status_code,
    next_step,
)
from services.notify.messages import compose_status_code

NOW = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
LEASE = timedelta(seconds=60)
# As intake makes it: 15 minutes from the moment it was asked for, sent a moment later.
REQUEST = StatusCodeRequest(
    request_id="evt-1",
    submission_id="sub-1",
    tracking_code="K7QX-M2PD",
    contact_email="maria@example.org",
    preferred_language="es",
    code="482913",
    expires_at=NOW + timedelta(minutes=15) - timedelta(seconds=2),
)
IN_ENGLISH = dataclasses.replace(REQUEST, preferred_language="en")
MARIA = Recipient("sub-1", "c-1", "María López", "maria@example.org", "es", "K7QX-M2PD", NOW)
OFFICE = OfficeSender("Office of Rep. Ana Lopez", "casework@lopez.example.gov")


def step(
    request: StatusCodeRequest = REQUEST, state: Delivery | None = None, now: datetime = NOW
) -> NextStep:
    return next_step(request, state, now=now, send_lease=LEASE)


def delivery(status: DeliveryStatus, started: datetime = NOW) -> Delivery:
    attempt = first_status_code(REQUEST, None, now=NOW, sender_address="casework@localhost")
    return dataclasses.replace(attempt, status=status, attempt_started_at=started)


def email(
    request: StatusCodeRequest = REQUEST,
    recipient: Recipient | None = MARIA,
    office: OfficeSender | None = OFFICE,
    now: datetime = NOW,
) -> OutgoingEmail:
    return compose_status_code(
        delivery_id="d-1",
        request=request,
        recipient=recipient,
        office=office,
        sender_address="casework@localhost",
        now=now,
    )


def test_a_code_that_still_works_is_sent() -> None:
    assert step() is NextStep.SEND


def test_a_code_that_expired_before_notify_got_to_it_is_skipped() -> None:
    assert step(now=REQUEST.expires_at) is NextStep.SKIP
    assert step(now=REQUEST.expires_at + timedelta(hours=1)) is NextStep.SKIP
    skipped = expired_status_code(REQUEST, None, now=NOW)
    assert (skipped.status, skipped.skip_reason, skipped.attempts, skipped.kind) == (
        DeliveryStatus.SKIPPED,
        CODE_EXPIRED,
        0,
        STATUS_CODE,
    )


def test_a_refused_code_is_tried_again_only_while_it_works() -> None:
    refused = delivery(DeliveryStatus.FAILED)
    assert step(state=refused) is NextStep.SEND
    assert step(state=refused, now=REQUEST.expires_at) is NextStep.SKIP


def test_a_code_being_sent_elsewhere_is_checked_later_then_resent_only_while_it_works() -> None:
    assert step(state=delivery(DeliveryStatus.SENDING)) is NextStep.CHECK_LATER
    cut_off = delivery(DeliveryStatus.SENDING, started=NOW - LEASE)
    assert step(state=cut_off) is NextStep.RESEND_IN_DOUBT
    assert step(state=cut_off, now=REQUEST.expires_at) is NextStep.MARK_UNKNOWN
    assert step(state=delivery(DeliveryStatus.UNKNOWN), now=REQUEST.expires_at) is NextStep.DONE


@given(
    status=st.sampled_from(
        [
            DeliveryStatus.SENDING,
            DeliveryStatus.SENT,
            DeliveryStatus.SKIPPED,
            DeliveryStatus.UNKNOWN,
            DeliveryStatus.UNDELIVERABLE,
        ]
    ),
    age=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2)),
)
def test_a_code_that_may_have_gone_is_only_ever_resent_as_itself_and_while_it_works(
    status: DeliveryStatus, age: timedelta
) -> None:
    result = step(state=delivery(status, started=NOW - age), now=NOW + age)
    assert result is not NextStep.SEND
    if result is NextStep.RESEND_IN_DOUBT:
        assert not REQUEST.expired(NOW + age)


def test_each_request_for_a_code_is_its_own_occasion() -> None:
    first = first_status_code(REQUEST, "case-1", now=NOW, sender_address="casework@localhost")
    again = dataclasses.replace(REQUEST, request_id="evt-2", code="130577")
    second = first_status_code(again, "case-1", now=NOW, sender_address="casework@localhost")
    assert first.idempotency_key == ("evt-1", STATUS_CODE)
    assert second.idempotency_key == ("evt-2", STATUS_CODE)
    assert (first.submission_id, first.case_id) == ("sub-1", "case-1")


def test_a_refused_delivery_skipped_records_why_and_only_a_refused_one_can_be() -> None:
    refused = delivery(DeliveryStatus.FAILED)
    refused.skip(CODE_EXPIRED)
    assert (refused.status, refused.skip_reason) == (DeliveryStatus.SKIPPED, CODE_EXPIRED)
    with pytest.raises(InvalidTransition):
        delivery(DeliveryStatus.SENT).skip(CODE_EXPIRED)


def test_the_code_says_how_many_whole_minutes_it_still_works() -> None:
    assert REQUEST.minutes_left(NOW) == 15
    assert REQUEST.minutes_left(REQUEST.expires_at - timedelta(seconds=30)) == 1
    assert REQUEST.minutes_left(REQUEST.expires_at - timedelta(minutes=4, seconds=1)) == 5


def test_neither_the_code_nor_the_address_can_reach_a_log_line_through_a_repr() -> None:
    said = repr(REQUEST) + repr(email())
    assert "482913" not in said
    assert "maria@example.org" not in said
    assert "K7QX-M2PD" in said  # the rest is still there to debug with


def test_a_spanish_speaker_gets_the_code_in_spanish() -> None:
    message = email()
    assert message.subject == "Su código para ver su solicitud K7QX-M2PD"
    assert message.body == (
        "Estimado/a María López:\n"
        "\n"
        "Su código para ver su solicitud K7QX-M2PD es 482913. Es válido durante 15 minutos. "
        "Si usted no lo pidió, ignore este mensaje.\n"
        "\n"
        "No comparta este código con nadie: nuestro personal nunca se lo pedirá.\n"
        "\n"
        "Atentamente,\n"
        "Office of Rep. Ana Lopez\n"
    )
    assert (message.to_address, message.to_name) == ("maria@example.org", "María López")
    assert message.reply_to == "casework@lopez.example.gov"


def test_an_english_speaker_gets_the_code_in_english() -> None:
    message = email(IN_ENGLISH)
    assert message.subject == "Your code to see your request K7QX-M2PD"
    assert (
        "Your code to see your request K7QX-M2PD is 482913. It works for 15 minutes. "
        "If you did not ask for it, ignore this message." in message.body
    )
    assert message.body.startswith("Dear María López,\n")
    assert message.body.endswith("Kind regards,\nOffice of Rep. Ana Lopez\n")


def test_the_code_stays_out_of_the_subject() -> None:
    for request in (REQUEST, IN_ENGLISH):
        assert request.code not in email(request).subject


def test_one_minute_left_is_said_in_the_singular() -> None:
    last_minute = REQUEST.expires_at - timedelta(seconds=40)
    assert "Es válido durante 1 minuto." in email(now=last_minute).body
    assert "It works for 1 minute." in email(IN_ENGLISH, now=last_minute).body


def test_without_the_recipient_or_the_office_the_code_still_reads_naturally() -> None:
    message = email(recipient=None, office=None)
    assert message.body.startswith("Hola:\n\nSu código para ver su solicitud K7QX-M2PD es 482913.")
    assert message.body.endswith("Atentamente,\nServicios al Constituyente\n")
    assert (message.sender_name, message.to_name, message.reply_to) == (
        "Servicios al Constituyente",
        "",
        None,
    )
    assert email(IN_ENGLISH, recipient=None, office=None).body.startswith("Hello,\n")


def test_an_unsupported_language_gets_the_code_in_english() -> None:
    message = email(dataclasses.replace(REQUEST, preferred_language="fr"))
    assert message.subject == "Your code to see your request K7QX-M2PD"
