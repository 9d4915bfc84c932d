"""Privacy releases, attachments and public notes through cases' handlers on the fake unit of
work (the consume wrapper, the inbox, the case page's answer): no database, no broker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.cases import handlers, staff
from services.cases.domain.commands import AddNote
from services.cases.domain.timeline import TimelineKind
from services.cases.schemas import case_file
from services.cases.tests.fakes import FakeCasesUnitOfWork, fake_database
from services.cases.tests.test_handlers import OFFICE, OTHER_OFFICE, add_staff, open_case
from services.chassis.consuming import consume
from services.chassis.domain import Actor
from services.chassis.fakes import FakeDatabase, incoming
from services.contracts import (
    PRIVACY_RELEASE_REVOKED,
    PRIVACY_RELEASE_SIGNED,
    PUBLIC_NOTE_ADDED,
)
from services.contracts.rpc.cases import CaseFile

Db = FakeDatabase[FakeCasesUnitOfWork]
SAM = Actor.staff("u-3", "caseworker", "staff-app")
INTERN = Actor.staff("u-9", "read_only", "staff-app")
NOW = datetime.now(UTC)


@pytest.fixture
def db() -> Db:
    database = fake_database()
    add_staff(database, "u-3", "Sam Rivera", "caseworker")
    return database


def signed(submission_id: str, office: str = OFFICE, **overrides: Any) -> Any:
    payload = {
        "release_id": str(uuid.uuid4()),
        "submission_id": submission_id,
        "constituent_id": str(uuid.uuid4()),
        "agencies": ["SSA", "VA"],
        "kind": "e_signed",
        "signed_at": NOW - timedelta(days=1),
        "expires_at": NOW + timedelta(days=364),
        **overrides,
    }
    return incoming(PRIVACY_RELEASE_SIGNED, payload, office_id=office)


def revoked(of: Any, by: str = "constituent", at: datetime | None = None) -> Any:
    payload = {
        "release_id": of.payload.release_id,
        "submission_id": of.payload.submission_id,
        "constituent_id": of.payload.constituent_id,
        "agencies": list(of.payload.agencies),
        "revoked_by": by,
        "revoked_at": at or NOW - timedelta(hours=1),
    }
    return incoming(PRIVACY_RELEASE_REVOKED, payload, office_id=of.office_id)


def case_page(db: Db, case_id: str, office: str = OFFICE, actor: Actor = SAM) -> dict[str, Any]:
    """`get_case` as the RPC answers it, read back with the contract as gateway reads it."""
    with db.unit_of_work(office_id=office, actor=actor) as uow:
        answer = case_file(staff.get_case(uow, case_id=case_id))
    return CaseFile().load(answer)  # type: ignore[no-any-return]


def test_a_release_signed_before_its_case_opens_is_on_the_case_page_once_it_opens(db: Db) -> None:
    submission_id = str(uuid.uuid4())
    event = signed(submission_id)
    consume(db, event, handlers.record_release_signed)
    case = open_case(db, submission_id=submission_id)

    page = case_page(db, case.case_id)

    [release] = page["releases"]
    assert release == {
        "release_id": event.payload.release_id,
        "kind": "e_signed",
        "agencies": ["SSA", "VA"],
        "signed_at": event.payload.signed_at,
        "expires_at": event.payload.expires_at,
        "state": "valid",
        "revoked_by": None,
        "revoked_at": None,
    }
    signing = [e for e in page["timeline"] if e["kind"] == "release_signed"]
    assert [e["summary"].split(";")[0] for e in signing] == ["Privacy release signed (SSA, VA"]
    assert [e["kind"] for e in page["timeline"]][:2] == ["release_signed", "opened"]
    # Releases are read with the case, not written into its stored timeline.
    assert [note.kind for note in db.rows["cases"][(OFFICE, case.case_id)].timeline] == [
        TimelineKind.OPENED,
        TimelineKind.ASSIGNED,
    ]


def test_a_revocation_that_overtakes_its_signing_is_kept_and_counts_once_the_signing_arrives(
    db: Db,
) -> None:
    case = open_case(db)
    signing = signed(case.submission_id)
    revocation = revoked(signing, by="staff")

    consume(db, revocation, handlers.record_release_revoked)
    assert case_page(db, case.case_id)["releases"] == []
    consume(db, signing, handlers.record_release_signed)

    [release] = case_page(db, case.case_id)["releases"]
    assert (release["state"], release["revoked_by"]) == ("revoked", "staff")
    assert release["revoked_at"] == revocation.payload.revoked_at
    kinds = [e["kind"] for e in case_page(db, case.case_id)["timeline"]]
    assert kinds.count("release_signed") == kinds.count("release_revoked") == 1


def test_a_redelivered_or_re_announced_release_is_still_one_release(db: Db) -> None:
    case = open_case(db)
    claimed = len(db.inbox)
    event = signed(case.submission_id)
    consume(db, event, handlers.record_release_signed)
    consume(db, event, handlers.record_release_signed)  # redelivered: the inbox stops it
    again = incoming(PRIVACY_RELEASE_SIGNED, event.payload, office_id=OFFICE)
    consume(db, again, handlers.record_release_signed)  # re-announced under a new event id
    first = revoked(event, at=NOW - timedelta(hours=2))
    consume(db, first, handlers.record_release_revoked)
    consume(db, revoked(event, by="staff"), handlers.record_release_revoked)

    [release] = case_page(db, case.case_id)["releases"]
    assert (release["revoked_by"], release["revoked_at"]) == (
        "constituent",
        first.payload.revoked_at,
    )
    assert len(db.rows["releases"]) == 1
    assert len(db.inbox) - claimed == 4


def test_a_release_past_its_expiry_reads_as_expired(db: Db) -> None:
    case = open_case(db)
    consume(
        db,
        signed(
            case.submission_id,
            signed_at=NOW - timedelta(days=400),
            expires_at=NOW - timedelta(days=35),
        ),
        handlers.record_release_signed,
    )
    consume(db, signed(case.submission_id, agencies=["IRS"]), handlers.record_release_signed)

    releases = case_page(db, case.case_id)["releases"]

    # Newest first.
    assert [(r["agencies"], r["state"]) for r in releases] == [
        (["IRS"], "valid"),
        (["SSA", "VA"], "expired"),
    ]


def test_another_offices_release_of_the_same_submission_id_is_not_joined(db: Db) -> None:
    case = open_case(db)
    consume(db, signed(case.submission_id, office=OTHER_OFFICE), handlers.record_release_signed)
    consume(db, signed(str(uuid.uuid4())), handlers.record_release_signed)

    assert case_page(db, case.case_id)["releases"] == []


def test_an_intern_reads_the_releases_and_attachments_too(db: Db) -> None:
    case = open_case(db)
    consume(db, signed(case.submission_id), handlers.record_release_signed)

    page = case_page(db, case.case_id, actor=INTERN)

    assert [r["state"] for r in page["releases"]] == ["valid"]
    assert [a["filename"] for a in page["attachments"]] == ["denial-letter.pdf"]


def test_the_files_a_submission_brought_are_on_its_case_page(db: Db) -> None:
    files = [
        {
            "attachment_id": str(uuid.uuid4()),
            "filename": "ssa-letter.pdf",
            "content_type": "application/pdf",
            "size_bytes": 120_000,
            "sha256": "a" * 64,
        },
        {
            "attachment_id": str(uuid.uuid4()),
            "filename": "envelope.jpg",
            "content_type": "image/jpeg",
            "size_bytes": 2_400_000,
            "sha256": "b" * 64,
        },
    ]
    with_files = open_case(db, attachments=files)
    without = open_case(db, attachments=[])

    assert case_page(db, with_files.case_id)["attachments"] == files
    assert case_page(db, without.case_id)["attachments"] == []


def add_note(db: Db, reference: str, visibility: str, body: str = "We wrote to the SSA.") -> None:
    with db.unit_of_work(office_id=OFFICE, actor=SAM) as uow:
        staff.add_note(uow, AddNote(reference, body, TimelineKind.NOTE, visibility))


def test_a_public_note_is_announced_for_the_status_page_and_an_internal_one_is_not(
    db: Db,
) -> None:
    case = open_case(db)

    add_note(db, case.reference, "internal", "SSN checked with the constituent")
    add_note(db, case.reference, "public")

    [announced] = db.published(PUBLIC_NOTE_ADDED)
    assert (announced.case_id, announced.reference, announced.text) == (
        case.case_id,
        case.reference,
        "We wrote to the SSA.",
    )
    page = case_page(db, case.case_id)
    assert [(e["visibility"], e["body"]) for e in page["timeline"] if e["kind"] == "note"] == [
        ("internal", "SSN checked with the constituent"),
        ("public", "We wrote to the SSA."),
    ]
