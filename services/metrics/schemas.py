"""What metrics' RPC methods accept (strict: unknown or malformed arguments are refused) and
how their answers are written on the wire."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from services.chassis.errors import ValidationFailed
from services.metrics.domain.office_stats import MAX_DAYS

# The same rule gateway applies when an office is registered.
OFFICE_ID = validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$", error="not an office id")


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class OfficeQuerySchema(StrictSchema):
    office_id = fields.String(required=True, validate=OFFICE_ID)


class OfficeDailyQuerySchema(OfficeQuerySchema):
    days = fields.Integer(
        load_default=30, strict=True, validate=validate.Range(min=1, max=MAX_DAYS)
    )


def load_arguments(schema: Schema, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The validated arguments, or a ValidationFailed that names every bad one.

    The names go into the message too: nameko passes a remote error's message to the caller
    but not its other attributes.
    """
    try:
        return dict(schema.load(arguments))
    except ValidationError as exc:
        problems = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed(
            f"invalid arguments: {', '.join(sorted(problems))}", fields=problems
        ) from None


class OfficeCountsSchema(Schema):
    received = fields.Integer()
    opened = fields.Integer()
    assigned = fields.Integer()
    acknowledged = fields.Integer()


class DailyCountsSchema(OfficeCountsSchema):
    day = fields.Date()


class CaseworkerLoadSchema(Schema):
    caseworker_id = fields.String()
    name = fields.String()
    open_cases = fields.Integer()
