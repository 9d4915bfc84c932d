"""Privacy releases, attachments and public notes through the real cases service: intake's
events consumed from a real broker into both databases (in any order, at once), the case page
answering them over RPC, and a public note announced to intake's queue."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import eventlet
from nameko.standalone.rpc import ClusterRpcClient
from sqlalchemy import select

from services.cases import handlers
from services.cases.models import Base
from services.cases.tests.conftest import OFFICE, CasesHarness, Office
from services.chassis.fakes import incoming
from services.chassis.testing import wait_until
from services.contracts import (
    PRIVACY_RELEASE_REVOKED,
    PRIVACY_RELEASE_SIGNED,
    PUBLIC_NOTE_ADDED,
)

PUBLIC_NOTES_QUEUE = "intake--cases.public_note_added"
SAM = {"user_id": "u-3", "role": "caseworker", "office_id": OFFICE, "origin": "web 203.0.113.9"}
NOW = datetime.now(UTC)
LETTER = {
    "attachment_id": "a1f0c2d4-7b1e-4c55-9d0a-2e4f6a8b0c13",
    "filename": "denial-letter.pdf",
    "content_type": "application/pdf",
    "size_bytes": 48213,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
}
releases = Base.metadata.tables["privacy_releases"]


def signing(submission_id: str) -> dict[str, Any]:
    return {
        "release_id": str(uuid.uuid4()),
        "submission_id": submission_id,
        "constituent_id": str(uuid.uuid4()),
        "agencies": ["SSA"],
        "kind": "e_signed",
        "signed_at": NOW - timedelta(minutes=1),
        "expires_at": NOW + timedelta(days=365),
    }


def revocation(signed: dict[str, Any], by: str = "constituent") -> dict[str, Any]:
    return {
        "release_id": signed["release_id"],
        "submission_id": signed["submission_id"],
        "constituent_id": signed["constituent_id"],
        "agencies": signed["agencies"],
        "revoked_by": by,
        "revoked_at": datetime.now(UTC),
    }


def case_page(reference: str) -> dict[str, Any]:
    with ClusterRpcClient(context_data=SAM) as rpc:
        return rpc.cases.get_case(OFFICE, reference=reference)  # type: ignore[no-any-return]


def test_a_release_signed_before_its_case_is_opened_is_on_the_case_page_and_then_revoked(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    submission_id = str(uuid.uuid4())
    signed = signing(submission_id)
    cases.publish(PRIVACY_RELEASE_SIGNED, signed, office_id=OFFICE)
    wait_until(lambda: _stored(cases, signed["release_id"]), message="release never stored")

    case = cases.open_case(submission_id=submission_id, attachments=[LETTER])
    page = case_page(case.reference)

    [release] = page["releases"]
    assert (release["release_id"], release["state"], release["agencies"]) == (
        signed["release_id"],
        "valid",
        ["SSA"],
    )
    assert page["attachments"] == [LETTER]
    assert "release_signed" in [entry["kind"] for entry in page["timeline"]]

    cases.publish(PRIVACY_RELEASE_REVOKED, revocation(signed), office_id=OFFICE)

    revoked = wait_until(
        lambda: (r := case_page(case.reference)["releases"])[0]["state"] == "revoked" and r,
        message="the revocation never reached the case page",
    )
    assert revoked[0]["revoked_by"] == "constituent"
    assert case_page(case.reference)["timeline"][-1]["summary"] == (
        "Privacy release revoked by the constituent"
    )


def test_a_public_note_reaches_intakes_queue_and_an_internal_note_does_not(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    case = cases.open_case()
    with ClusterRpcClient(context_data=SAM) as rpc:
        rpc.cases.add_note(OFFICE, case.reference, "Internal: SSN confirmed")
        rpc.cases.add_note(OFFICE, case.reference, "We wrote to the SSA.", visibility="public")
    wait_until(cases.outbox_drained)

    [announced] = wait_until(lambda: cases.queued(PUBLIC_NOTES_QUEUE), message="no public note")

    assert announced["event_type"] == PUBLIC_NOTE_ADDED.event_type
    assert announced["office_id"] == OFFICE
    payload = announced["payload"]
    assert (payload["case_id"], payload["reference"], payload["text"]) == (
        case.id,
        case.reference,
        "We wrote to the SSA.",
    )
    assert cases.queued(PUBLIC_NOTES_QUEUE) == []


def _stored(cases: CasesHarness, release_id: str) -> bool:
    with cases.engine.connect() as connection:
        row = connection.execute(
            select(releases.c.release_id).where(releases.c.release_id == release_id)
        ).first()
        return row is not None


def test_a_signing_and_its_revocation_handled_at_once_both_count(office: Office) -> None:
    """Two workers on the two queues: one inserts the release, the other clashes on the key,
    runs again, and changes only its own columns."""
    for _ in range(5):
        signed = signing(str(uuid.uuid4()))
        revoked = revocation(signed, "staff")
        pool = eventlet.GreenPool(2)
        pool.spawn(
            office.db.consume,
            incoming(PRIVACY_RELEASE_SIGNED, signed, office_id=OFFICE),
            handlers.record_release_signed,
        )
        pool.spawn(
            office.db.consume,
            incoming(PRIVACY_RELEASE_REVOKED, revoked, office_id=OFFICE),
            handlers.record_release_revoked,
        )
        pool.waitall()

        with office.engine.connect() as connection:
            [row] = connection.execute(
                select(releases).where(releases.c.release_id == signed["release_id"])
            ).all()
        assert (row.kind, row.revoked_by, row.office_id) == ("e_signed", "staff", OFFICE)
        assert row.signed_at is not None and row.expires_at is not None
