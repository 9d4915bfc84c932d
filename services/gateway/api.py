"""The staff JSON API (`/api/v1/offices/{office}/cases...`) and its OpenAPI document.

Integrators and the project's acceptance checks use these routes exactly as written. Each
acts as the token's (or the signed-in browser's) staff member; cases checks the role again.
Errors: `{"error": {"code", "message", "fields"}}` with 401 without credentials, 403 for a
role that may not, 404 for another office's case (never 403), 409 for an illegal transition
(its `fields.allowed` lists the moves the case allows), 422 for invalid input.
"""

from __future__ import annotations

import json
from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from services.chassis.errors import Forbidden
from services.chassis.http import json_response, read_json
from services.chassis.schemas import load_arguments
from services.contracts.rpc import cases as cases_rpc
from services.contracts.rpc import intake as intake_rpc
from services.gateway import casework, handlers
from services.gateway.access import staff_api
from services.gateway.case_schemas import (
    DOCUMENT_REQUEST_IN,
    AssigneeIn,
    CasePatchIn,
    NoteIn,
    TransitionIn,
)
from services.gateway.domain.identity import Principal
from services.gateway.openapi import openapi_document
from services.gateway.schemas import CaseQueueOutSchema, QueueQuerySchema
from services.gateway.web import query_args, secured

CASE_OUT = cases_rpc.CaseFile()
RECEIPT = intake_rpc.Receipt()
NOTE_IN, TRANSITION_IN, ASSIGNEE_IN, PATCH_IN = (
    NoteIn(),
    TransitionIn(),
    AssigneeIn(),
    CasePatchIn(),
)
CASES = "/api/v1/offices/<string:office_id>/cases"
CASE = CASES + "/<string:reference>"
OPENAPI = json.dumps(openapi_document(), separators=(",", ":"))


class CaseApi:
    """Mixed into `GatewayService`: `self.db`, `self.cases` and `self.intake`."""

    db: Any
    cases: Any
    intake: Any

    @http("GET", "/api/v1/openapi.json")
    @secured
    def openapi(self, request: Request) -> Response:
        return Response(
            OPENAPI, mimetype="application/json", headers={"Cache-Control": "public, max-age=300"}
        )

    @staff_api("GET", CASES)
    def list_cases_api(self, request: Request, principal: Principal, office_id: str) -> Response:
        office = handlers.find_office(self.db, office_id)
        query = QueueQuerySchema().load(query_args(request))
        assigned_to = handlers.assignee_id(self.db, office_id, query.assignee, principal.user_id)
        queue = handlers.case_queue(self.cases, None, office, query, assigned_to=assigned_to)
        return json_response(200, CaseQueueOutSchema().dump(queue))

    @staff_api("POST", CASES)
    def enter_case_api(self, request: Request, principal: Principal, office_id: str) -> Response:
        """Staff entry of a phone call, walk-in, letter or email: through intake, like every
        request, so it becomes a case the same way (202: the case follows in a moment)."""
        if not principal.can_write:
            raise Forbidden("your role reads cases; it does not enter them")
        body = read_json(request)
        receipt = self.intake.call(
            "enter_submission",
            RECEIPT,
            office_id=office_id,
            submission=body,
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        return json_response(202, RECEIPT.dump(receipt))

    @staff_api("GET", CASE)
    def get_case_api(
        self, request: Request, principal: Principal, office_id: str, reference: str
    ) -> Response:
        return _case(casework.get_case(self.cases, office_id, reference))

    @staff_api("POST", CASE + "/notes")
    def add_note_api(
        self, request: Request, principal: Principal, office_id: str, reference: str
    ) -> Response:
        note = load_arguments(NOTE_IN, read_json(request))
        return _case(casework.add_note(self.cases, office_id, reference, **note), status=201)

    @staff_api("POST", CASE + "/document-requests")
    def request_documents_api(
        self, request: Request, principal: Principal, office_id: str, reference: str
    ) -> Response:
        asked = load_arguments(DOCUMENT_REQUEST_IN, read_json(request))
        return _case(
            casework.request_documents(self.cases, office_id, reference, **asked), status=201
        )

    @staff_api("POST", CASE + "/transitions")
    def transition_api(
        self, request: Request, principal: Principal, office_id: str, reference: str
    ) -> Response:
        change = load_arguments(TRANSITION_IN, read_json(request))
        return _case(casework.change_status(self.cases, office_id, reference, **change))

    @staff_api("PUT", CASE + "/assignee")
    def assignee_api(
        self, request: Request, principal: Principal, office_id: str, reference: str
    ) -> Response:
        wanted = load_arguments(ASSIGNEE_IN, read_json(request))
        return _case(casework.assign(self.db, self.cases, office_id, reference, wanted["user"]))

    @staff_api("PATCH", CASE)
    def patch_case_api(
        self, request: Request, principal: Principal, office_id: str, reference: str
    ) -> Response:
        changes = load_arguments(PATCH_IN, read_json(request))
        return _case(casework.update_case(self.cases, office_id, reference, changes))


def _case(case: dict[str, Any], status: int = 200) -> Response:
    return json_response(status, CASE_OUT.dump(case))
