"""Contracts of agencies' RPC methods: `list_agencies`, `get_agency`, `suggest_agency`.

Arguments are strict (unknown or malformed ones are refused). Results are dumped from any
object with the named attributes (the directory's `Agency`, the rule's `Suggestion`); a caller
reads them with the same schemas, which ignore fields added later (a tolerant reader).
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from services.contracts.rpc.common import Request
from services.contracts.vocabulary import CATEGORIES

# An agency's code as the directory keys it: upper case, e.g. SSA, DOS-PPT.
AGENCY_CODE_PATTERN = r"^[A-Z][A-Z0-9-]{1,19}\Z"
AGENCY_HINT_MAX_LENGTH = 20


class GetAgencyRequest(Request):
    """`get_agency(code)`: staff type a code in any case, with stray spaces."""

    code = fields.String(
        required=True,
        validate=validate.Regexp(AGENCY_CODE_PATTERN, error="use the agency's code, e.g. SSA"),
    )

    @pre_load
    def normalise(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("code"), str):
            return {**data, "code": data["code"].strip().upper()}
        return data


class SuggestAgencyRequest(Request):
    """`suggest_agency(category, agency_hint=None)`."""

    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    agency_hint = fields.String(
        load_default=None, validate=validate.Length(max=AGENCY_HINT_MAX_LENGTH)
    )


class Answer(Schema):
    class Meta:
        unknown = EXCLUDE


class AgencyEntry(Answer):
    """One agency of the directory (`list_agencies` answers a list, `get_agency` one)."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    liaison_office = fields.String(required=True)
    website_url = fields.String(required=True)
    # The name callers were promised; staff start from the agency's public site to reach its
    # liaison office until the directory records liaison pages of their own.
    liaison_url = fields.Function(lambda agency: agency.website_url, deserialize=str, required=True)
    category_codes = fields.List(fields.String(), attribute="categories", required=True)
    typical_response_days = fields.Integer(required=True)


class AgencySuggestionResult(Answer):
    """`suggest_agency`'s answer when the directory can tell (None otherwise)."""

    code = fields.String(attribute="agency.code", required=True)
    name = fields.String(attribute="agency.name", required=True)
    reason = fields.String(required=True)
