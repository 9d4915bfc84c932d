"""The staff JSON API described as OpenAPI 3 (`GET /api/v1/openapi.json`), generated with
apispec from the marshmallow schemas the routes use, so the document cannot drift from what
the API accepts and answers."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from services.contracts.rpc import cases as cases_rpc
from services.contracts.rpc import intake as intake_rpc
from services.contracts.vocabulary import CASE_PRIORITIES, CASE_STATUSES, CATEGORIES
from services.gateway.case_schemas import (
    AssigneeIn,
    CasePatchIn,
    DocumentRequestIn,
    NoteIn,
    TransitionIn,
)
from services.gateway.schemas import CaseQueueOutSchema

API_VERSION = "1.0.0"


class ErrorBody(Schema):
    code = fields.String(metadata={"example": "validation_failed"})
    message = fields.String()
    problems = fields.Dict(
        data_key="fields",
        metadata={"description": "per field, what is wrong; `allowed` on an illegal transition"},
    )


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody)


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": "Error"}}}


ERRORS = {
    "401": _error("no credentials, or a token that is unknown or revoked"),
    "403": _error("your role may not do this (an intern writes nothing)"),
    "404": _error("no such case in your office (another office's case is never confirmed)"),
    "422": _error("invalid input: `fields` names each field and its problem"),
    "503": _error("a service did not answer in time; nothing was changed, try again"),
}


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _param(
    name: str, description: str, schema: dict[str, Any], where: str = "query"
) -> dict[str, Any]:
    return {"name": name, "in": where, "description": description, "schema": schema}


OFFICE = _param("office", "the office id, such as rep-lopez", {"type": "string"}, "path")
REFERENCE = _param(
    "reference", "the case reference, such as CW-2026-000042", {"type": "string"}, "path"
)
QUEUE_FILTERS = [
    _param("status", "only cases in this status", {"type": "string", "enum": list(CASE_STATUSES)}),
    _param("active", "only cases still being worked", {"type": "boolean"}),
    _param("assignee", "a staff member's email, or `me`", {"type": "string"}),
    _param("unassigned", "only cases nobody has", {"type": "boolean"}),
    _param("category", "request category", {"type": "string", "enum": list(CATEGORIES)}),
    _param("agency", "agency code, such as SSA", {"type": "string"}),
    _param("priority", "priority", {"type": "string", "enum": list(CASE_PRIORITIES)}),
    _param("tag", "a tag", {"type": "string"}),
    _param("overdue", "only cases whose next-action date has passed", {"type": "boolean"}),
    _param("limit", "page size (1-200, default 50)", {"type": "integer"}),
    _param("offset", "cases to skip", {"type": "integer"}),
]


def openapi_document() -> dict[str, Any]:
    spec = APISpec(
        title="Casework staff API",
        version=API_VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "One office's cases, as its staff work them. Authenticate with "
                "`Authorization: Bearer <token>` (an office admin issues tokens in the office "
                "settings, or legislature IT with `python -m services.gateway.admin "
                "issue-token OFFICE EMAIL`); the token acts as that staff member, with their role."
            )
        },
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in (
        ("Error", ErrorOut),
        ("CaseList", CaseQueueOutSchema),
        ("Case", cases_rpc.CaseFile),
        ("Note", NoteIn),
        ("DocumentRequest", DocumentRequestIn),
        ("Transition", TransitionIn),
        ("Assignee", AssigneeIn),
        ("CasePatch", CasePatchIn),
        ("Receipt", intake_rpc.Receipt),
    ):
        spec.components.schema(name, schema=schema)
    case_answer = {"200": {"description": "the case with its timeline", **_json("Case")}}
    cases = "/api/v1/offices/{office}/cases"
    case = cases + "/{reference}"
    spec.path(
        path=cases,
        parameters=[OFFICE],
        operations={
            "get": {
                "summary": "The office's cases, newest first, filtered and paged",
                "parameters": QUEUE_FILTERS,
                "responses": {
                    "200": {"description": "a page of cases", **_json("CaseList")},
                    **ERRORS,
                },
            },
            "post": {
                "summary": "Enter a request taken by phone, walk-in, letter or email",
                "description": (
                    "The body is a submission as intake's `POST /api/v1/offices/{office}/"
                    "submissions` takes it (constituent, category, agency, subject, "
                    "description, urgent, channel: phone, walk_in, letter or email). It goes "
                    "through intake like every request; the case follows within seconds."
                ),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {"202": {"description": "accepted", **_json("Receipt")}, **ERRORS},
            },
        },
    )
    spec.path(
        path=case,
        parameters=[OFFICE, REFERENCE],
        operations={
            "get": {
                "summary": "One case with its timeline",
                "responses": {**case_answer, **ERRORS},
            },
            "patch": {
                "summary": "Change priority, tags or the next-action date",
                "requestBody": {"required": True, **_json("CasePatch")},
                "responses": {**case_answer, **ERRORS},
            },
        },
    )
    spec.path(
        path=case + "/notes",
        parameters=[OFFICE, REFERENCE],
        operations={
            "post": {
                "summary": "Add a note, or log a call or meeting",
                "requestBody": {"required": True, **_json("Note")},
                "responses": {
                    "201": {"description": "the case, with the note", **_json("Case")},
                    **ERRORS,
                },
            }
        },
    )
    spec.path(
        path=case + "/document-requests",
        parameters=[OFFICE, REFERENCE],
        operations={
            "post": {
                "summary": "Ask the constituent to send documents",
                "description": (
                    "The case moves to waiting_on_constituent (if it is not there already); "
                    "the constituent gets one message, in their language, naming the documents "
                    "and carrying the note, and their status page lists them. A finished case "
                    "must be reopened first (409)."
                ),
                "requestBody": {"required": True, **_json("DocumentRequest")},
                "responses": {
                    "201": {"description": "the case, with the request", **_json("Case")},
                    "409": _error("the case is finished: reopen it first"),
                    **ERRORS,
                },
            }
        },
    )
    spec.path(
        path=case + "/transitions",
        parameters=[OFFICE, REFERENCE],
        operations={
            "post": {
                "summary": "Move the case through its lifecycle (closing needs an outcome)",
                "requestBody": {"required": True, **_json("Transition")},
                "responses": {
                    **case_answer,
                    "409": _error(
                        "not allowed from the case's status: `fields.allowed` lists what is"
                    ),
                    **ERRORS,
                },
            }
        },
    )
    spec.path(
        path=case + "/assignee",
        parameters=[OFFICE, REFERENCE],
        operations={
            "put": {
                "summary": "Give the case to a colleague (caseworkers: an unassigned one, to "
                "themselves)",
                "requestBody": {"required": True, **_json("Assignee")},
                "responses": {**case_answer, **ERRORS},
            }
        },
    )
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document
