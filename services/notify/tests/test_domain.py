"""The acknowledgement rules and message composition, without I/O."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.contracts import SUBMISSION_RECEIVED
from services.notify.domain.acknowledgements import (
    ASKED_FOR_NO_EMAIL,
    NAME_LENGTH,
    OfficeSender,
    OpenedCase,
    OutgoingEmail,
    Recipient,
    first_acknowledgement,
    next_step,
    not_emailed_because,
    one_line,
    skipped_acknowledgement,
)
from services.notify.domain.delivery import (
    IN_DOUBT_RESENDS,
    Delivery,
    DeliveryStatus,
    InvalidTransition,
    NextStep,
    message_id,
)
from services.notify.mail import to_mime, wire_bytes
from services.notify.messages import compose_acknowledgement

NOW = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
LEASE = timedelta(seconds=60)
CASE = OpenedCase("case-1", "sub-1", "CW-2026-000042", "K7QX-M2PD", NOW)
MARIA = Recipient("sub-1", "c-1", "Maria Lopez", "maria@example.org", "en", "K7QX-M2PD", NOW)
MARIA_ES = dataclasses.replace(MARIA, name="María López", preferred_language="es")
OFFICE = OfficeSender("Office of Rep. Ana Lopez", "casework@lopez.example.gov")
UNSUBSCRIBE = "https://portal.example.gov/o/rep-lopez/unsubscribe/q3Jx9sTzWvB2mN7kLp4dRfGh"


def delivery(status: DeliveryStatus, started: datetime | None = NOW) -> Delivery:
    attempt = first_acknowledgement(CASE, now=NOW, sender_address="casework@localhost")
    return dataclasses.replace(attempt, status=status, attempt_started_at=started)


def step(
    case: OpenedCase | None = CASE,
    recipient: Recipient | None = MARIA,
    state: Delivery | None = None,
    now: datetime = NOW,
) -> NextStep:
    return next_step(case, recipient, state, now=now, send_lease=LEASE)


def acknowledgement(
    recipient: Recipient = MARIA, office: OfficeSender | None = OFFICE
) -> OutgoingEmail:
    return compose_acknowledgement(
        delivery_id="d-1",
        recipient=recipient,
        case=CASE,
        office_id="rep-lopez",
        office=office,
        sender_address="casework@localhost",
        portal="https://portal.example.gov",
        unsubscribe_url=UNSUBSCRIBE,
    )


def test_an_acknowledgement_waits_until_both_the_case_and_the_recipient_are_known() -> None:
    assert step(case=None) is NextStep.WAIT
    assert step(recipient=None) is NextStep.WAIT
    assert step() is NextStep.SEND


def test_a_recipient_without_an_email_address_is_skipped() -> None:
    no_email = dataclasses.replace(MARIA, contact_email=None)
    assert step(recipient=no_email) is NextStep.SKIP
    skipped = skipped_acknowledgement(CASE, now=NOW)
    assert (skipped.status, skipped.skip_reason, skipped.attempts) == (
        DeliveryStatus.SKIPPED,
        "no email address",
        0,
    )


def test_a_constituent_who_asked_for_no_email_is_skipped_for_that_reason() -> None:
    assert next_step(CASE, MARIA, None, now=NOW, send_lease=LEASE, opted_out=True) is (
        NextStep.SKIP
    )
    assert not_emailed_because(MARIA, opted_out=True) == ASKED_FOR_NO_EMAIL
    assert ASKED_FOR_NO_EMAIL == "the constituent asked for no email"
    assert not_emailed_because(MARIA, opted_out=False) is None
    # No address says more than an opt-out: there was never anything to send to.
    no_email = dataclasses.replace(MARIA, contact_email=None)
    assert not_emailed_because(no_email, opted_out=True) == "no email address"
    skipped = skipped_acknowledgement(CASE, now=NOW, reason=ASKED_FOR_NO_EMAIL)
    assert (skipped.status, skipped.skip_reason) == (DeliveryStatus.SKIPPED, ASKED_FOR_NO_EMAIL)


def test_an_opt_out_stops_the_retry_of_a_refused_acknowledgement_not_one_in_flight() -> None:
    def opted_out_step(state: Delivery) -> NextStep:
        return next_step(CASE, MARIA, state, now=NOW, send_lease=LEASE, opted_out=True)

    refused = delivery(DeliveryStatus.FAILED)
    assert opted_out_step(refused) is NextStep.SKIP
    refused.skip(ASKED_FOR_NO_EMAIL)
    assert (refused.status, refused.skip_reason) == (DeliveryStatus.SKIPPED, ASKED_FOR_NO_EMAIL)
    # Sent, or being sent: what was started before they asked is left as it is.
    assert opted_out_step(delivery(DeliveryStatus.SENT)) is NextStep.DONE
    in_flight = delivery(DeliveryStatus.SENDING, started=NOW - timedelta(seconds=5))
    assert opted_out_step(in_flight) is NextStep.CHECK_LATER


def test_a_refused_delivery_is_sent_again_and_one_settled_for_good_is_not() -> None:
    assert step(state=delivery(DeliveryStatus.FAILED)) is NextStep.SEND
    for settled in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.UNDELIVERABLE):
        assert step(state=delivery(settled)) is NextStep.DONE


def test_a_send_younger_than_the_lease_may_still_be_in_progress() -> None:
    state = delivery(DeliveryStatus.SENDING, started=NOW - timedelta(seconds=5))
    assert step(state=state) is NextStep.CHECK_LATER


def test_a_send_left_in_doubt_is_sent_again_with_its_message_id_a_bounded_number_of_times() -> None:
    cut_off = delivery(DeliveryStatus.SENDING, started=NOW - LEASE - timedelta(seconds=1))
    first_id = cut_off.message_id
    assert step(state=cut_off) is NextStep.RESEND_IN_DOUBT
    assert step(state=delivery(DeliveryStatus.UNKNOWN)) is NextStep.RESEND_IN_DOUBT

    for number in range(1, IN_DOUBT_RESENDS + 1):
        cut_off.resend_in_doubt(NOW)
        assert (cut_off.status, cut_off.attempts) == (DeliveryStatus.SENDING, number + 1)
        assert (cut_off.resent_in_doubt, cut_off.message_id) == (number, first_id)
        cut_off.outcome_unknown(cut_off.attempts, "SMTPServerDisconnected")

    # Resent enough: left unknown (it may have gone), and a stale `sending` is given up.
    assert step(state=cut_off) is NextStep.DONE
    with pytest.raises(InvalidTransition):
        cut_off.resend_in_doubt(NOW)
    stale = dataclasses.replace(
        cut_off,
        status=DeliveryStatus.SENDING,
        attempt_started_at=NOW - LEASE - timedelta(seconds=1),
    )
    assert step(state=stale) is NextStep.MARK_UNKNOWN


def test_a_resent_acknowledgement_tells_the_case_it_went_again() -> None:
    resent = delivery(DeliveryStatus.UNKNOWN)
    resent.resend_in_doubt(NOW)
    resent.sent(resent.attempts, at=NOW)

    [announced] = resent.pull_events()
    assert announced.payload.resent_after_doubt is True


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
    age=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
    case_known=st.booleans(),
    recipient_known=st.booleans(),
)
def test_a_delivery_that_may_have_gone_is_only_ever_resent_as_itself(
    status: DeliveryStatus, age: timedelta, case_known: bool, recipient_known: bool
) -> None:
    """Never a fresh send (a new Message-ID) for what may have gone: at most a resend in doubt,
    and only of what was left in doubt."""
    state = delivery(status, started=NOW - age)
    result = step(
        case=CASE if case_known else None,
        recipient=MARIA if recipient_known else None,
        state=state,
    )
    assert result is not NextStep.SEND
    if result is NextStep.RESEND_IN_DOUBT:
        assert status in (DeliveryStatus.SENDING, DeliveryStatus.UNKNOWN)


def test_the_recipient_keeps_at_most_the_name_length_the_projection_holds() -> None:
    payload = dict(SUBMISSION_RECEIVED.example, constituent_name="A" * 300, contact_email=None)
    recipient = Recipient.from_submission(SUBMISSION_RECEIVED.load_typed(payload))
    assert len(recipient.name) == NAME_LENGTH == 200
    assert recipient.contact_email is None


def test_an_unsupported_language_falls_back_to_english() -> None:
    assert dataclasses.replace(MARIA, preferred_language="fr").language == "en"


def test_every_attempt_of_a_delivery_carries_the_same_message_id() -> None:
    assert message_id("d-1", "casework@mail.example.gov") == "<d-1@mail.example.gov>"
    assert message_id("d-1", "casework") == "<d-1@localhost>"


def test_names_cannot_smuggle_extra_header_lines() -> None:
    assert one_line("Maria\r\nBcc: someone@example.org") == "Maria Bcc: someone@example.org"


def test_the_english_acknowledgement_gives_the_tracking_code_and_case_reference() -> None:
    email = acknowledgement()
    assert email.subject == "We received your request \N{EN DASH} tracking code K7QX-M2PD"
    assert email.body.startswith("Dear Maria Lopez,")
    assert "Your tracking code: K7QX-M2PD" in email.body
    assert "Your case reference: CW-2026-000042" in email.body
    assert "Office of Rep. Ana Lopez" in email.body
    assert email.sender_name == "Office of Rep. Ana Lopez"
    assert email.reply_to == "casework@lopez.example.gov"
    assert email.message_id == "<d-1@localhost>"


def test_a_spanish_speaker_gets_the_acknowledgement_in_spanish() -> None:
    email = acknowledgement(MARIA_ES)
    assert email.subject == "Recibimos su solicitud \N{EN DASH} código de seguimiento K7QX-M2PD"
    assert email.body.startswith("Estimado/a María López:")
    assert "Su código de seguimiento: K7QX-M2PD" in email.body
    assert "Su número de caso: CW-2026-000042" in email.body


STATUS_PAGE = "https://portal.example.gov/o/rep-lopez/status?tracking=K7QX-M2PD"


def test_the_acknowledgement_links_to_the_status_page_and_says_what_happens_next() -> None:
    body = acknowledgement().body
    assert f"\n   {STATUS_PAGE}\n" in body, "the link stands on a line of its own"
    assert "What happens next" in body
    assert "A caseworker will read your request and contact you" in body
    assert "the page first sends a one-time code to this email address" in body


def test_the_spanish_acknowledgement_says_what_happens_next_in_spanish() -> None:
    body = acknowledgement(MARIA_ES).body
    assert f"\n   {STATUS_PAGE}\n" in body
    assert "¿Qué pasará ahora?" in body
    assert "Una persona de nuestro equipo leerá su solicitud" in body
    assert "le envía primero un código de un solo uso a esta dirección de correo" in body
    assert "What happens next" not in body and "caseworker" not in body
    assert body.endswith(
        "Atentamente,\nOffice of Rep. Ana Lopez\n\n"
        "Para dejar de recibir correos de Office of Rep. Ana Lopez sobre sus solicitudes: "
        f"{UNSUBSCRIBE}\n"
    )


def test_before_the_office_is_known_mail_goes_out_under_a_generic_name() -> None:
    email = acknowledgement(office=None)
    assert email.sender_name == "Constituent Services"
    assert email.reply_to is None
    assert "Thank you for contacting our office." in email.body
    assert email.body.endswith(
        "Kind regards,\nConstituent Services\n\n"
        f"To stop email from our office about your requests: {UNSUBSCRIBE}\n"
    )
    spanish = acknowledgement(MARIA_ES, office=None)
    assert spanish.sender_name == "Servicios al Constituyente"
    assert "Gracias por comunicarse con nuestra oficina." in spanish.body
    assert spanish.body.endswith(
        "Atentamente,\nServicios al Constituyente\n\n"
        f"Para dejar de recibir correos de nuestra oficina sobre sus solicitudes: {UNSUBSCRIBE}\n"
    )


def test_the_mime_message_has_the_headers_a_mail_client_needs() -> None:
    message = to_mime(acknowledgement())
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


def test_a_message_about_a_request_offers_a_one_click_unsubscribe_that_its_repr_hides() -> None:
    email = acknowledgement()
    message = to_mime(email)
    assert message["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        f"\n\nTo stop email from Office of Rep. Ana Lopez about your requests: {UNSUBSCRIBE}\n"
        in (email.body)
    )
    assert UNSUBSCRIBE in wire_bytes(message).decode("ascii")
    assert "q3Jx9sTzWvB2mN7kLp4dRfGh" not in repr(email)

    without = to_mime(dataclasses.replace(email, unsubscribe_url=None))
    assert "List-Unsubscribe" not in without and "List-Unsubscribe-Post" not in without
