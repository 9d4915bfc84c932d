"""Cases' RPC arguments as its handlers take them: the contracts' requests
(services/contracts/rpc/cases.py), read into the office and a domain query or command; and the
case page as the contract answers it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from marshmallow import post_load

from services.cases.domain.case import UNCHANGED, CaseStatus, Outcome
from services.cases.domain.commands import (
    AddNote,
    AssignCase,
    ChangeStatus,
    RequestDocuments,
    UpdateCase,
)
from services.cases.domain.queue import CaseQuery, CaseView
from services.cases.domain.releases import PrivacyRelease
from services.cases.domain.timeline import TimelineKind
from services.contracts.rpc.cases import (
    AddNoteRequest,
    AssignCaseRequest,
    CaseFile,
    CaseRelease,
    CaseRequest,
    ChangeStatusRequest,
    GetCaseRequest,
    ListCasesRequest,
    OutcomeAnswer,
    RequestDocumentsRequest,
    TimelineEntry,
    UpdateCaseRequest,
)

CASE_FILE = CaseFile()
OUTCOME = OutcomeAnswer()
TIMELINE = TimelineEntry(many=True)
RELEASE = CaseRelease()


class ListCasesArguments(ListCasesRequest):
    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> tuple[str, CaseQuery]:
        """The office and the query (the handler dates `overdue`)."""
        status = data.pop("status")
        office_id = data.pop("office_id")
        return office_id, CaseQuery(
            status=CaseStatus(status) if status is not None else None, **data
        )


class GetCaseArguments(GetCaseRequest):
    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> tuple[str, str | None, str | None]:
        case_id = data["case_id"]
        return data["office_id"], str(case_id) if case_id else None, data["reference"]


class CaseArguments(CaseRequest):
    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> tuple[str, str]:
        return data["office_id"], data["reference"]


class AddNoteArguments(AddNoteRequest):
    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> tuple[str, AddNote]:
        return data["office_id"], AddNote(
            data["reference"], data["body"], TimelineKind(data["kind"]), data["visibility"]
        )


class RequestDocumentsArguments(RequestDocumentsRequest):
    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> tuple[str, RequestDocuments]:
        return data["office_id"], RequestDocuments(
            data["reference"], tuple(data["documents"]), data["note"] or None
        )


class ChangeStatusArguments(ChangeStatusRequest):
    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> tuple[str, ChangeStatus]:
        given = data["outcome"]
        outcome = None if given is None else Outcome.checked(**given)
        return data["office_id"], ChangeStatus(
            data["reference"], data["to"], data["reason"], outcome
        )


class AssignCaseArguments(AssignCaseRequest):
    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> tuple[str, AssignCase]:
        return data["office_id"], AssignCase(data["reference"], data["user_id"])


class UpdateCaseArguments(UpdateCaseRequest):
    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> tuple[str, UpdateCase]:
        tags = data.get("tags", UNCHANGED)
        return data["office_id"], UpdateCase(
            data["reference"],
            priority=data.get("priority", UNCHANGED),
            tags=tuple(tags) if isinstance(tags, list) else UNCHANGED,
            due_on=data.get("due_on", UNCHANGED),
        )


def case_file(view: CaseView) -> dict[str, Any]:
    """The case page as the contract answers it: the case, the moves its reader may make, how
    it ended (with when), and the releases of its submission as they stand now (their
    signing and revocation on the timeline too)."""
    case = view.case
    answer: dict[str, Any] = CASE_FILE.dump(case)
    answer["timeline"] = TIMELINE.dump(view.timeline)
    answer["allowed_transitions"] = list(view.allowed_transitions)
    answer["releases"] = [release_answer(view, release) for release in view.releases]
    answer["outcome"] = (
        None
        if case.outcome is None
        else OUTCOME.dump({**asdict(case.outcome), "closed_at": case.closed_at})
    )
    return answer


def release_answer(view: CaseView, release: PrivacyRelease) -> dict[str, Any]:
    signing, revocation = release.signing, release.revocation
    assert signing is not None, "the case page shows releases whose signing is known"
    answer: dict[str, Any] = RELEASE.dump(
        {
            "release_id": release.release_id,
            "kind": signing.kind,
            "agencies": list(release.agencies),
            "signed_at": signing.signed_at,
            "expires_at": signing.expires_at,
            "state": view.release_state(release).value,
            "revoked_by": revocation.by if revocation else None,
            "revoked_at": revocation.at if revocation else None,
        }
    )
    return answer
