"""What cases' RPC methods accept (strict: unknown or malformed arguments are refused) and the
wire form of what they return."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate

from services.cases.domain.cases import STATUSES, CaseQuery, CaseStatus
from services.chassis.errors import ValidationFailed

# The same shape gateway gives an office when it registers it.
OFFICE_ID = validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$", error="not an office id")
MAX_PAGE_SIZE = 200


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class ListCasesArguments(StrictSchema):
    office_id = fields.String(required=True, validate=OFFICE_ID)
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATUSES))
    assigned_to = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64))
    limit = fields.Integer(load_default=50, strict=True, validate=validate.Range(1, MAX_PAGE_SIZE))
    offset = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 1_000_000))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> tuple[str, CaseQuery]:
        status = data["status"]
        return data["office_id"], CaseQuery(
            status=CaseStatus(status) if status is not None else None,
            assigned_to=data["assigned_to"],
            limit=data["limit"],
            offset=data["offset"],
        )


class GetCaseArguments(StrictSchema):
    office_id = fields.String(required=True, validate=OFFICE_ID)
    case_id = fields.UUID(required=True)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> tuple[str, str]:
        return data["office_id"], str(data["case_id"])


def load_arguments(schema: Schema, arguments: Mapping[str, Any]) -> Any:
    """RPC arguments as the schema reads them, or a ValidationFailed naming each bad one."""
    try:
        return schema.load(arguments)
    except ValidationError as exc:
        problems = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        described = "; ".join(
            f"{name}: {' '.join(map(str, messages))}" for name, messages in problems.items()
        )
        raise ValidationFailed(f"invalid arguments: {described}", fields=problems) from None


class CaseSummarySchema(Schema):
    """One row of a caseworker's queue."""

    case_id = fields.String(attribute="id")
    reference = fields.String()
    status = fields.String()
    subject = fields.String()
    category = fields.String()
    constituent_name = fields.String()
    urgent = fields.Boolean()
    opened_at = fields.DateTime(format="iso")
    assigned_to_id = fields.String(allow_none=True)
    assigned_to_name = fields.String(allow_none=True)
    agency_code = fields.String(allow_none=True)


class CasePageSchema(Schema):
    cases = fields.List(fields.Nested(CaseSummarySchema))
    total = fields.Integer()


class TimelineEntrySchema(Schema):
    at = fields.DateTime(format="iso")
    kind = fields.String()
    summary = fields.String()


class CaseFileSchema(CaseSummarySchema):
    """The case page: the summary, where the case came from, and what happened since."""

    submission_id = fields.String()
    tracking_code = fields.String()
    constituent_id = fields.String()
    agency_hint = fields.String(allow_none=True)
    agency_name = fields.String(allow_none=True)
    assigned_at = fields.DateTime(format="iso", allow_none=True)
    timeline = fields.List(fields.Nested(TimelineEntrySchema))
