"""Intake's service layer over the fake unit of work: no database, no broker."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.chassis.consuming import consume
from services.chassis.errors import NotFound, PermanentMessageError
from services.chassis.fakes import FakeDatabase, incoming
from services.chassis.uow import MissingTenant
from services.contracts import (
    OFFICE_REGISTERED,
    PRIVACY_RELEASE_SIGNED,
    SUBMISSION_RECEIVED,
    SubmissionReceived,
)
from services.intake import handlers, status_page
from services.intake.domain.constituents import ConstituentDetails
from services.intake.domain.submissions import (
    ConsentEvidence,
    Idempotency,
    IdempotencyKeyReused,
    PrivacyConsent,
    Receipt,
    SubmitRequest,
)
from services.intake.tests.fakes import FakeIntakeUnitOfWork, intake_database

LOPEZ = "rep-lopez"
CHEN = "rep-chen"
EVIDENCE = ConsentEvidence(ip="203.0.113.9", user_agent="Firefox")
MARIA = ConstituentDetails(
    "Maria", "Lopez", "maria.lopez@example.org", "(202) 555-0134", None, "en"
)
REQUEST = SubmitRequest(
    constituent=MARIA,
    category="social_security",
    subject="Retirement benefit delayed",
    description="Payments stopped in August.",
    agency="SSA",
    privacy_release=PrivacyConsent("Maria Lopez", ("SSA",)),
)
REGISTERED_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

Database = FakeDatabase[FakeIntakeUnitOfWork]


def register(db: Database, office_id: str, name: str = "Office of Rep. Lopez") -> None:
    event = incoming(
        OFFICE_REGISTERED,
        {"office_id": office_id, "name": name, "reply_to_email": "casework@example.gov"},
        office_id=office_id,
        occurred_at=REGISTERED_AT,
    )
    consume(db, event, status_page.record_office)


@pytest.fixture
def db() -> Database:
    database = intake_database()
    register(database, LOPEZ)
    register(database, CHEN, "Office of Rep. Chen")
    database.outbox.clear()
    return database


def accept(
    db: Database,
    request: SubmitRequest = REQUEST,
    office: str = LOPEZ,
    idempotency: Idempotency | None = None,
) -> Receipt:
    return handlers.accept_submission(db, office, request, EVIDENCE, idempotency=idempotency)


def test_an_accepted_submission_is_announced_with_its_typed_payload(db: Database) -> None:
    receipt = accept(db)

    announced, signed = db.outbox
    assert announced.office_id == LOPEZ and announced.contract == SUBMISSION_RECEIVED
    assert signed.contract == PRIVACY_RELEASE_SIGNED
    assert signed.payload.submission_id == receipt.submission_id
    assert signed.payload.agencies == ("SSA",) and signed.payload.kind == "e_signed"
    payload = announced.payload
    assert isinstance(payload, SubmissionReceived)
    assert payload.submission_id == receipt.submission_id
    assert payload.tracking_code == receipt.tracking_code
    assert payload.constituent_name == "Maria Lopez"
    assert payload.contact_email == "maria.lopez@example.org"
    assert payload.privacy_release_signed and receipt.privacy_release_recorded
    assert receipt.received_at == payload.received_at.isoformat()


def test_an_office_intake_has_not_heard_of_takes_no_submission(db: Database) -> None:
    with pytest.raises(NotFound):
        accept(db, office="rep-nobody")

    assert db.outbox == [] and "submissions" not in db.rows


def test_a_unit_of_work_needs_a_valid_office() -> None:
    with pytest.raises(MissingTenant):
        accept(intake_database(), office="Not An Office!")


def test_a_returning_constituent_is_matched_by_email_and_their_details_refreshed(
    db: Database,
) -> None:
    first = accept(db)
    again = replace(
        MARIA,
        email="MARIA.LOPEZ@example.org",
        phone="+1 202 555 0199",
        address={"line1": "1 New Rd", "city": "Springfield", "state": "IL", "postal_code": "1"},
        preferred_language="es",
    )
    second = accept(db, replace(REQUEST, constituent=again, privacy_release=None))

    [constituent] = db.rows["constituents"].values()
    assert first.tracking_code != second.tracking_code
    assert constituent.email == "maria.lopez@example.org"  # the address on file
    assert (constituent.phone, constituent.preferred_language) == ("+1 202 555 0199", "es")
    assert constituent.address["line1"] == "1 New Rd"
    first_event, second_event = db.published(SUBMISSION_RECEIVED)
    assert first_event.constituent_id == second_event.constituent_id == constituent.id
    assert second_event.preferred_language == "es"


def test_a_returning_constituent_without_their_email_is_matched_by_phone(db: Database) -> None:
    accept(db)
    by_phone = replace(MARIA, email=None, phone="+1 (202) 555-0134")
    accept(db, replace(REQUEST, constituent=by_phone, privacy_release=None))

    assert len(db.rows["constituents"]) == 1
    # The contact email is the one on file, not the missing one.
    assert [event.contact_email for event in db.published(SUBMISSION_RECEIVED)] == [
        "maria.lopez@example.org"
    ] * 2


def test_another_offices_constituent_is_never_matched(db: Database) -> None:
    accept(db, office=LOPEZ)
    accept(db, office=CHEN)

    assert sorted(office for office, _ in db.rows["constituents"]) == [CHEN, LOPEZ]


def test_a_true_retry_gets_the_first_receipt_and_announces_nothing_more(db: Database) -> None:
    key = Idempotency("portal-4f1c9a7e", "f" * 64)
    first = accept(db, idempotency=key)
    again = accept(db, idempotency=key)

    assert again == first
    # One announcement of the request and one of its release, not repeated by the retry.
    assert len(db.rows["submissions"]) == 1 and len(db.outbox) == 2


def test_a_key_reused_for_another_request_is_refused_and_stores_nothing(db: Database) -> None:
    accept(db, idempotency=Idempotency("portal-4f1c9a7e", "a" * 64))

    with pytest.raises(IdempotencyKeyReused) as refused:
        changed = replace(REQUEST, description="A different text.")
        accept(db, changed, idempotency=Idempotency("portal-4f1c9a7e", "b" * 64))

    assert refused.value.status == 422 and refused.value.code == "idempotency_key_reused"
    [stored] = db.rows["submissions"].values()
    assert stored.request.description == REQUEST.description
    assert len(db.outbox) == 2  # the first request and its release


def test_the_same_key_in_another_office_is_another_request(db: Database) -> None:
    accept(db, office=LOPEZ, idempotency=Idempotency("portal-4f1c9a7e", "a" * 64))
    accept(db, office=CHEN, idempotency=Idempotency("portal-4f1c9a7e", "b" * 64))

    assert len(db.rows["submissions"]) == 2


def test_an_office_registered_again_is_renamed_and_keeps_its_first_registration() -> None:
    db = intake_database()
    register(db, LOPEZ, "Office of Rep. Lopez")
    register(db, LOPEZ, "Office of Congresswoman Lopez")

    assert db.rows["offices"][LOPEZ] == {
        "name": "Office of Congresswoman Lopez",
        "registered_at": REGISTERED_AT,
    }


def test_a_redelivered_office_event_changes_nothing() -> None:
    db = intake_database()
    event = incoming(
        OFFICE_REGISTERED,
        {"office_id": LOPEZ, "name": "Office of Rep. Lopez", "reply_to_email": "c@example.gov"},
        office_id=LOPEZ,
    )
    consume(db, event, status_page.record_office)
    db.rows["offices"][LOPEZ]["name"] = "changed since"

    assert consume(db, event, status_page.record_office) is None
    assert db.rows["offices"][LOPEZ]["name"] == "changed since"
    assert (event.event_id, "intake") in db.inbox


def test_an_office_event_whose_payload_names_another_office_is_refused() -> None:
    db = intake_database()
    event = incoming(
        OFFICE_REGISTERED,
        {"office_id": CHEN, "name": "Office of Rep. Chen", "reply_to_email": "c@example.gov"},
        office_id=LOPEZ,
    )

    with pytest.raises(PermanentMessageError):
        consume(db, event, status_page.record_office)
    assert "offices" not in db.rows or db.rows["offices"] == {}
