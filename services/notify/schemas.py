"""What notify's RPC accepts and returns: strict arguments, no addresses in answers."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from services.chassis.http import validation_error

OFFICE_ID = validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$", error="not an office id")


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class DeliveriesQuerySchema(StrictSchema):
    office_id = fields.String(required=True, validate=OFFICE_ID)
    case_id = fields.String(required=True, validate=validate.Length(1, 64))


class DeliverySchema(Schema):
    delivery_id = fields.String()
    kind = fields.String()
    channel = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)


def load_arguments(schema: Schema, arguments: dict[str, Any]) -> dict[str, Any]:
    """RPC arguments as the schema reads them, or ValidationFailed naming each bad field."""
    try:
        return dict(schema.load(arguments))
    except ValidationError as exc:
        raise validation_error(exc) from None
