"""Intake's nameko entrypoints: translate HTTP and events into handler calls, nothing more."""

from __future__ import annotations

import re
from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from services.chassis.errors import NotFound, ValidationFailed
from services.chassis.http import header_token, json_errors, json_response, read_json
from services.chassis.messaging import event_handler
from services.chassis.observability import service_metric
from services.chassis.service import Database, ServiceBase
from services.contracts import OFFICE_REGISTERED
from services.intake import handlers
from services.intake.domain.submissions import ConsentEvidence
from services.intake.models import Base
from services.intake.schemas import ReceiptSchema, SubmissionSchema

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")
OFFICE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

# Built once: building a schema deep-copies its fields.
SUBMISSION = SubmissionSchema()
RECEIPT = ReceiptSchema()


def accepted_total(service: str) -> Any:
    return service_metric(
        "counter", service, "submissions_accepted_total", "Submissions accepted", ["channel"]
    )


def idempotency_key(request: Request) -> str | None:
    """A client that retries after a lost response sends the same key and gets the same receipt."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        raise ValidationFailed(
            "Idempotency-Key must be 8 to 100 letters, digits or . _ : -",
            fields={"Idempotency-Key": ["not a valid key"]},
        )
    return key


class IntakeService(ServiceBase):
    name = "intake"
    db = Database(Base.metadata)

    @http("POST", "/api/v1/offices/<string:office_id>/submissions")
    @json_errors
    def submit(self, request: Request, office_id: str) -> Response:
        if not OFFICE_ID.match(office_id):
            raise NotFound(f"there is no office {office_id!r} taking requests here")
        submit_request = SUBMISSION.load(read_json(request))
        receipt = handlers.accept_submission(
            self.db,
            office_id,
            submit_request,
            ConsentEvidence(ip=request.remote_addr, user_agent=request.user_agent.string),
            idempotency_key=idempotency_key(request),
            correlation_id=header_token(request, "X-Correlation-ID"),
        )
        accepted_total(self.name).labels(submit_request.channel).inc()
        return json_response(202, RECEIPT.dump(receipt))

    @event_handler(OFFICE_REGISTERED)
    def record_office(self, event: handlers.IncomingEvent) -> None:
        handlers.record_office(self.db, event)
