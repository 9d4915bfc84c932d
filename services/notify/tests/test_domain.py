"""The acknowledgement rules and message composition, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.notify.domain.acknowledgements import (
    DeliveryState,
    DeliveryStatus,
    NextStep,
    OfficeSender,
    OpenedCase,
    Recipient,
    message_id,
    next_step,
    one_line,
)
from services.notify.mail import to_mime, wire_bytes
from services.notify.messages import compose_acknowledgement

NOW = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
LEASE = timedelta(seconds=60)
CASE = OpenedCase("rep-lopez", "case-1", "sub-1", "CW-2026-000042", "K7QX-M2PD")
MARIA = Recipient(
    "rep-lopez", "sub-1", "c-1", "Maria Lopez", "maria@example.org", "en", "K7QX-M2PD"
)
OFFICE = OfficeSender("Office of Rep. Ana Lopez", "casework@lopez.example.gov")


def delivery(status: DeliveryStatus, started: datetime | None = NOW) -> DeliveryState:
    return DeliveryState("d-1", status, 1, started)


def step(
    case: OpenedCase | None = CASE,
    recipient: Recipient | None = MARIA,
    state: DeliveryState | None = None,
    now: datetime = NOW,
) -> NextStep:
    return next_step(case, recipient, state, now=now, send_lease=LEASE)


def test_an_acknowledgement_waits_until_both_the_case_and_the_recipient_are_known() -> None:
    assert step(case=None) is NextStep.WAIT
    assert step(recipient=None) is NextStep.WAIT
    assert step() is NextStep.SEND


def test_a_recipient_without_an_email_address_is_skipped() -> None:
    no_email = Recipient("rep-lopez", "sub-1", "c-1", "Maria Lopez", None, "en", "K7QX-M2PD")
    assert step(recipient=no_email) is NextStep.SKIP


def test_only_a_definitely_failed_delivery_is_sent_again() -> None:
    assert step(state=delivery(DeliveryStatus.FAILED)) is NextStep.SEND
    for settled in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.UNKNOWN):
        assert step(state=delivery(settled)) is NextStep.DONE


def test_a_send_younger_than_the_lease_may_still_be_in_progress() -> None:
    state = delivery(DeliveryStatus.SENDING, started=NOW - timedelta(seconds=5))
    assert step(state=state) is NextStep.CHECK_LATER


def test_a_send_older_than_the_lease_was_cut_off_and_becomes_unknown() -> None:
    state = delivery(DeliveryStatus.SENDING, started=NOW - LEASE - timedelta(seconds=1))
    assert step(state=state) is NextStep.MARK_UNKNOWN


@given(
    status=st.sampled_from(
        [
            DeliveryStatus.SENDING,
            DeliveryStatus.SENT,
            DeliveryStatus.SKIPPED,
            DeliveryStatus.UNKNOWN,
        ]
    ),
    age=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
    case_known=st.booleans(),
    recipient_known=st.booleans(),
)
def test_a_delivery_that_may_have_gone_is_never_sent_again(
    status: DeliveryStatus, age: timedelta, case_known: bool, recipient_known: bool
) -> None:
    state = delivery(status, started=NOW - age)
    result = step(
        case=CASE if case_known else None,
        recipient=MARIA if recipient_known else None,
        state=state,
    )
    assert result is not NextStep.SEND


def test_every_attempt_of_a_delivery_carries_the_same_message_id() -> None:
    assert message_id("d-1", "casework@mail.example.gov") == "<d-1@mail.example.gov>"
    assert message_id("d-1", "casework") == "<d-1@localhost>"


def test_names_cannot_smuggle_extra_header_lines() -> None:
    assert one_line("Maria\r\nBcc: someone@example.org") == "Maria Bcc: someone@example.org"


def test_the_english_acknowledgement_gives_the_tracking_code_and_case_reference() -> None:
    email = compose_acknowledgement(
        delivery_id="d-1",
        recipient=MARIA,
        case=CASE,
        office=OFFICE,
        sender_address="casework@localhost",
    )
    assert email.subject == "We received your request \N{EN DASH} tracking code K7QX-M2PD"
    assert email.body.startswith("Dear Maria Lopez,")
    assert "K7QX-M2PD" in email.body and "CW-2026-000042" in email.body
    assert "Office of Rep. Ana Lopez" in email.body
    assert email.sender_name == "Office of Rep. Ana Lopez"
    assert email.reply_to == "casework@lopez.example.gov"
    assert email.message_id == "<d-1@localhost>"


def test_a_spanish_speaker_gets_the_acknowledgement_in_spanish() -> None:
    maria_es = Recipient(
        "rep-lopez", "sub-1", "c-1", "María López", "maria@example.org", "es", "K7QX-M2PD"
    )
    email = compose_acknowledgement(
        delivery_id="d-1",
        recipient=maria_es,
        case=CASE,
        office=OFFICE,
        sender_address="casework@localhost",
    )
    assert email.subject == "Recibimos su solicitud \N{EN DASH} código de seguimiento K7QX-M2PD"
    assert email.body.startswith("Estimado/a María López:")
    assert "Su número de caso: CW-2026-000042" in email.body


def test_before_the_office_is_known_mail_goes_out_under_a_generic_name() -> None:
    email = compose_acknowledgement(
        delivery_id="d-1",
        recipient=MARIA,
        case=CASE,
        office=None,
        sender_address="casework@localhost",
    )
    assert email.sender_name == "Constituent Services"
    assert email.reply_to is None
    assert "Thank you for contacting our office." in email.body


def test_the_mime_message_has_the_headers_a_mail_client_needs() -> None:
    email = compose_acknowledgement(
        delivery_id="d-1",
        recipient=MARIA,
        case=CASE,
        office=OFFICE,
        sender_address="casework@localhost",
    )
    message = to_mime(email)
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Office of Rep. Ana Lopez",
        "casework@localhost",
    )
    [to] = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Maria Lopez", "maria@example.org")
    assert message["Reply-To"] == "casework@lopez.example.gov"
    assert message["Message-ID"] == "<d-1@localhost>"
    assert message.get_content_type() == "text/plain"
    wire = wire_bytes(message)
    assert wire.isascii()  # non-ASCII (the en dash) is MIME-encoded for any server
    assert b"\r\n" in wire
