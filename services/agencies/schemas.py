"""What agencies' RPC methods accept (strict: unknown or malformed arguments are refused) and
the wire form of what they return."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from services.agencies.domain.directory import AGENCY_CODE, CATEGORIES, normalise_code
from services.chassis.errors import ValidationFailed


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class AgencyCodeSchema(StrictSchema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(AGENCY_CODE, error="use the agency's code, e.g. SSA"),
    )

    @pre_load
    def normalise(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("code"), str):
            return {**data, "code": normalise_code(data["code"]) or ""}
        return data


class SuggestAgencySchema(StrictSchema):
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    agency_hint = fields.String(load_default=None, validate=validate.Length(max=20))


class AgencySchema(Schema):
    code = fields.String()
    name = fields.String()
    liaison_office = fields.String()
    website_url = fields.String()
    # The name callers were promised; staff start from the agency's public site to reach its
    # liaison office until the directory records liaison pages of their own.
    liaison_url = fields.Function(lambda agency: agency.website_url)
    category_codes = fields.List(fields.String(), attribute="categories")
    typical_response_days = fields.Integer()


class SuggestionSchema(Schema):
    code = fields.String(attribute="agency.code")
    name = fields.String(attribute="agency.name")
    reason = fields.String()


def load_arguments(schema: Schema, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """RPC arguments as the schema reads them, or a ValidationFailed naming each bad one."""
    try:
        return dict(schema.load(arguments))
    except ValidationError as exc:
        fields_ = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        problems = "; ".join(
            f"{name}: {' '.join(map(str, msgs))}" for name, msgs in fields_.items()
        )
        raise ValidationFailed(f"invalid arguments: {problems}", fields=fields_) from None
