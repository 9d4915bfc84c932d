"""Cases' nameko entrypoints: translate events and RPC calls into handler calls, nothing more."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from services.cases import handlers, staff
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain import permissions
from services.cases.models import Base
from services.cases.schemas import (
    AddNoteArguments,
    AssignCaseArguments,
    CaseArguments,
    ChangeStatusArguments,
    GetCaseArguments,
    ListCasesArguments,
    RequestDocumentsArguments,
    UpdateCaseArguments,
    case_file,
)
from services.chassis.consuming import Failures
from services.chassis.domain import AUDIT_FIELD_LENGTH, Actor
from services.chassis.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.chassis.events import IncomingEvent
from services.chassis.messaging import event_handler
from services.chassis.schemas import load_arguments
from services.chassis.service import Database, ServiceBase
from services.contracts import (
    ACKNOWLEDGEMENT_SENT,
    AGENCY_SUGGESTED,
    CASE_REFERRED,
    CLOCK_PAUSED,
    CLOCK_RESUMED,
    DEADLINE_EXTENDED,
    DOCUMENTS_RECEIVED,
    INQUIRY_OVERDUE,
    INQUIRY_SENT,
    INQUIRY_WITHDRAWN,
    PRIVACY_RELEASE_REVOKED,
    PRIVACY_RELEASE_SIGNED,
    REMINDER_DUE,
    REPLY_LOGGED,
    SATISFACTION_RATED,
    STAFF_MEMBER_ADDED,
    SUBMISSION_RECEIVED,
)
from services.contracts.rpc.cases import AuditTrail, CasePage, OfficeOnlyRequest, Workload

LIST_CASES = ListCasesArguments()
GET_CASE = GetCaseArguments()
ADD_NOTE = AddNoteArguments()
REQUEST_DOCUMENTS = RequestDocumentsArguments()
CHANGE_STATUS = ChangeStatusArguments()
ASSIGN_CASE = AssignCaseArguments()
UPDATE_CASE = UpdateCaseArguments()
CASE = CaseArguments()
OFFICE_ONLY = OfficeOnlyRequest()
CASE_PAGE = CasePage()
WORKLOAD = Workload()
AUDIT_TRAIL = AuditTrail()
# What a caller may get back as itself; anything else is a bug, logged with its trace.
EXPECTED = (ValidationFailed, NotFound, Forbidden, Conflict)


@dataclass(frozen=True)
class Caller:
    """Who is calling (`actor`) and, when the caller says, the office they act for."""

    actor: Actor
    office_id: str | None = None

    def office(self, office_id: str) -> str:
        """`office_id`, unless the caller acts for another office: then it is not found."""
        permissions.same_office(self.office_id, office_id)
        return office_id


class RpcActor(DependencyProvider):
    """Who is calling, from the RPC context: `user_id` (else the system), with their `role`,
    `origin` and `office_id` when the caller says."""

    def get_dependency(self, worker_ctx: Any) -> Caller:
        user_id, role, origin, office_id = (
            str(value) if value else None
            for value in (
                worker_ctx.data.get(key) for key in ("user_id", "role", "origin", "office_id")
            )
        )
        if user_id:
            return Caller(Actor.staff(user_id, role, origin), office_id)
        system = replace(Actor.system(), origin=origin[:AUDIT_FIELD_LENGTH] if origin else None)
        return Caller(system, office_id)


class CasesService(ServiceBase):
    name = "cases"
    db = Database(Base.metadata, unit_of_work=CasesUnitOfWork)
    caller: Any = RpcActor()  # a worker sees the Caller it provides

    @event_handler(SUBMISSION_RECEIVED)
    def open_case(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.open_case)

    @event_handler(STAFF_MEMBER_ADDED)
    def record_staff_member(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_staff_member)

    @event_handler(AGENCY_SUGGESTED)
    def record_agency_suggestion(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_agency_suggestion)

    @event_handler(ACKNOWLEDGEMENT_SENT)
    def record_acknowledgement(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_acknowledgement)

    @event_handler(SATISFACTION_RATED)
    def record_satisfaction(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_satisfaction)

    @event_handler(DOCUMENTS_RECEIVED)
    def record_documents_received(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_documents_received)

    @event_handler(PRIVACY_RELEASE_SIGNED)
    def record_release_signed(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_release_signed)

    @event_handler(PRIVACY_RELEASE_REVOKED)
    def record_release_revoked(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_release_revoked)

    # Agency liaison: every step of a case's letters to agencies is on its timeline.

    @event_handler(INQUIRY_SENT)
    def record_inquiry_sent(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_inquiry_sent)

    @event_handler(REPLY_LOGGED)
    def record_reply_logged(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_reply_logged)

    @event_handler(INQUIRY_OVERDUE)
    def record_inquiry_overdue(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_inquiry_overdue)

    @event_handler(CLOCK_PAUSED)
    def record_clocks_paused(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_clocks_changed)

    @event_handler(CLOCK_RESUMED)
    def record_clocks_resumed(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_clocks_changed)

    @event_handler(DEADLINE_EXTENDED)
    def record_deadline_extended(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_deadline_extended)

    @event_handler(INQUIRY_WITHDRAWN)
    def record_inquiry_withdrawn(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_inquiry_withdrawn)

    @event_handler(REMINDER_DUE)
    def record_reminder_due(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_reminder_due)

    @event_handler(CASE_REFERRED)
    def record_case_referred(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_case_referred)

    @rpc(expected_exceptions=EXPECTED)
    def list_cases(self, office_id: str, **filters: Any) -> dict[str, Any]:
        """`list_cases(office_id, status=None, active=False, assigned_to=None,
        unassigned=False, category=None, agency=None, priority=None, tag=None, overdue=False,
        limit=50, offset=0)`."""
        office, query = load_arguments(LIST_CASES, {"office_id": office_id, **filters})
        with self._work(office) as uow:
            return CASE_PAGE.dump(staff.list_cases(uow, query))

    @rpc(expected_exceptions=EXPECTED)
    def get_case(
        self, office_id: str, case_id: str | None = None, reference: str | None = None
    ) -> dict[str, Any]:
        office, case, named = load_arguments(
            GET_CASE, {"office_id": office_id, "case_id": case_id, "reference": reference}
        )
        with self._work(office) as uow:
            return case_file(staff.get_case(uow, case_id=case, reference=named))

    @rpc(expected_exceptions=EXPECTED)
    def add_note(self, office_id: str, reference: str, body: str, **options: Any) -> dict[str, Any]:
        """`add_note(office_id, reference, body, visibility="internal", kind="note")`."""
        arguments = {"office_id": office_id, "reference": reference, "body": body, **options}
        office, command = load_arguments(ADD_NOTE, arguments)
        with self._work(office) as uow:
            return case_file(staff.add_note(uow, command))

    @rpc(expected_exceptions=EXPECTED)
    def request_documents(
        self, office_id: str, reference: str, documents: list[str], note: str | None = None
    ) -> dict[str, Any]:
        """`request_documents(office_id, reference, documents, note=None)`."""
        arguments = {
            "office_id": office_id,
            "reference": reference,
            "documents": documents,
            "note": note,
        }
        office, command = load_arguments(REQUEST_DOCUMENTS, arguments)
        with self._work(office) as uow:
            return case_file(staff.request_documents(uow, command))

    @rpc(expected_exceptions=EXPECTED)
    def change_status(
        self,
        office_id: str,
        reference: str,
        to: str,
        reason: str | None = None,
        outcome: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        office, command = load_arguments(
            CHANGE_STATUS,
            {
                "office_id": office_id,
                "reference": reference,
                "to": to,
                "reason": reason,
                "outcome": outcome,
            },
        )
        with self._work(office) as uow:
            return case_file(staff.change_status(uow, command))

    @rpc(expected_exceptions=EXPECTED)
    def assign_case(self, office_id: str, reference: str, user_id: str) -> dict[str, Any]:
        office, command = load_arguments(
            ASSIGN_CASE, {"office_id": office_id, "reference": reference, "user_id": user_id}
        )
        with self._work(office) as uow:
            return case_file(staff.assign_case(uow, command))

    @rpc(expected_exceptions=EXPECTED)
    def update_case(self, office_id: str, reference: str, **changes: Any) -> dict[str, Any]:
        """`update_case(office_id, reference, priority=..., tags=..., due_on=...)`: only the
        fields given change; `due_on=None` clears the date."""
        office, command = load_arguments(
            UPDATE_CASE, {"office_id": office_id, "reference": reference, **changes}
        )
        with self._work(office) as uow:
            return case_file(staff.update_case(uow, command))

    @rpc(expected_exceptions=EXPECTED)
    def workload(self, office_id: str) -> dict[str, Any]:
        office = load_arguments(OFFICE_ONLY, {"office_id": office_id})["office_id"]
        with self._work(office) as uow:
            return WORKLOAD.dump({"rows": staff.office_workload(uow)})

    @rpc(expected_exceptions=EXPECTED)
    def case_audit(self, office_id: str, reference: str) -> dict[str, Any]:
        office, named = load_arguments(CASE, {"office_id": office_id, "reference": reference})
        with self._work(office) as uow:
            return AUDIT_TRAIL.dump({"entries": staff.case_audit(uow, named)})

    def _work(self, office_id: str) -> Any:
        """The office's unit of work for the caller, unless they act for another office."""
        caller: Caller = self.caller
        return self.db.unit_of_work(office_id=caller.office(office_id), actor=caller.actor)
