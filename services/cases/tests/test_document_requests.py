"""A request for documents: the aggregate's rule (the case waits on the constituent, they are
told once, by the request itself), the handler behind `request_documents`, and the RPC's
refusals, without a database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from services.cases import staff
from services.cases.domain.case import PUBLIC_NOTE_LENGTH, CaseStatus, TimelineKind
from services.cases.domain.commands import RequestDocuments
from services.cases.schemas import RequestDocumentsArguments
from services.cases.tests.fakes import FakeCasesUnitOfWork, fake_database
from services.cases.tests.test_handlers import OFFICE, add_staff, open_case
from services.cases.tests.test_releases import SAM, T0, opened
from services.chassis.domain import Actor
from services.chassis.errors import Conflict, Forbidden, ValidationFailed
from services.chassis.fakes import FakeDatabase
from services.chassis.schemas import load_arguments
from services.contracts import CASE_STATUS_CHANGED, PUBLIC_NOTE_ADDED, PublicNoteAdded
from services.contracts.payloads import PublicNoteAddedV1

Db = FakeDatabase[FakeCasesUnitOfWork]
CASEWORKER = Actor.staff("u-3", "caseworker", "staff-app")
INTERN = Actor.staff("u-9", "read_only", "staff-app")
DOCUMENTS = ("Denial letter of March 3", "DD-214")


def test_asking_for_documents_makes_the_case_wait_on_the_constituent_and_tells_them_once() -> None:
    case = opened(CaseStatus.WAITING_ON_AGENCY)
    at = T0 + timedelta(days=2)

    case.request_documents(DOCUMENTS, "Photos of both pages are fine.", by=SAM, at=at)

    assert case.status is CaseStatus.WAITING_ON_CONSTITUENT
    moved, asked = case.pull_events()
    assert moved.contract is CASE_STATUS_CHANGED
    assert (moved.payload.to_status, moved.payload.tell_constituent) == (
        "waiting_on_constituent",
        False,
    )
    assert asked.contract is PUBLIC_NOTE_ADDED
    payload: PublicNoteAdded = asked.payload
    assert payload.requested_documents == DOCUMENTS
    assert payload.text == "Photos of both pages are fine."
    entry = case.timeline[-1]
    assert (entry.kind, entry.visibility, entry.body) == (
        TimelineKind.DOCUMENTS_REQUESTED,
        "public",
        "Photos of both pages are fine.",
    )
    assert entry.summary == "Asked the constituent for: Denial letter of March 3; DD-214"
    # What travels passes the contract on the way to the outbox.
    wire = PUBLIC_NOTE_ADDED.dump(payload)
    assert wire["requested_documents"] == list(DOCUMENTS)


def test_a_second_request_while_waiting_moves_nothing_and_needs_no_note() -> None:
    case = opened(CaseStatus.WAITING_ON_CONSTITUENT)

    case.request_documents(("  Lease  ", "Lease", "", "Utility bill"), None, by=SAM, at=T0)

    [asked] = case.pull_events()
    assert asked.payload.requested_documents == ("Lease", "Utility bill")
    assert asked.payload.text == ""
    assert case.timeline[-1].body is None


@pytest.mark.parametrize(
    "status", [CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.WITHDRAWN, CaseStatus.TRANSFERRED]
)
def test_a_finished_case_asks_for_nothing(status: CaseStatus) -> None:
    case = opened(status)

    with pytest.raises(Conflict, match="reopen it"):
        case.request_documents(DOCUMENTS, None, by=SAM, at=T0)

    assert case.pull_events() == [] and case.status is status


@pytest.mark.parametrize(
    ("documents", "note", "field"),
    [
        (("  ", ""), None, "documents"),
        (DOCUMENTS, "x" * (PUBLIC_NOTE_LENGTH + 1), "note"),
    ],
)
def test_a_request_naming_nothing_or_with_too_long_a_note_is_refused_and_changes_nothing(
    documents: tuple[str, ...], note: str | None, field: str
) -> None:
    case = opened(CaseStatus.OPEN)

    with pytest.raises(ValidationFailed) as refused:
        case.request_documents(documents, note, by=SAM, at=T0)

    assert field in refused.value.fields
    assert case.status is CaseStatus.OPEN and case.pull_events() == []


def test_the_contract_refuses_an_update_that_says_nothing_and_asks_for_nothing() -> None:
    wire = {
        "case_id": "c-1",
        "reference": "CW-2026-000042",
        "note_id": "n-1",
        "text": "",
        "added_at": T0.isoformat(),
    }
    assert "text" in PublicNoteAddedV1().validate(wire)
    assert PublicNoteAddedV1().validate({**wire, "requested_documents": ["Lease"]}) == {}
    # An update written before requests existed still loads, asking for nothing.
    loaded = PUBLIC_NOTE_ADDED.load_typed({**wire, "text": "We wrote to the SSA."})
    assert loaded.requested_documents == ()


@pytest.fixture
def db() -> Db:
    database = fake_database()
    add_staff(database, "u-3", "Sam Rivera", "caseworker")
    return database


def request(db: Db, reference: str, actor: Actor = CASEWORKER, **arguments: Any) -> Any:
    office, command = load_arguments(
        RequestDocumentsArguments(),
        {"office_id": OFFICE, "reference": reference, "documents": list(DOCUMENTS), **arguments},
    )
    with db.unit_of_work(office_id=office, actor=actor) as uow:
        return staff.request_documents(uow, command)


def test_the_handler_records_the_request_audits_it_and_announces_it(db: Db) -> None:
    case = open_case(db)

    view = request(db, case.reference, note="Send copies, not originals.")

    assert view.case.status is CaseStatus.WAITING_ON_CONSTITUENT
    [announced] = db.published(PUBLIC_NOTE_ADDED)
    assert (announced.requested_documents, announced.text) == (
        DOCUMENTS,
        "Send copies, not originals.",
    )
    [moved] = [e for e in db.published(CASE_STATUS_CHANGED) if e.to_status != "open"]
    assert moved.tell_constituent is False
    assert "case.documents_requested" in [entry.action for entry in db.audit_log]


def test_an_intern_may_not_ask_for_documents(db: Db) -> None:
    case = open_case(db)
    add_staff(db, "u-9", "Ira Intern", "read_only")

    with pytest.raises(Forbidden):
        request(db, case.reference, actor=INTERN)

    assert db.published(PUBLIC_NOTE_ADDED) == []


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"documents": []}, "documents"),
        ({"documents": ["x" * 121]}, "documents"),
        ({"documents": [f"doc {n}" for n in range(11)]}, "documents"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_the_rpc_arguments_name_the_field_they_refuse(
    arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        load_arguments(
            RequestDocumentsArguments(),
            {
                "office_id": OFFICE,
                "reference": "CW-2026-000001",
                "documents": list(DOCUMENTS),
                **arguments,
            },
        )
    assert field in refused.value.fields


def test_a_command_names_the_case_by_reference() -> None:
    office, command = load_arguments(
        RequestDocumentsArguments(),
        {"office_id": OFFICE, "reference": "CW-2026-000001", "documents": ["Lease"], "note": ""},
    )
    assert (office, command) == (OFFICE, RequestDocuments("CW-2026-000001", ("Lease",), None))
