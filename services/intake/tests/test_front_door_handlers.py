"""The front door's service layer on the fake unit of work: the release signed with a request
(identifiers sealed), later and revoked; the one-time code; the status projection; staff's
reads of identifiers, documents and attachments."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.chassis.consuming import consume
from services.chassis.domain import Actor
from services.chassis.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.chassis.fakes import FakeDatabase, incoming
from services.contracts import (
    CASE_CLOSED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    OFFICE_REGISTERED,
    PRIVACY_RELEASE_REVOKED,
    PRIVACY_RELEASE_SIGNED,
    PUBLIC_NOTE_ADDED,
    STATUS_CODE_REQUESTED,
)
from services.intake import handlers, keys, signing, staff_releases, status_page
from services.intake.domain.attachments import Upload
from services.intake.domain.constituents import ConstituentDetails
from services.intake.domain.submissions import (
    ConsentEvidence,
    PrivacyConsent,
    SubmitRequest,
)
from services.intake.tests.fakes import FakeIntakeUnitOfWork, intake_database

LOPEZ = "rep-lopez"
EVIDENCE = ConsentEvidence(ip="203.0.113.9", user_agent="Firefox")
MARIA = ConstituentDetails("Maria", "Núñez", "maria@example.org", None, None, "es")
NO_EMAIL = ConstituentDetails(
    "José",
    "Pérez",
    None,
    "(202) 555-0199",
    {"line1": "1 Main St", "city": "Austin", "state": "TX", "postal_code": "78701-1234"},
    "es",
)
CONSENT = PrivacyConsent(
    "maria  núñez", ("SSA", "VA"), {"ssn": "123-45-6789", "va_file_number": "12345678"}, "es"
)
REQUEST = SubmitRequest(
    constituent=MARIA,
    category="social_security",
    subject="Pensión retrasada",
    description="No llega desde agosto.",
    privacy_release=CONSENT,
)
CASEWORKER = Actor.staff("u-3", "caseworker", "203.0.113.20")
INTERN = Actor.staff("u-9", "read_only", "203.0.113.21")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64

Database = FakeDatabase[FakeIntakeUnitOfWork]


@pytest.fixture(autouse=True)
def master_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from base64 import urlsafe_b64encode

    monkeypatch.setenv("CASEWORK_INTAKE_MASTER_KEY", urlsafe_b64encode(b"k" * 32).decode())
    keys.forget_keys()
    yield
    keys.forget_keys()


@pytest.fixture
def db() -> Database:
    database = intake_database()
    consume(
        database,
        incoming(
            OFFICE_REGISTERED,
            {"office_id": LOPEZ, "name": "Office of Rep. Lopez", "reply_to_email": "c@x.gov"},
            office_id=LOPEZ,
        ),
        status_page.record_office,
    )
    database.outbox.clear()
    return database


def test_a_release_signed_with_a_request_seals_its_identifiers_and_keeps_the_evidence(
    db: Database,
) -> None:
    receipt = handlers.accept_submission(db, LOPEZ, REQUEST, EVIDENCE)

    [(release, secrets)] = db.rows["releases"].values()
    assert release.submission_id == receipt.submission_id
    assert release.agencies == ("SSA", "VA") and release.language == "es"
    assert release.signer_ip == "203.0.113.9" and release.signer_user_agent == "Firefox"
    assert release.identifier_kinds == ("ssn", "va_file_number")
    assert release.expires_at - release.signed_at == timedelta(days=365)
    # The text kept is the one whose hash is the evidence, in Spanish, naming the office.
    assert "Office of Rep. Lopez" in secrets.signed_text
    assert release.text_sha256 is not None and len(release.text_sha256) == 64
    # Sealed: the number is nowhere in the stored bytes, and it opens only for its release.
    assert b"6789" not in secrets.sealed_identifiers
    with db.unit_of_work(office_id=LOPEZ) as uow:
        opened = keys.open_identifiers(uow.portal, release.id, secrets.sealed_identifiers)
    assert opened == {"ssn": "123-45-6789", "va_file_number": "12345678"}
    signed = [e for e in db.outbox if e.contract == PRIVACY_RELEASE_SIGNED]
    assert len(signed) == 1
    assert "6789" not in str(PRIVACY_RELEASE_SIGNED.dump(signed[0].payload))


def test_a_release_over_a_text_that_changed_is_refused_and_nothing_is_stored(
    db: Database,
) -> None:
    stale = replace(REQUEST, privacy_release=replace(CONSENT, text_version="2019-01"))

    with pytest.raises(ValidationFailed) as refused:
        handlers.accept_submission(db, LOPEZ, stale, EVIDENCE)

    assert "privacy_release.text_version" in refused.value.fields
    assert not db.rows.get("submissions") and db.outbox == []


def test_attachments_are_stored_with_their_hash_and_announced_without_content(
    db: Database,
) -> None:
    request = replace(
        REQUEST,
        privacy_release=None,
        attachments=(Upload("carta.pdf", PDF), Upload("../../foto.PNG", PNG)),
    )

    handlers.accept_submission(db, LOPEZ, request, EVIDENCE)

    [announced] = db.outbox
    names = [(a.filename, a.content_type) for a in announced.payload.attachments]
    assert names == [("carta.pdf", "application/pdf"), ("foto.png", "image/png")]
    stored = {a.filename: a for a in db.rows["attachments"].values()}
    document = staff_releases.staff_attachment(db, LOPEZ, CASEWORKER, stored["foto.png"].id)
    assert document.content == PNG and document.content_type == "image/png"


def test_a_file_that_is_not_what_its_name_says_is_refused_with_nothing_stored(
    db: Database,
) -> None:
    request = replace(REQUEST, attachments=(Upload("scan.pdf", b"MZ\x90\x00 not a pdf"),))

    with pytest.raises(ValidationFailed) as refused:
        handlers.accept_submission(db, LOPEZ, request, EVIDENCE)

    assert refused.value.fields["attachments"] == ["scan.pdf: not a PDF, JPEG or PNG file"]
    assert not db.rows.get("submissions") and not db.rows.get("attachments")


def test_a_status_code_is_mailed_once_kept_as_a_hash_and_opens_the_request_once(
    db: Database,
) -> None:
    receipt = handlers.accept_submission(db, LOPEZ, REQUEST, EVIDENCE)
    db.outbox.clear()

    sent = status_page.request_status_code(db, LOPEZ, receipt.tracking_code.lower())

    assert sent is not None and sent.method == "email" and sent.masked_email == "m•••@example.org"
    [requested] = db.outbox
    assert requested.contract == STATUS_CODE_REQUESTED
    code = requested.payload.code
    assert requested.payload.preferred_language == "es"
    [stored] = db.rows["status_codes"].values()
    assert code not in stored.code_sha256
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationFailed):
        status_page.verify_status_code(db, LOPEZ, receipt.tracking_code, wrong)
    assert status_page.verify_status_code(db, LOPEZ, receipt.tracking_code, code) == (
        receipt.submission_id
    )
    with pytest.raises(ValidationFailed):  # used up
        status_page.verify_status_code(db, LOPEZ, receipt.tracking_code, code)


def test_an_unknown_tracking_code_gets_no_code_and_no_event(db: Database) -> None:
    assert status_page.request_status_code(db, LOPEZ, "ZZZZ-ZZZZ") is None
    assert status_page.request_status_code(db, LOPEZ, "not a code") is None
    assert db.outbox == []


def test_without_email_the_request_opens_with_last_name_and_zip(db: Database) -> None:
    request = replace(REQUEST, constituent=NO_EMAIL, privacy_release=None)
    receipt = handlers.accept_submission(db, LOPEZ, request, EVIDENCE)

    sent = status_page.request_status_code(db, LOPEZ, receipt.tracking_code)

    assert sent is not None and sent.method == "name_and_zip"
    opened = status_page.verify_name_and_zip(db, LOPEZ, receipt.tracking_code, "perez ", "78701")
    assert opened == receipt.submission_id
    with pytest.raises(ValidationFailed):
        status_page.verify_name_and_zip(db, LOPEZ, receipt.tracking_code, "Pérez", "78702")


def test_the_status_page_shows_public_updates_and_never_an_internal_reason(
    db: Database,
) -> None:
    receipt = handlers.accept_submission(db, LOPEZ, REQUEST, EVIDENCE)
    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    case = "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11"
    events: list[tuple[Any, dict[str, Any], Callable[..., None]]] = [
        (
            CASE_OPENED,
            {
                "case_id": case,
                "reference": "CW-2026-000042",
                "submission_id": receipt.submission_id,
                "tracking_code": receipt.tracking_code,
                "constituent_id": "c-1",
                "category": "social_security",
                "agency_hint": "SSA",
                "urgent": False,
                "opened_at": at.isoformat(),
            },
            status_page.project_case_opened,
        ),
        (
            CASE_STATUS_CHANGED,
            {
                "case_id": case,
                "reference": "CW-2026-000042",
                "from_status": "new",
                "to_status": "waiting_on_agency",
                "reason": "internal: liaison is slow",
                "changed_by": "u-3",
                "changed_at": (at + timedelta(hours=1)).isoformat(),
            },
            status_page.project_status_changed,
        ),
        (
            PUBLIC_NOTE_ADDED,
            {
                "case_id": case,
                "reference": "CW-2026-000042",
                "note_id": "4d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6",
                "text": "Hemos escrito a la SSA.",
                "added_at": (at + timedelta(hours=2)).isoformat(),
            },
            status_page.project_public_note,
        ),
    ]
    for contract, payload, handler in events:
        consume(db, incoming(contract, payload, office_id=LOPEZ), handler)

    status = status_page.public_status(db, LOPEZ, receipt.submission_id)

    assert status.status == "waiting_on_agency" and status.reference == "CW-2026-000042"
    assert [u.kind for u in status.updates] == ["received", "opened", "status", "note"]
    assert status.updates[-1].text == "Hemos escrito a la SSA."
    assert "liaison" not in repr(status)
    [release] = status.releases
    assert release.state == "valid" and release.agencies == ("SSA", "VA")


def test_an_update_about_a_case_not_projected_yet_is_retried_not_lost(db: Database) -> None:
    event = incoming(
        CASE_CLOSED,
        {
            "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
            "reference": "CW-2026-000042",
            "category": "social_security",
            "agency_code": None,
            "result": "favourable",
            "obtained": [],
            "amount_minor": None,
            "currency": None,
            "opened_at": "2026-12-01T10:00:00+00:00",
            "closed_by": "u-3",
            "closed_at": "2026-12-02T10:00:00+00:00",
        },
        office_id=LOPEZ,
    )

    with pytest.raises(handlers.CaseNotProjectedYet):
        consume(db, event, status_page.project_case_closed)


def test_the_constituent_revokes_their_release_once(db: Database) -> None:
    receipt = handlers.accept_submission(db, LOPEZ, REQUEST, EVIDENCE)
    [(release, _)] = db.rows["releases"].values()

    signing.revoke_release_by_constituent(db, LOPEZ, receipt.submission_id, release.id)

    revoked = [e for e in db.outbox if e.contract == PRIVACY_RELEASE_REVOKED]
    assert [e.payload.revoked_by for e in revoked] == ["constituent"]
    with pytest.raises(Conflict):
        signing.revoke_release_by_constituent(db, LOPEZ, receipt.submission_id, release.id)
    with pytest.raises(NotFound):  # another request's release is not theirs to revoke
        signing.revoke_release_by_constituent(db, LOPEZ, "someone-else", release.id)


def test_staff_see_identifiers_only_in_an_acting_role_and_the_read_is_audited(
    db: Database,
) -> None:
    handlers.accept_submission(db, LOPEZ, REQUEST, EVIDENCE)
    [(release, _)] = db.rows["releases"].values()

    with pytest.raises(Forbidden):
        staff_releases.reveal_identifiers(db, LOPEZ, INTERN, release.id)
    shown = staff_releases.reveal_identifiers(db, LOPEZ, CASEWORKER, release.id)

    assert shown == {"ssn": "123-45-6789", "va_file_number": "12345678"}
    assert ("release.identifiers_read", "privacy_release", release.id, "u-3") in [
        (a.action, a.subject_type, a.subject_id, a.actor) for a in db.audit_log
    ]


def test_a_letter_gets_the_constituents_particulars_and_identifiers_audited_for_it(
    db: Database,
) -> None:
    request = replace(
        REQUEST, constituent=NO_EMAIL, privacy_release=replace(CONSENT, signature_name="José Pérez")
    )
    receipt = handlers.accept_submission(db, LOPEZ, request, EVIDENCE)
    [(release, _)] = db.rows["releases"].values()

    particulars = staff_releases.letter_particulars(
        db, LOPEZ, CASEWORKER, receipt.submission_id, release.id
    )

    assert particulars == handlers.LetterParticulars(
        name="José Pérez",
        address_lines=("1 Main St", "Austin TX 78701-1234"),
        email=None,
        phone=NO_EMAIL.phone,
        description="No llega desde agosto.",
        identifiers={"ssn": "123-45-6789", "va_file_number": "12345678"},
    )
    assert (
        "release.identifiers_read_for_letter",
        "privacy_release",
        release.id,
        "u-3",
    ) == next(
        (a.action, a.subject_type, a.subject_id, a.actor)
        for a in db.audit_log
        if a.action == "release.identifiers_read_for_letter"
    )


def test_a_letter_without_a_release_gets_no_identifiers_and_the_read_is_audited(
    db: Database,
) -> None:
    receipt = handlers.accept_submission(db, LOPEZ, REQUEST, EVIDENCE)

    particulars = staff_releases.letter_particulars(
        db, LOPEZ, CASEWORKER, receipt.submission_id, None
    )

    assert (particulars.name, particulars.email, particulars.address_lines) == (
        "Maria Núñez",
        "maria@example.org",
        (),
    )
    assert particulars.identifiers == {}
    assert db.audit_log[-1].action == "submission.particulars_read_for_letter"
    assert db.audit_log[-1].subject_id == receipt.submission_id
    # An intern drafting a letter (approved by a supervisor before it goes) gets the same.
    drafted = staff_releases.letter_particulars(db, LOPEZ, INTERN, receipt.submission_id, None)
    assert (drafted.name, drafted.identifiers) == ("Maria Núñez", {})


def test_particulars_refuse_an_intern_another_requests_release_and_a_revoked_one(
    db: Database,
) -> None:
    receipt = handlers.accept_submission(db, LOPEZ, REQUEST, EVIDENCE)
    other = handlers.accept_submission(db, LOPEZ, replace(REQUEST, subject="Otra cosa"), EVIDENCE)
    [first, second] = [release for release, _ in db.rows["releases"].values()]
    mine, theirs = (
        (first, second) if first.submission_id == receipt.submission_id else (second, first)
    )
    assert theirs.submission_id == other.submission_id
    audited = len(db.audit_log)

    with pytest.raises(Forbidden):
        staff_releases.letter_particulars(db, LOPEZ, INTERN, receipt.submission_id, mine.id)
    with pytest.raises(NotFound):
        staff_releases.letter_particulars(db, LOPEZ, CASEWORKER, receipt.submission_id, theirs.id)
    with pytest.raises(NotFound):
        staff_releases.letter_particulars(db, LOPEZ, CASEWORKER, "no-such-request", mine.id)
    with pytest.raises(NotFound):  # another office's request is not found either
        staff_releases.letter_particulars(
            db, "rep-chen", CASEWORKER, receipt.submission_id, mine.id
        )
    assert len(db.audit_log) == audited, "a refused read is not a read"

    staff_releases.revoke_release_by_staff(db, LOPEZ, CASEWORKER, mine.id, "asked by phone")
    with pytest.raises(Conflict) as revoked:
        staff_releases.letter_particulars(db, LOPEZ, CASEWORKER, receipt.submission_id, mine.id)
    assert "6789" not in str(revoked.value.to_dict())


def test_the_signed_copy_is_a_pdf_with_masked_identifiers(db: Database) -> None:
    receipt = handlers.accept_submission(db, LOPEZ, REQUEST, EVIDENCE)
    [(release, _)] = db.rows["releases"].values()

    pdf = signing.constituent_release_pdf(db, LOPEZ, receipt.submission_id, release.id)

    assert pdf.startswith(b"%PDF")


def test_a_wet_signed_release_is_filed_with_its_scan(db: Database) -> None:
    receipt = handlers.accept_submission(
        db, LOPEZ, replace(REQUEST, privacy_release=None), EVIDENCE
    )

    release = staff_releases.file_wet_signed_release(
        db,
        LOPEZ,
        CASEWORKER,
        receipt.submission_id,
        agencies=["USCIS"],
        signed_on=date.today(),
        scan=Upload("release.png", PNG),
    )

    assert release.kind == "wet_signed" and release.agencies == ("USCIS",)
    document = staff_releases.staff_release_document(db, LOPEZ, CASEWORKER, release.id)
    assert document.content == PNG and document.content_type == "image/png"
    with pytest.raises(Forbidden):
        staff_releases.revoke_release_by_staff(db, LOPEZ, INTERN, release.id, "asked by phone")
    revoked = staff_releases.revoke_release_by_staff(db, LOPEZ, CASEWORKER, release.id, "asked")
    assert revoked.state(datetime.now(UTC)) == "revoked"
