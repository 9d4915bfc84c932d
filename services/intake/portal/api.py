"""The public JSON API: `POST /api/v1/offices/{office}/submissions` (what the nameko endpoint
answered, status codes and error bodies included: the chassis' `read_json` and
`json_errors` do the reading and the mapping here too) and its OpenAPI document."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, Flask, current_app, request
from flask_limiter import Limiter
from werkzeug.wrappers import Response

from services.chassis.errors import NotFound
from services.chassis.http import header_token, json_errors, json_response, read_json
from services.chassis.schemas import is_office_id, load_arguments
from services.intake import handlers
from services.intake.portal.guards import limit_endpoint
from services.intake.portal.metrics import accepted_total
from services.intake.portal.openapi import openapi_document
from services.intake.portal.settings import PortalSettings
from services.intake.schemas import ReceiptSchema, SubmissionSchema
from services.intake.web import consent_evidence, idempotency

blueprint = Blueprint("api", __name__)

# Built once: building a schema deep-copies its fields.
SUBMISSION = SubmissionSchema()
RECEIPT = ReceiptSchema()
# `json_errors` names the service its refusals are counted for after its first argument's
# `name` (a nameko service instance there): the same `casework_intake_http_refusals_total`.
INTAKE = SimpleNamespace(name="intake")


@json_errors
def _submit(_service: object, office_id: str) -> Response:
    if not is_office_id(office_id):
        raise NotFound(f"there is no office {office_id!r} taking requests here")
    body = read_json(request)
    submit_request = load_arguments(SUBMISSION, body)
    receipt = handlers.accept_submission(
        current_app.extensions["intake_db"],
        office_id,
        submit_request,
        consent_evidence(request),
        idempotency=idempotency(request, body),
        correlation_id=header_token(request, "X-Correlation-ID"),
    )
    accepted_total().labels(submit_request.channel).inc()
    return json_response(202, RECEIPT.dump(receipt))


@blueprint.post("/api/v1/offices/<office_id>/submissions")
def submit(office_id: str) -> Response:
    return _submit(INTAKE, office_id)  # type: ignore[no-any-return]


@blueprint.get("/api/v1/openapi.json")
def openapi() -> Response:
    return json_response(200, openapi_document(), {"Cache-Control": "public, max-age=300"})


def error_response(status: int, code: str, message: str) -> Response:
    """An error the API answers outside an endpoint (rate limit, unknown path, 413 before the
    body was read), in the same shape as the endpoint's own."""
    return json_response(status, {"error": {"code": code, "message": message}})


def apply_limits(app: Flask, limiter: Limiter, settings: PortalSettings) -> None:
    """Per client address: `api_limit` on submissions."""
    limit_endpoint(app, "api.submit", limiter.limit(lambda: settings.api_limit))
