"""Intake's repositories on SQLite and PostgreSQL: every query scoped to the unit of work's
office, the prebuilt statements writing what the aggregates hold."""

from __future__ import annotations

from base64 import urlsafe_b64encode
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from services.chassis.consuming import consume
from services.chassis.db import create_db_engine
from services.chassis.domain import Actor
from services.chassis.fakes import incoming
from services.chassis.uow import DatabaseAccess
from services.contracts import OFFICE_REGISTERED
from services.intake import handlers, keys, staff_releases, status_page
from services.intake.domain.constituents import Constituent, ConstituentDetails
from services.intake.domain.releases import Release
from services.intake.domain.signed_text import DEFAULT_RELEASE_TEXTS, render_release_text
from services.intake.domain.submissions import (
    ConsentEvidence,
    Idempotency,
    PrivacyConsent,
    Submission,
    SubmitRequest,
)
from services.intake.models import Base, Office
from services.intake.models import Constituent as ConstituentRow
from services.intake.uow import IntakeUnitOfWork

LOPEZ = "rep-lopez"
CHEN = "rep-chen"
NOW = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
MARIA = ConstituentDetails(
    "Maria", "Lopez", "maria@example.org", "(202) 555-0134", {"line1": "12 Elm St"}
)

Access = DatabaseAccess[IntakeUnitOfWork]


@pytest.fixture
def engine(service_database: Callable[..., str]) -> Iterator[Engine]:
    engine = create_db_engine(service_database("intake", Base.metadata))
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Access:
    return DatabaseAccess(
        sessionmaker(engine, expire_on_commit=False),
        Base.metadata,
        on_events=lambda: None,
        service="intake",
        unit_of_work_type=IntakeUnitOfWork,
    )


def saved(db: Access, office_id: str, details: ConstituentDetails = MARIA) -> Constituent:
    with db.unit_of_work(office_id=office_id) as uow:
        constituent = Constituent.register(details, NOW)
        uow.constituents.save(constituent)
        uow.commit()
    return constituent


def test_a_constituent_is_found_by_email_or_phone_in_their_own_office_only(db: Access) -> None:
    maria = saved(db, LOPEZ)

    with db.unit_of_work(office_id=LOPEZ) as uow:
        assert uow.constituents.with_email("maria@example.org") == maria
        assert uow.constituents.with_phone("2025550134") == maria
    with db.unit_of_work(office_id=CHEN) as uow:
        assert uow.constituents.with_email("maria@example.org") is None
        assert uow.constituents.with_phone("2025550134") is None


def test_a_returning_constituents_fresh_details_are_written_back(
    db: Access, engine: Engine
) -> None:
    saved(db, LOPEZ)
    with db.unit_of_work(office_id=LOPEZ) as uow:
        maria = uow.constituents.with_email("maria@example.org")
        assert maria is not None
        maria.returns_with(replace(MARIA, phone="+1 202 555 0199", preferred_language="es"))
        uow.constituents.save(maria)
        uow.commit()

    with db.unit_of_work(office_id=LOPEZ) as uow:
        assert uow.constituents.with_phone("2025550134") is None
        again = uow.constituents.with_phone("2025550199")
    assert again is not None
    assert (again.phone, again.preferred_language, again.address) == (
        "+1 202 555 0199",
        "es",
        {"line1": "12 Elm St"},
    )
    with Session(engine) as session:
        assert len(session.scalars(select(ConstituentRow)).all()) == 1


