"""Intake's rules without I/O: tracking codes, matching, the Submission aggregate, retries."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.contracts import SUBMISSION_RECEIVED, SubmissionReceived
from services.intake.domain.constituents import (
    Constituent,
    ConstituentDetails,
    match_or_register,
    normalise_email,
    normalise_phone,
)
from services.intake.domain.submissions import (
    TRACKING_CODE,
    EarlierSubmission,
    Idempotency,
    IdempotencyKeyReused,
    PrivacyConsent,
    Receipt,
    Submission,
    SubmitRequest,
    new_tracking_code,
    request_fingerprint,
    signature_matches,
)


def test_tracking_codes_avoid_characters_misread_over_the_phone() -> None:
    codes = {new_tracking_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert TRACKING_CODE.match(code)
        assert not set(code) & set("01OIL")


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_the_same_us_number_written_differently_normalises_alike(digits: str) -> None:
    dashed = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    international = f"+1 {digits[:3]} {digits[3:6]} {digits[6:]}"
    assert normalise_phone(dashed) == normalise_phone(international) == digits


def test_email_matching_ignores_case_and_spaces() -> None:
    assert normalise_email("  Maria.Lopez@Example.ORG ") == "maria.lopez@example.org"
    assert normalise_email(None) is None


def test_a_signature_must_be_the_constituents_own_name() -> None:
    maria = ConstituentDetails("Maria", "Lopez", "m@example.org", None, None)
    assert signature_matches(PrivacyConsent("MARIA   lopez", ("SSA",)), maria)
    assert not signature_matches(PrivacyConsent("Maria L.", ("SSA",)), maria)


NOW = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
MARIA = ConstituentDetails("Maria", "Lopez", "maria@example.org", "(202) 555-0134", None)
REQUEST = SubmitRequest(
    constituent=MARIA,
    category="social_security",
    subject="Retirement benefit delayed",
    description="Payments stopped in August.\n\tNobody calls back.",
    privacy_release=PrivacyConsent("Maria Lopez", ("SSA", "VA")),
)


class Known:
    """An office's constituents as a plain list."""

    def __init__(self, *constituents: Constituent) -> None:
        self.constituents = constituents

    def with_email(self, email_normalised: str) -> Constituent | None:
        return next((c for c in self.constituents if c.email_normalised == email_normalised), None)

    def with_phone(self, phone_normalised: str) -> Constituent | None:
        return next((c for c in self.constituents if c.phone_normalised == phone_normalised), None)


def test_accepting_a_submission_records_one_announcement_without_the_description() -> None:
    maria = Constituent.register(MARIA, NOW)
    submission = Submission.accept(REQUEST, maria, received_at=NOW)

    [event] = submission.pull_events()
    assert event.contract == SUBMISSION_RECEIVED
    assert event.payload == SubmissionReceived(
        submission_id=submission.id,
        tracking_code=submission.tracking_code,
        constituent_id=maria.id,
        constituent_name="Maria Lopez",
        contact_email="maria@example.org",
        preferred_language="en",
        channel="web",
        category="social_security",
        agency_hint=None,
        subject="Retirement benefit delayed",
        urgent=False,
        privacy_release_signed=True,
        received_at=NOW,
        contact_phone="+12025550134",  # as a text message provider takes it
    )
    # The wire form passes the contract's strict schema.
    assert "description" not in SUBMISSION_RECEIVED.dump(event.payload)
    assert submission.pull_events() == []
    assert submission.receipt.privacy_release_recorded
    assert submission.receipt.received_at == NOW.isoformat()


def test_a_submission_without_a_release_records_none() -> None:
    submission = Submission.accept(
        replace(REQUEST, privacy_release=None),
        Constituent.register(MARIA, NOW),
        received_at=NOW,
    )

    assert not submission.receipt.privacy_release_recorded
    assert submission.pull_events()[0].payload.privacy_release_signed is False


def test_a_returning_constituent_is_found_by_email_before_phone() -> None:
    by_email = Constituent.register(replace(MARIA, phone=None), NOW)
    by_phone = Constituent.register(replace(MARIA, email="other@example.org"), NOW)

    found = match_or_register(
        replace(MARIA, email=" MARIA@Example.org"), Known(by_phone, by_email), NOW
    )

    assert found is by_email


def test_a_constituent_unknown_by_email_and_phone_is_registered_as_new() -> None:
    known = Constituent.register(replace(MARIA, email="ana@example.org", phone="202 555 0100"), NOW)

    found = match_or_register(MARIA, Known(known), NOW)

    assert found is not known and found.email == "maria@example.org" and found.created_at == NOW


def test_a_returning_constituent_keeps_their_email_and_name_and_takes_fresh_contact_details() -> (
    None
):
    maria = Constituent.register(MARIA, NOW)
    address = {"line1": "1 New Rd", "city": "Springfield", "state": "IL", "postal_code": "62701"}

    maria.returns_with(
        ConstituentDetails("María", "López", "new@example.org", "+1 202 555 0199", address, "es")
    )

    assert (maria.first_name, maria.email) == ("Maria", "maria@example.org")
    assert (maria.phone, maria.address, maria.preferred_language) == (
        "+1 202 555 0199",
        address,
        "es",
    )
    maria.returns_with(ConstituentDetails("Maria", "Lopez", None, None, None, "en"))
    assert (maria.phone, maria.address) == ("+1 202 555 0199", address)


def test_a_fingerprint_ignores_key_order_and_spacing_but_not_a_changed_text() -> None:
    body = {
        "subject": "Benefit delayed",
        "constituent": {"first_name": "Maria", "email": "m@x.org"},
    }
    reordered = json.loads(
        '{"constituent": {"email": "m@x.org", "first_name": "Maria"},  "subject":"Benefit delayed"}'
    )

    assert request_fingerprint(body) == request_fingerprint(reordered)
    assert request_fingerprint(body) != request_fingerprint({**body, "subject": "Benefit delayed."})
    assert len(request_fingerprint(body)) == 64


def test_a_retry_gets_the_first_receipt_and_another_body_under_the_key_is_refused() -> None:
    receipt = Receipt("s-1", "ABCD-EFGH", NOW.isoformat())
    earlier = EarlierSubmission(receipt, request_fingerprint({"subject": "a"}))

    assert earlier.replayed_for(Idempotency.of("portal-4f1c9a7e", {"subject": "a"})) == receipt
    with pytest.raises(IdempotencyKeyReused, match="different request"):
        earlier.replayed_for(Idempotency.of("portal-4f1c9a7e", {"subject": "b"}))
    # Stored before fingerprints were kept: trusted as a retry, as before.
    legacy = EarlierSubmission(receipt, None)
    assert legacy.replayed_for(Idempotency.of("portal-4f1c9a7e", {"subject": "b"})) == receipt
