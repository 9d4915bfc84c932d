"""Intake's public JSON API as OpenAPI 3 (`GET /api/v1/openapi.json`), generated with apispec
from the marshmallow schemas the endpoint loads and dumps, so the document cannot drift from
what the API accepts and answers."""

from __future__ import annotations

import functools
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from services.chassis.http import MAX_JSON_BYTES
from services.intake.schemas import ReceiptSchema, SubmissionSchema
from services.intake.web import IDEMPOTENCY_KEY

API_VERSION = "1.1.0"
# The office id's pattern (`services.contracts.vocabulary.OFFICE_ID_PATTERN`) in the ECMA
# dialect JSON Schema uses: `$` for Python's `\Z`.
OFFICE_ID_ECMA = r"^[a-z0-9][a-z0-9-]{1,62}$"


class ErrorBody(Schema):
    code = fields.String(
        required=True,
        metadata={
            "description": "validation_failed, idempotency_key_reused, not_found, "
            "payload_too_large, rate_limited, temporarily_unavailable",
            "example": "validation_failed",
        },
    )
    message = fields.String(required=True)
    problems = fields.Dict(
        data_key="fields",
        metadata={"description": "per field (a nested object for nested fields), what is wrong"},
    )


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody, required=True)


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": "Error"}},
    }
    if headers:
        response["headers"] = headers
    return response


RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "schema": {"type": "integer"},
    }
}


@functools.cache
def openapi_document() -> dict[str, Any]:
    spec = APISpec(
        title="Casework intake: public API",
        version=API_VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "Send a constituent's request for help to a member office. The request is "
                "stored with its tracking code before the answer; the case follows within "
                "seconds. Send an `Idempotency-Key` to retry safely after a lost answer. "
                "A privacy release may come with the request: the constituent's typed name, "
                "the agencies, the identifiers those agencies need (kept encrypted), and the "
                "version of the release text they were shown."
            )
        },
    )
    spec.components.schema("Submission", schema=SubmissionSchema)
    spec.components.schema("Receipt", schema=ReceiptSchema)
    spec.components.schema("Error", schema=ErrorOut)
    spec.path(
        path="/api/v1/offices/{office}/submissions",
        parameters=[
            {
                "name": "office",
                "in": "path",
                "required": True,
                "description": "the office id, such as rep-lopez",
                "schema": {"type": "string", "pattern": OFFICE_ID_ECMA},
            }
        ],
        operations={
            "post": {
                "summary": "Send a request for help to an office",
                "operationId": "submitRequest",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "the same key with the same body returns the first "
                        "receipt; with another body it is refused (422)",
                        "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY.pattern},
                    },
                    {
                        "name": "X-Correlation-ID",
                        "in": "header",
                        "required": False,
                        "description": "kept with the events this request causes (a short "
                        "token; anything else is ignored)",
                        "schema": {"type": "string"},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "description": f"at most {MAX_JSON_BYTES} bytes of JSON",
                    "content": {"application/json": {"schema": "Submission"}},
                },
                "responses": {
                    "202": {
                        "description": "accepted: stored, and announced to the office",
                        "content": {"application/json": {"schema": "Receipt"}},
                    },
                    "404": _error("no such office takes requests here"),
                    "413": _error(f"the body is larger than {MAX_JSON_BYTES} bytes"),
                    "422": _error(
                        "not valid: `fields` names each field and its problem (also a body "
                        "that is not JSON, and an Idempotency-Key reused for another request)"
                    ),
                    "429": _error("too many requests from this address", RETRY_AFTER),
                    "503": _error("the database is unavailable; nothing was stored", RETRY_AFTER),
                },
            }
        },
    )
    return spec.to_dict()
