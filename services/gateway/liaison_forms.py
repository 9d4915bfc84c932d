"""The forms the agency liaison pages post (strict, each error naming its field), and the
`Problem` a refused one shows at the top of its page and next to each field."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from services.chassis.errors import CaseworkError
from services.chassis.schemas import StrictSchema, Text
from services.contracts.rpc.agencies import (
    AGENCY_CODE_PATTERN,
    DAY_BASES,
    INQUIRY_CHANNELS,
    PARTNER_KINDS,
    REPLY_KINDS,
    SIGNATURE_RULES,
)
from services.gateway.liaison_words import APPROVAL_ROLES, joined

ID = re.compile(r"[0-9A-Za-z-]{1,64}")
UUID_LIKE = validate.Regexp(r"^[0-9A-Za-z-]{1,64}\Z", error="choose one from the list")
CODE = validate.Regexp(AGENCY_CODE_PATTERN, error="an agency code such as SSA or DOS-PPT")


def one_of(choices: Iterable[str]) -> validate.OneOf:
    choices = tuple(choices)
    return validate.OneOf(choices, error=f"choose one of: {', '.join(choices)}")


@dataclass(frozen=True)
class Problem:
    """Why an action was not done: the message and, per field, what is wrong (shown at the
    top of the page and next to each field)."""

    message: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    status: int = 422

    @classmethod
    def of(cls, exc: CaseworkError | ValidationError) -> Problem:
        if isinstance(exc, ValidationError):
            return cls("Some values are not valid", flat_fields(exc.normalized_messages()), 422)
        return cls(exc.message, flat_fields(exc.fields), exc.status)


def flat_fields(messages: Any) -> dict[str, list[str]]:
    """`{"overrides": {"0": {"days": [...]}}}` as `{"overrides": ["0: days: ..."]}`; any
    field's errors as a list of sentences."""
    if not isinstance(messages, Mapping):
        return {"_schema": [joined(messages)]} if messages else {}
    flat: dict[str, list[str]] = {}
    for name, errors in messages.items():
        if isinstance(errors, Mapping):
            flat[str(name)] = [f"{key}: {joined(value)}" for key, value in errors.items()]
        elif isinstance(errors, list | tuple):
            flat[str(name)] = [str(item) for item in errors]
        else:
            flat[str(name)] = [str(errors)]
    return flat


class LetterForm(StrictSchema):
    """The write-a-letter page: agency, contact, template and an extra paragraph."""

    agency_code = fields.String(required=True, validate=CODE)
    contact_id = fields.String(load_default=None, validate=UUID_LIKE)
    template_id = fields.String(required=True, validate=UUID_LIKE)
    extra_text = Text(load_default="", multiline=True, validate=validate.Length(max=5_000))
    action = fields.String(load_default="preview", validate=one_of(("preview", "save", "pdf")))

    @pre_load
    def upper_code(self, data: Any, **_: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("agency_code"), str):
            return {**data, "agency_code": data["agency_code"].strip().upper()}
        return data


class ReplyForm(StrictSchema):
    kind = fields.String(required=True, validate=one_of(REPLY_KINDS))
    received_on = fields.Date(required=True)
    text = Text(required=True, multiline=True, validate=validate.Length(1, 20_000))


class ExtendForm(StrictSchema):
    days = fields.Integer(required=True, strict=False, validate=validate.Range(1, 120))
    reason = Text(required=True, validate=validate.Length(3, 500))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"days": data["days"], "reason": data["reason"].strip()}


class SendForm(StrictSchema):
    channel = fields.String(required=True, validate=one_of(INQUIRY_CHANNELS))


class WithdrawForm(StrictSchema):
    reason = Text(required=True, validate=validate.Length(3, 500))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"reason": data["reason"].strip()}


class ReferForm(StrictSchema):
    partner_id = fields.String(required=True, validate=UUID_LIKE)
    note = Text(load_default="", multiline=True, validate=validate.Length(max=2_000))
    with_letter = fields.Boolean(load_default=False)


class ContactForm(StrictSchema):
    contact_id = fields.String(load_default=None, validate=UUID_LIKE)
    agency_code = fields.String(required=True, validate=CODE)
    name = Text(required=True, validate=validate.Length(1, 200))
    email = fields.Email(load_default=None, validate=validate.Length(max=254))
    phone = Text(load_default=None, validate=validate.Length(max=40))
    programme = Text(load_default=None, validate=validate.Length(max=200))
    notes = Text(load_default=None, multiline=True, validate=validate.Length(max=2_000))

    @pre_load
    def upper_code(self, data: Any, **_: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("agency_code"), str):
            return {**data, "agency_code": data["agency_code"].strip().upper()}
        return data

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**data, "name": data["name"].strip()}


class PartnerForm(StrictSchema):
    partner_id = fields.String(load_default=None, validate=UUID_LIKE)
    name = Text(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=one_of(PARTNER_KINDS))
    email = fields.Email(load_default=None, validate=validate.Length(max=254))
    phone = Text(load_default=None, validate=validate.Length(max=40))
    website_url = fields.Url(load_default=None, validate=validate.Length(max=500))
    notes = Text(load_default=None, multiline=True, validate=validate.Length(max=2_000))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**data, "name": data["name"].strip()}


