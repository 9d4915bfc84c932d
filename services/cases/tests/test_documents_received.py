"""Documents a constituent sent from their status page (`intake.documents_received`): the
aggregate's rule (filed on the case, named on the timeline, a case waiting on them open
again, a finished one kept as it is and saying so), then the handler through the real cases
database (SQLite and PostgreSQL behind the tenant wall): the files listed with the request's
own, the timeline and the status written, the move announced."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.cases import handlers
from services.cases.domain.case import CaseAttachment, CaseStatus, TimelineKind
from services.cases.models import Base, CaseRow, TimelineEntryRow
from services.cases.tests.conftest import OFFICE, Office, sample, submission
from services.cases.tests.test_releases import SAM, T0, opened
from services.chassis.errors import TransientError
from services.chassis.fakes import incoming
from services.contracts import CASE_STATUS_CHANGED, DOCUMENTS_RECEIVED, SUBMISSION_RECEIVED

AT = T0 + timedelta(days=3)
DD214 = CaseAttachment("a-1", "dd214.pdf", "application/pdf", 182044, "1" * 64)
LEASE = CaseAttachment("a-2", "lease.png", "image/png", 9100, "2" * 64)
ATTACHMENTS = Base.metadata.tables["case_attachments"]
CASES = Base.metadata.tables["cases"]
OUTBOX = Base.metadata.tables["outbox"]


def test_a_case_waiting_on_the_constituent_is_open_again_with_the_files() -> None:
    case = opened(CaseStatus.OPEN)
    case.request_documents(("DD-214", "Lease"), None, by=SAM, at=T0)
    case.pull_events()

    case.receive_documents((DD214, LEASE), "Both pages.", at=AT)

    assert case.status is CaseStatus.OPEN
    assert [a.attachment_id for a in case.attachments][-2:] == ["a-1", "a-2"]
    received, moved = case.timeline[-2:]
    assert (received.kind, received.visibility, received.summary, received.body) == (
        TimelineKind.DOCUMENTS_RECEIVED,
        "public",
        "The constituent sent: dd214.pdf, lease.png",
        "Both pages.",
    )
    assert moved.summary == "Status changed from waiting on constituent to open"
    assert moved.author_name == "The constituent"
    [event] = case.pull_events()
    assert event.contract is CASE_STATUS_CHANGED
    assert (event.payload.to_status, event.payload.tell_constituent) == ("open", False)
    assert event.payload.changed_by == "constituent"


def test_a_case_waiting_on_an_agency_keeps_waiting() -> None:
    case = opened(CaseStatus.WAITING_ON_AGENCY)

    case.receive_documents((DD214,), None, at=AT)

    assert case.status is CaseStatus.WAITING_ON_AGENCY
    assert case.timeline[-1].summary == "The constituent sent: dd214.pdf"
    assert case.pull_events() == []


@pytest.mark.parametrize("status", [CaseStatus.CLOSED, CaseStatus.RESOLVED, CaseStatus.WITHDRAWN])
def test_a_finished_case_files_them_but_is_not_reopened(status: CaseStatus) -> None:
    case = opened(status)

    case.receive_documents((DD214,), None, at=AT)

    assert case.status is status
    assert case.attachments[-1] == DD214
    received, kept = case.timeline[-2:]
    assert received.summary == "The constituent sent: dd214.pdf"
    assert (kept.kind, kept.visibility) == (TimelineKind.DOCUMENTS_RECEIVED, "internal")
    assert kept.summary == (
        f"Documents arrived while the case is {status.value}: filed on the case, "
        "which was not reopened"
    )
    assert case.pull_events() == []


def test_a_file_already_on_the_case_is_not_listed_twice() -> None:
    case = opened(CaseStatus.OPEN)
    case.receive_documents((DD214,), None, at=AT)

    case.receive_documents((DD214, LEASE), None, at=AT)

    assert [a.attachment_id for a in case.attachments].count("a-1") == 1


# -- Through the database -----------------------------------------------------------------------


def opened_with_a_file(office: Office, status: str) -> CaseRow:
    payload = submission(attachments=SUBMISSION_RECEIVED.example["attachments"])
    event = incoming(SUBMISSION_RECEIVED, payload, office_id=OFFICE)
    office.open(event)
    with office.engine.begin() as connection:
        connection.execute(
            CASES.update()
            .where(CASES.c.submission_id == payload["submission_id"])
            .values(status=status)
        )
    with Session(office.engine) as session:
        case = session.scalars(
            select(CaseRow).where(CaseRow.submission_id == payload["submission_id"])
        ).one()
    return case


def received(case: CaseRow, message: str | None = "Both pages.") -> Any:
    files = [
        {
            "attachment_id": str(uuid.uuid4()),
            "filename": name,
            "content_type": kind,
            "size_bytes": size,
            "sha256": digit * 64,
        }
        for name, kind, size, digit in (
            ("dd214.pdf", "application/pdf", 182044, "a"),
            ("lease.png", "image/png", 9100, "b"),
        )
    ]
    payload = {
        "submission_id": case.submission_id,
        "case_id": case.id,
        "reference": case.reference,
        "attachments": files,
        "message": message,
        "received_at": datetime(2026, 12, 20, 16, 40, tzinfo=UTC),
    }
    return incoming(DOCUMENTS_RECEIVED, payload, office_id=OFFICE)


def filed(office: Office, case_id: str) -> list[str]:
    with office.engine.connect() as connection:
        return sorted(
            connection.execute(
                select(ATTACHMENTS.c.filename).where(ATTACHMENTS.c.case_id == case_id)
            ).scalars()
        )


def timeline(office: Office, case_id: str) -> list[tuple[str, str, str, str | None]]:
    with Session(office.engine) as session:
        rows = session.scalars(
            select(TimelineEntryRow)
            .where(TimelineEntryRow.case_id == case_id)
            .order_by(TimelineEntryRow.at, TimelineEntryRow.id)
        )
        return [(r.kind, r.visibility, r.summary, r.body) for r in rows]


def announced_moves(office: Office) -> list[dict[str, Any]]:
    with office.engine.connect() as connection:
        rows = connection.execute(
            select(OUTBOX.c.payload).where(OUTBOX.c.event_type == CASE_STATUS_CHANGED.event_type)
        ).scalars()
        return [json.loads(row) if isinstance(row, str) else row for row in rows]


def test_the_files_join_the_case_and_it_is_open_again(office: Office) -> None:
    case = opened_with_a_file(office, "waiting_on_constituent")
    before = sample("casework_cases_documents_received_total")

    office.db.consume(received(case), handlers.record_documents_received)

    assert filed(office, case.id) == ["dd214.pdf", "denial-letter.pdf", "lease.png"]
    with Session(office.engine) as session:
        stored = session.get(CaseRow, case.id)
        assert stored is not None and stored.status == "open"
    assert timeline(office, case.id)[-2:] == [
        (
            "documents_received",
            "public",
            "The constituent sent: dd214.pdf, lease.png",
            "Both pages.",
        ),
        (
            "status_changed",
            "internal",
            "Status changed from waiting on constituent to open",
            "documents received",
        ),
    ]
    [move] = [m for m in announced_moves(office) if m["case_id"] == case.id]
    assert (move["to_status"], move["tell_constituent"]) == ("open", False)
    assert sample("casework_cases_documents_received_total") == before + 2
    # The case page lists them with the request's own file, each downloaded by its id.
    with office.db.unit_of_work(office_id=OFFICE) as uow:
        listed = uow.cases.by_reference(case.reference)
        assert listed is not None
        assert sorted(a.filename for a in listed.attachments) == [
            "dd214.pdf",
            "denial-letter.pdf",
            "lease.png",
        ]


def test_a_closed_case_keeps_them_and_stays_closed(office: Office) -> None:
    case = opened_with_a_file(office, "closed")

    office.db.consume(received(case, None), handlers.record_documents_received)

    assert filed(office, case.id) == ["dd214.pdf", "denial-letter.pdf", "lease.png"]
    with Session(office.engine) as session:
        stored = session.get(CaseRow, case.id)
        assert stored is not None and stored.status == "closed"
    assert timeline(office, case.id)[-2:] == [
        ("documents_received", "public", "The constituent sent: dd214.pdf, lease.png", None),
        (
            "documents_received",
            "internal",
            "Documents arrived while the case is closed: filed on the case, which was not reopened",
            None,
        ),
    ]
    assert [m for m in announced_moves(office) if m["case_id"] == case.id] == []


def test_documents_for_a_case_not_opened_yet_are_retried(office: Office) -> None:
    case = CaseRow(
        id=str(uuid.uuid4()), submission_id=str(uuid.uuid4()), reference="CW-2026-000999"
    )

    with pytest.raises(TransientError), office.db.unit_of_work(office_id=OFFICE) as uow:
        handlers.record_documents_received(uow, received(case))
