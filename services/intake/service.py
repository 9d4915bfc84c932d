"""Intake's nameko entrypoints: translate HTTP and events into handler calls, nothing more."""

from __future__ import annotations

from typing import Any

from nameko.rpc import rpc
from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from services.chassis.consuming import Failures
from services.chassis.errors import NotFound, ValidationFailed
from services.chassis.events import IncomingEvent
from services.chassis.http import header_token, json_errors, json_response, read_json
from services.chassis.messaging import event_handler
from services.chassis.observability import service_metric
from services.chassis.schemas import is_office_id, load_arguments
from services.chassis.service import Database, ServiceBase
from services.contracts import OFFICE_REGISTERED
from services.contracts.rpc.intake import STAFF_CHANNELS, EnterSubmissionRequest
from services.intake import handlers
from services.intake.domain.submissions import ConsentEvidence, Idempotency
from services.intake.models import Base
from services.intake.schemas import ReceiptSchema, SubmissionSchema
from services.intake.uow import IntakeUnitOfWork
from services.intake.web import consent_evidence, idempotency

# Built once: building a schema deep-copies its fields.
SUBMISSION = SubmissionSchema()
RECEIPT = ReceiptSchema()
ENTER_SUBMISSION = EnterSubmissionRequest()


def accepted_total(service: str) -> Any:
    return service_metric(
        "counter", service, "submissions_accepted_total", "Submissions accepted", ["channel"]
    )


class IntakeService(ServiceBase):
    name = "intake"
    db = Database(Base.metadata, unit_of_work=IntakeUnitOfWork)

    @http("POST", "/api/v1/offices/<string:office_id>/submissions")
    @json_errors
    def submit(self, request: Request, office_id: str) -> Response:
        if not is_office_id(office_id):
            raise NotFound(f"there is no office {office_id!r} taking requests here")
        body = read_json(request)
        submit_request = load_arguments(SUBMISSION, body)
        receipt = handlers.accept_submission(
            self.db,
            office_id,
            submit_request,
            consent_evidence(request),
            idempotency=idempotency(request, body),
            correlation_id=header_token(request, "X-Correlation-ID"),
        )
        accepted_total(self.name).labels(submit_request.channel).inc()
        return json_response(202, RECEIPT.dump(receipt))

    @rpc(expected_exceptions=(ValidationFailed, NotFound))
    def enter_submission(
        self,
        office_id: str,
        submission: dict[str, Any],
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """A request staff took by phone, walk-in, letter or email (the staff app's "new
        case"): the same validation, storage and event as a web submission."""
        arguments = load_arguments(
            ENTER_SUBMISSION,
            {"office_id": office_id, "submission": submission, "idempotency_key": idempotency_key},
        )
        body = arguments["submission"]
        submit_request = load_arguments(SUBMISSION, body)
        if submit_request.channel not in STAFF_CHANNELS:
            raise ValidationFailed(
                "staff enter requests that came by phone, walk-in, letter or email",
                fields={"channel": [f"choose one of: {', '.join(STAFF_CHANNELS)}"]},
            )
        if submit_request.privacy_release is not None:
            raise ValidationFailed(
                "the constituent signs the privacy release themselves",
                fields={"privacy_release": ["send the constituent the release to sign"]},
            )
        key = arguments["idempotency_key"]
        receipt = handlers.accept_submission(
            self.db,
            arguments["office_id"],
            submit_request,
            ConsentEvidence(ip=None, user_agent=None),
            idempotency=Idempotency.of(key, body) if key else None,
        )
        accepted_total(self.name).labels(submit_request.channel).inc()
        return dict(RECEIPT.dump(receipt))

    @event_handler(OFFICE_REGISTERED)
    def record_office(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_office)
