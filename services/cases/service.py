"""Cases' nameko entrypoints: translate events and RPC calls into handler calls, nothing more."""

from __future__ import annotations

from typing import Any

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from services.cases import handlers
from services.cases.models import Base
from services.cases.schemas import (
    CaseFileSchema,
    CasePageSchema,
    GetCaseArguments,
    ListCasesArguments,
    load_arguments,
)
from services.chassis.db import IncomingEvent
from services.chassis.errors import NotFound, ValidationFailed
from services.chassis.messaging import event_handler
from services.chassis.service import Database, ServiceBase
from services.contracts import (
    ACKNOWLEDGEMENT_SENT,
    AGENCY_SUGGESTED,
    STAFF_MEMBER_ADDED,
    SUBMISSION_RECEIVED,
)

AUDIT_ACTOR_LENGTH = 100


class RpcReader(DependencyProvider):
    """Who is calling, from the RPC context: `user_id` (else "system") and optional `origin`."""

    def get_dependency(self, worker_ctx: Any) -> handlers.Reader:
        user_id = worker_ctx.data.get("user_id")
        origin = worker_ctx.data.get("origin")
        return handlers.Reader(
            actor=str(user_id)[:AUDIT_ACTOR_LENGTH] if user_id else "system",
            origin=str(origin)[:AUDIT_ACTOR_LENGTH] if origin else None,
        )


class CasesService(ServiceBase):
    name = "cases"
    db = Database(Base.metadata)
    reader: Any = RpcReader()  # a worker sees the handlers.Reader it provides

    @event_handler(SUBMISSION_RECEIVED)
    def open_case(self, event: IncomingEvent) -> None:
        handlers.open_case(self.db, event)

    @event_handler(STAFF_MEMBER_ADDED)
    def record_staff_member(self, event: IncomingEvent) -> None:
        handlers.record_staff_member(self.db, event)

    @event_handler(AGENCY_SUGGESTED)
    def record_agency_suggestion(self, event: IncomingEvent) -> None:
        handlers.record_agency_suggestion(self.db, event)

    @event_handler(ACKNOWLEDGEMENT_SENT)
    def record_acknowledgement(self, event: IncomingEvent) -> None:
        handlers.record_acknowledgement(self.db, event)

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
            ListCasesArguments(),
            {
                "office_id": office_id,
                "status": status,
                "assigned_to": assigned_to,
                "limit": limit,
                "offset": offset,
            },
        )
        page = handlers.list_cases(self.db, office, query, self.reader)
        return dict(CasePageSchema().dump(page))

    @rpc(expected_exceptions=(ValidationFailed, NotFound))
    def get_case(self, office_id: str, case_id: str) -> dict[str, Any]:
        office, case = load_arguments(
            GetCaseArguments(), {"office_id": office_id, "case_id": case_id}
        )
        return dict(CaseFileSchema().dump(handlers.get_case(self.db, office, case, self.reader)))
