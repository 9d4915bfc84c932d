"""Cases' nameko entrypoints: translate events and RPC calls into handler calls, nothing more."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from services.cases import handlers
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.models import Base
from services.cases.schemas import GetCaseArguments, ListCasesArguments
from services.chassis.consuming import Failures
from services.chassis.domain import AUDIT_FIELD_LENGTH, Actor
from services.chassis.errors import NotFound, ValidationFailed
from services.chassis.events import IncomingEvent
from services.chassis.messaging import event_handler
from services.chassis.schemas import load_arguments
from services.chassis.service import Database, ServiceBase
from services.contracts import (
    ACKNOWLEDGEMENT_SENT,
    AGENCY_SUGGESTED,
    STAFF_MEMBER_ADDED,
    SUBMISSION_RECEIVED,
)
from services.contracts.rpc.cases import CaseFile, CasePage

LIST_CASES = ListCasesArguments()
GET_CASE = GetCaseArguments()
CASE_PAGE = CasePage()
CASE_FILE = CaseFile()


class RpcActor(DependencyProvider):
    """Who is calling, from the RPC context: `user_id` (else the system), with their `role` and
    `origin` when the caller says."""

    def get_dependency(self, worker_ctx: Any) -> Actor:
        user_id, role, origin = (
            str(value) if value else None
            for value in (worker_ctx.data.get(key) for key in ("user_id", "role", "origin"))
        )
        if user_id:
            return Actor.staff(user_id, role, origin)
        return replace(Actor.system(), origin=origin[:AUDIT_FIELD_LENGTH] if origin else None)


class CasesService(ServiceBase):
    name = "cases"
    db = Database(Base.metadata, unit_of_work=CasesUnitOfWork)
    actor: Any = RpcActor()  # a worker sees the Actor it provides

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

    @rpc(expected_exceptions=(ValidationFailed,))
    def list_cases(
        self,
        office_id: str,
        status: str | None = None,
        assigned_to: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        office, query = load_arguments(
            LIST_CASES,
            dict(
                office_id=office_id,
                status=status,
                assigned_to=assigned_to,
                limit=limit,
                offset=offset,
            ),
        )
        with self.db.unit_of_work(office_id=office, actor=self.actor) as uow:
            return CASE_PAGE.dump(handlers.list_cases(uow, query))

    @rpc(expected_exceptions=(ValidationFailed, NotFound))
    def get_case(self, office_id: str, case_id: str) -> dict[str, Any]:
        office, case = load_arguments(GET_CASE, {"office_id": office_id, "case_id": case_id})
        with self.db.unit_of_work(office_id=office, actor=self.actor) as uow:
            return CASE_FILE.dump(handlers.get_case(uow, case))
