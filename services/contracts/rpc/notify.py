"""Notify's RPC contracts: `list_deliveries(office_id, case_id)` and what it answers (the
deliveries of one case, never an address)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.contracts.rpc.common import OfficeRequest


class DeliveriesQuerySchema(OfficeRequest):
    """The arguments of `list_deliveries`; unknown ones are refused."""

    case_id = fields.String(required=True, validate=validate.Length(1, 64))


class DeliverySchema(Schema):
    """One delivery of `list_deliveries`' answer, oldest first."""

    delivery_id = fields.String(required=True)
    kind = fields.String(required=True)
    channel = fields.String(required=True)
    status = fields.String(required=True)
    attempts = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    sent_at = fields.AwareDateTime(required=True, allow_none=True)
    # Attempts made again (same Message-ID) because the one before was left in doubt.
    resent_in_doubt = fields.Integer(load_default=0)
