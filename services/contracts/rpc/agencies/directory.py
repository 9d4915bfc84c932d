"""Contracts of the agency directory's RPC methods: `list_agencies`, `get_agency`,
`suggest_agency` (any caller), `save_agency` and the agencies CSV (platform admins).

Arguments are strict (unknown or malformed ones are refused). Results are dumped from any
object with the named attributes (the directory's `Agency`, the rule's `Suggestion`); a caller
reads them with the same schemas, which ignore fields added later (a tolerant reader)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, pre_load, validate

from services.contracts.rpc.agencies.common import (
    AGENCY_CODE_PATTERN,
    CSV_MAX_CHARS,
    DAY_BASES,
    SIGNATURE_RULES,
    Answer,
    agency_code_field,
    blank_to_none,
    upper_code,
)
from services.contracts.rpc.common import Request
from services.contracts.vocabulary import CATEGORIES

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


class ReleaseRulesEntry(Answer):
    """What an agency accepts as a privacy release (checked before anything is sent)."""

    signature = fields.String(required=True, validate=validate.OneOf(SIGNATURE_RULES))
    sole_recipient = fields.Boolean(required=True)
    valid_days = fields.Integer(required=True, allow_none=True)
    new_release_after_closure = fields.Boolean(required=True)


class AgencyDetail(AgencyEntry):
    """An agency with its response target and release rules (`list_agencies`' rows carry
    these too; older callers ignore them)."""

    response_days = fields.Integer(required=True)
    day_basis = fields.String(required=True, validate=validate.OneOf(DAY_BASES))
    interim_every_days = fields.Integer(required=True, allow_none=True)
    release_rules = fields.Nested(ReleaseRulesEntry, required=True)
    active = fields.Boolean(required=True)


class ImportResult(Answer):
    """A CSV import: rows created and updated, and every refused row with its line and
    field (nothing of a file with a refused row is stored)."""

    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    problems = fields.List(fields.Dict(), required=True)


class SaveAgencyRequest(Request):
    """`save_agency(code, name, liaison_office, website_url, response_days, day_basis,
    interim_every_days, signature, sole_recipient, valid_days, new_release_after_closure,
    active)`: platform admins only."""

    code = agency_code_field(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    liaison_office = fields.String(required=True, validate=validate.Length(1, 200))
    website_url = fields.Url(required=True, schemes={"https"}, validate=validate.Length(max=300))
    response_days = fields.Integer(required=True, strict=False, validate=validate.Range(1, 365))
    day_basis = fields.String(required=True, validate=validate.OneOf(DAY_BASES))
    interim_every_days = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(1, 365)
    )
    signature = fields.String(load_default="any", validate=validate.OneOf(SIGNATURE_RULES))
    sole_recipient = fields.Boolean(load_default=True)
    valid_days = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(1, 3650)
    )
    new_release_after_closure = fields.Boolean(load_default=False)
    active = fields.Boolean(load_default=True)

    @pre_load
    def normalise(self, data: Any, **_: Any) -> Any:
        data = upper_code(data, "code")
        return blank_to_none(data, ("interim_every_days", "valid_days"))


class CsvRequest(Request):
    csv_text = fields.String(required=True, validate=validate.Length(max=CSV_MAX_CHARS))
