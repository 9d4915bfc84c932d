"""What every RPC request contract shares: strict loading and the office it is about."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from services.contracts.vocabulary import OFFICE_ID_PATTERN


def office_id_field() -> fields.String:
    return fields.String(
        required=True, validate=validate.Regexp(OFFICE_ID_PATTERN, error="not an office id")
    )


class Request(Schema):
    """Arguments of an RPC method: unknown ones are refused, never silently dropped."""

    class Meta:
        unknown = RAISE


class OfficeRequest(Request):
    """Arguments of an RPC method about one office's data."""

    office_id = office_id_field()
