"""Contracts of an office's liaison directory and settings: its contacts and partners (with their
CSV), its liaison settings and its letter templates. Each call carries the acting staff member
in the RPC context; agencies checks the role again."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, pre_load, validate

from services.contracts.rpc.agencies.common import (
    CSV_MAX_CHARS,
    DAY_BASES,
    PARTNER_KINDS,
    ROLE_NAMES,
    UUID_LENGTH,
    Answer,
    agency_code_field,
    blank_to_none,
    optional_text,
    time_zone,
    upper_code,
)
from services.contracts.rpc.common import OfficeRequest, Request


class ContactEntry(Answer):
    contact_id = fields.String(required=True)
    agency_code = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    programme = fields.String(required=True, allow_none=True)
    notes = fields.String(required=True, allow_none=True)


class PartnerEntry(Answer):
    partner_id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(PARTNER_KINDS))
    email = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    website_url = fields.String(required=True, allow_none=True)
    notes = fields.String(required=True, allow_none=True)


class TemplateEntry(Answer):
    template_id = fields.String(required=True)
    name = fields.String(required=True)
    version = fields.Integer(required=True)
    subject = fields.String(required=True)
    body = fields.String(required=True)
    requires_approval = fields.Boolean(required=True)
    approved_by = fields.String(required=True, allow_none=True)
    approved_at = fields.DateTime(format="iso", required=True, allow_none=True)
    created_by = fields.String(required=True)
    created_at = fields.DateTime(format="iso", required=True)
    usable = fields.Boolean(required=True)


class LiaisonOverrideEntry(Answer):
    agency_code = fields.String(required=True)
    response_days = fields.Integer(required=True)
    day_basis = fields.String(required=True, validate=validate.OneOf(DAY_BASES))


class LiaisonSettingsEntry(Answer):
    """`liaison_settings` and `save_liaison_settings`' answer: the office's zone and holidays,
    letterhead, redaction rules, the roles whose letters need approval, and its per-agency
    response targets."""

    timezone = fields.String(required=True)
    holiday_country = fields.String(required=True)
    holiday_subdivision = fields.String(required=True, allow_none=True)
    office_name = fields.String(required=True)
    member_name = fields.String(required=True)
    address_lines = fields.List(fields.String(), required=True)
    phone = fields.String(required=True)
    email = fields.String(required=True)
    mask_ssn = fields.Boolean(required=True)
    include_public_notes = fields.Boolean(required=True)
    approval_roles = fields.List(fields.String(), required=True)
    overrides = fields.List(fields.Nested(LiaisonOverrideEntry), required=True)
    updated_at = fields.DateTime(format="iso", required=True, allow_none=True)


class OfficeCsvRequest(OfficeRequest):
    csv_text = fields.String(required=True, validate=validate.Length(max=CSV_MAX_CHARS))


class ListContactsRequest(OfficeRequest):
    agency_code = agency_code_field(load_default=None, allow_none=True)

    @pre_load
    def normalise(self, data: Any, **_: Any) -> Any:
        return upper_code(blank_to_none(data, ("agency_code",)))


class SaveContactRequest(OfficeRequest):
    """`save_contact(office_id, contact_id=None, agency_code, name, email, phone, programme,
    notes)`: a new contact without `contact_id`, else a change to that one."""

    contact_id = fields.String(load_default=None, allow_none=True, validate=UUID_LENGTH)
    agency_code = agency_code_field(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = optional_text(40)
    programme = optional_text(200)
    notes = optional_text(5000)

    @pre_load
    def normalise(self, data: Any, **_: Any) -> Any:
        data = blank_to_none(data, ("contact_id", "email", "phone", "programme", "notes"))
        return upper_code(data)


class ContactRequest(OfficeRequest):
    contact_id = fields.String(required=True, validate=UUID_LENGTH)


class SavePartnerRequest(OfficeRequest):
    """`save_partner(office_id, partner_id=None, name, kind, email, phone, website_url,
    notes)`."""

    partner_id = fields.String(load_default=None, allow_none=True, validate=UUID_LENGTH)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(PARTNER_KINDS))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = optional_text(40)
    website_url = fields.Url(
        load_default=None,
        allow_none=True,
        schemes={"http", "https"},
        validate=validate.Length(max=300),
    )
    notes = optional_text(5000)

    @pre_load
    def normalise(self, data: Any, **_: Any) -> Any:
        return blank_to_none(data, ("partner_id", "email", "phone", "website_url", "notes"))


class PartnerRequest(OfficeRequest):
    partner_id = fields.String(required=True, validate=UUID_LENGTH)


class OverrideRequest(Request):
    agency_code = agency_code_field(required=True)
    response_days = fields.Integer(required=True, validate=validate.Range(1, 365))
    day_basis = fields.String(required=True, validate=validate.OneOf(DAY_BASES))

    @pre_load
    def normalise(self, data: Any, **_: Any) -> Any:
        return upper_code(data)


class SaveLiaisonSettingsRequest(OfficeRequest):
    """`save_liaison_settings(office_id, **changes)`: only the fields given change;
    `overrides` replaces the whole set of per-agency targets."""

    timezone = fields.String(validate=time_zone)
    holiday_country = fields.String(validate=validate.Regexp(r"^[A-Za-z]{2,3}\Z"))
    holiday_subdivision = fields.String(allow_none=True, validate=validate.Length(1, 10))
    office_name = fields.String(validate=validate.Length(1, 200))
    member_name = fields.String(validate=validate.Length(max=200))
    address_lines = fields.List(
        fields.String(validate=validate.Length(max=200)), validate=validate.Length(max=6)
    )
    phone = fields.String(validate=validate.Length(max=40))
    email = fields.String(validate=validate.Length(max=254))
    mask_ssn = fields.Boolean()
    include_public_notes = fields.Boolean()
    approval_roles = fields.List(fields.String(validate=validate.OneOf(ROLE_NAMES)))
    overrides = fields.List(fields.Nested(OverrideRequest))

    @pre_load
    def normalise(self, data: Any, **_: Any) -> Any:
        return blank_to_none(data, ("holiday_subdivision",))


class SaveTemplateRequest(OfficeRequest):
    """`save_template(office_id, name, subject, body, requires_approval=False)`: a new
    version of the named template."""

    name = fields.String(required=True, validate=validate.Length(1, 100))
    subject = fields.String(required=True, validate=validate.Length(1, 300))
    body = fields.String(required=True, validate=validate.Length(1, 20_000))
    requires_approval = fields.Boolean(load_default=False)


class TemplateRequest(OfficeRequest):
    template_id = fields.String(required=True, validate=UUID_LENGTH)