class TemplateForm(StrictSchema):
    name = Text(required=True, validate=validate.Length(1, 200))
    subject = Text(required=True, validate=validate.Length(1, 500))
    body = Text(required=True, multiline=True, validate=validate.Length(1, 20_000))
    requires_approval = fields.Boolean(load_default=False)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**data, "name": data["name"].strip()}


class LiaisonSettingsForm(StrictSchema):
    """The liaison settings page. `address_lines` is a textarea (one line each); overrides
    are `days_<CODE>` and `basis_<CODE>` per agency (blank days: the directory's target)."""

    member_name = Text(load_default="", validate=validate.Length(max=200))
    office_name = Text(required=True, validate=validate.Length(1, 200))
    address_lines = Text(load_default="", multiline=True, validate=validate.Length(max=1_000))
    phone = Text(load_default="", validate=validate.Length(max=40))
    email = fields.Email(load_default="", validate=validate.Length(max=254))
    holiday_country = fields.String(
        load_default="US",
        validate=validate.Regexp(r"^[A-Z]{2}\Z", error="a two-letter country code such as US"),
    )
    holiday_subdivision = fields.String(
        load_default="",
        validate=validate.Regexp(r"^[A-Z0-9-]{0,10}\Z", error="a code such as CA or PR, or blank"),
    )
    mask_ssn = fields.Boolean(load_default=False)
    include_public_notes = fields.Boolean(load_default=False)
    approval_roles = fields.List(fields.String(validate=one_of(APPROVAL_ROLES)), load_default=list)
    overrides = fields.List(fields.Dict(), load_default=list)

    @pre_load
    def gather(self, data: Any, **_: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        for name in ("holiday_country", "holiday_subdivision"):
            if isinstance(data.get(name), str):
                data[name] = data[name].strip().upper()
        overrides = []
        for key in sorted(k for k in data if k.startswith("days_")):
            code = key.removeprefix("days_")
            days = str(data.pop(key)).strip()
            basis = str(data.pop(f"basis_{code}", "business"))
            if days:
                overrides.append({"agency_code": code, "response_days": days, "day_basis": basis})
        for key in [k for k in data if k.startswith("basis_")]:
            data.pop(key)
        data["overrides"] = overrides
        return data

    @validates_schema(skip_on_field_errors=False)
    def overrides_are_targets(self, data: dict[str, Any], **_: Any) -> None:
        problems = []
        for override in data.get("overrides", []):
            code = override["agency_code"]
            try:
                days = int(override["response_days"])
            except ValueError:
                days = 0
            if not 1 <= days <= 365:
                problems.append(f"{code}: days must be a whole number from 1 to 365")
            if override["day_basis"] not in DAY_BASES:
                problems.append(f"{code}: choose business or calendar days")
        if problems:
            raise ValidationError(problems, field_name="overrides")

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        lines = [line.strip() for line in data["address_lines"].splitlines() if line.strip()]
        return {
            **data,
            "address_lines": lines,
            "holiday_subdivision": data["holiday_subdivision"] or None,
            "approval_roles": list(dict.fromkeys(data["approval_roles"])),
            "overrides": [
                {
                    "agency_code": o["agency_code"],
                    "response_days": int(o["response_days"]),
                    "day_basis": o["day_basis"],
                }
                for o in data["overrides"]
            ],
        }


class AgencyForm(StrictSchema):
    """The platform admin's agency form (`save_agency`'s arguments)."""

    code = fields.String(required=True, validate=CODE)
    name = Text(required=True, validate=validate.Length(1, 200))
    liaison_office = Text(required=True, validate=validate.Length(1, 200))
    website_url = fields.Url(required=True, validate=validate.Length(max=500))
    response_days = fields.Integer(required=True, strict=False, validate=validate.Range(1, 365))
    day_basis = fields.String(required=True, validate=one_of(DAY_BASES))
    interim_every_days = fields.Integer(
        load_default=None, strict=False, validate=validate.Range(1, 365)
    )
    signature = fields.String(required=True, validate=one_of(SIGNATURE_RULES))
    sole_recipient = fields.Boolean(load_default=False)
    valid_days = fields.Integer(load_default=None, strict=False, validate=validate.Range(1, 3650))
    new_release_after_closure = fields.Boolean(load_default=False)
    active = fields.Boolean(load_default=False)

    @pre_load
    def upper_code(self, data: Any, **_: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("code"), str):
            return {**data, "code": data["code"].strip().upper()}
        return data


class LiaisonForms:
    """One instance of each form's schema."""

    def __init__(self) -> None:
        self.letter: Schema = LetterForm()
        self.reply: Schema = ReplyForm()
        self.extend: Schema = ExtendForm()
        self.send: Schema = SendForm()
        self.withdraw: Schema = WithdrawForm()
        self.refer: Schema = ReferForm()
        self.contact: Schema = ContactForm()
        self.partner: Schema = PartnerForm()
        self.template: Schema = TemplateForm()
        self.settings: Schema = LiaisonSettingsForm()
        self.agency: Schema = AgencyForm()


def posted(form: Mapping[str, str], *, lists: Iterable[str] = ()) -> dict[str, Any]:
    """The posted fields a schema reads: no CSRF token, a blank field is one not given,
    `lists` are multi-valued (check boxes)."""
    wanted = {
        name: value for name, value in form.items() if name != "csrf_token" and value.strip() != ""
    }
    getlist = getattr(form, "getlist", None)
    for name in lists:
        if getlist is not None and name in form:
            wanted[name] = getlist(name)
    return wanted