def test_a_keyed_submission_answers_its_retry_with_receipt_release_and_fingerprint(
    db: Access,
) -> None:
    maria = saved(db, LOPEZ)
    request = SubmitRequest(
        constituent=MARIA,
        category="social_security",
        subject="Benefit delayed",
        description="Stopped in August.",
        privacy_release=PrivacyConsent("Maria Lopez", ("SSA",)),
    )
    key = Idempotency.of("portal-4f1c9a7e", {"subject": "Benefit delayed"})
    with db.unit_of_work(office_id=LOPEZ) as uow:
        submission = Submission.accept(request, maria, received_at=NOW, idempotency=key)
        uow.submissions.add(submission)
        text = render_release_text(
            DEFAULT_RELEASE_TEXTS["en"],
            office_name="Office of Rep. Lopez",
            constituent_name="Maria Lopez",
            agency_names=["Social Security Administration"],
            expires_on=NOW.date(),
        )
        release = Release.e_sign(
            submission_id=submission.id,
            constituent_id=maria.id,
            signature_name="Maria Lopez",
            constituent_display_name="Maria Lopez",
            agencies=("SSA",),
            identifier_kinds=(),
            text=text,
            signer_ip=None,
            signer_user_agent=None,
            signed_at=NOW,
            valid_days=365,
        )
        uow.releases.add(release, signed_text=text.text)
        uow.commit()

    with db.unit_of_work(office_id=LOPEZ) as uow:
        earlier = uow.submissions.with_idempotency_key(key.key)
    with db.unit_of_work(office_id=CHEN) as uow:
        assert uow.submissions.with_idempotency_key(key.key) is None
    assert earlier is not None
    assert earlier.receipt == submission.receipt
    assert earlier.receipt.privacy_release_recorded is True
    assert earlier.request_fingerprint == key.fingerprint


def test_an_office_is_recorded_then_renamed_keeping_its_registration(
    db: Access, engine: Engine
) -> None:
    later = NOW.replace(day=30)
    with db.unit_of_work(office_id=LOPEZ) as uow:
        assert not uow.offices.accepts_work()
        uow.offices.record("Office of Rep. Lopez", registered_at=NOW)
        uow.commit()
    with db.unit_of_work(office_id=LOPEZ) as uow:
        assert uow.offices.accepts_work()
        uow.offices.record("Office of Congresswoman Lopez", registered_at=later)
        uow.commit()

    with Session(engine) as session:
        [office] = session.scalars(select(Office)).all()
    assert (office.office_id, office.name) == (LOPEZ, "Office of Congresswoman Lopez")
    assert office.registered_at == NOW


def test_a_letter_reads_the_particulars_and_opens_the_sealed_identifiers_from_the_database(
    db: Access, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEWORK_INTAKE_MASTER_KEY", urlsafe_b64encode(b"k" * 32).decode())
    keys.forget_keys()
    office = {"office_id": LOPEZ, "name": "Office of Rep. Lopez", "reply_to_email": "c@x.gov"}
    consume(db, incoming(OFFICE_REGISTERED, office, office_id=LOPEZ), status_page.record_office)
    details = replace(
        MARIA,
        address={"line1": "12 Elm St", "city": "Austin", "state": "TX", "postal_code": "78701"},
    )
    request = SubmitRequest(
        constituent=details,
        category="social_security",
        subject="Benefit delayed",
        description="Stopped in August.",
        privacy_release=PrivacyConsent("Maria Lopez", ("SSA",), {"ssn": "123-45-6789"}),
    )
    receipt = handlers.accept_submission(db, LOPEZ, request, ConsentEvidence(None, None))
    with db.unit_of_work(office_id=LOPEZ) as uow:
        [release] = uow.releases.of_submission(receipt.submission_id)
    caseworker = Actor.staff("u-3", "caseworker", "203.0.113.20")

    try:
        particulars = staff_releases.letter_particulars(
            db, LOPEZ, caseworker, receipt.submission_id, release.id
        )
    finally:
        keys.forget_keys()

    assert particulars.name == "Maria Lopez"
    assert particulars.address_lines == ("12 Elm St", "Austin TX 78701")
    assert (particulars.email, particulars.phone) == ("maria@example.org", "(202) 555-0134")
    assert particulars.description == "Stopped in August."
    assert particulars.identifiers == {"ssn": "123-45-6789"}
    audit = Base.metadata.tables["audit_log"]
    with Session(engine) as session:
        read = session.execute(
            select(audit.c.actor, audit.c.subject_id).where(
                audit.c.action == "release.identifiers_read_for_letter"
            )
        ).all()
    assert [tuple(row) for row in read] == [("u-3", release.id)]
