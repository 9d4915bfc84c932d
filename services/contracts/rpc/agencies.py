"""Contracts of agencies' RPC methods: `list_agencies`, `get_agency`, `suggest_agency`.

Arguments are strict (unknown or malformed ones are refused). Results are dumped from any
object with the named attributes (the directory's `Agency`, the rule's `Suggestion`); a caller
reads them with the same schemas, which ignore fields added later (a tolerant reader).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from services.contracts.rpc.common import OfficeRequest, Request
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


# ---------------------------------------------------------------------------------------------
# Agency liaison (docs/agency-liaison.md): the directory's rules, each office's contacts and
# partners, letter templates, inquiries and their clocks. Every call below carries the acting
# staff member in the RPC context, as for cases; agencies checks the role again.
# ---------------------------------------------------------------------------------------------

DAY_BASES = ("business", "calendar")
SIGNATURE_RULES = ("any", "wet_only")
INQUIRY_STATES = ("draft", "awaiting_approval", "approved", "sent", "answered", "withdrawn")
INQUIRY_CHANNELS = ("email", "fax", "portal", "post")
REPLY_KINDS = ("interim", "final")
PARTNER_KINDS = (
    "legal_aid",
    "food_bank",
    "veterans_service",
    "community",
    "health",
    "housing",
    "other",
)


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


class ImportResult(Answer):
    """A CSV import: rows created and updated, and every refused row with its line and
    field (nothing of a file with a refused row is stored)."""

    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    problems = fields.List(fields.Dict(), required=True)


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


class ConsentAnswer(Answer):
    """The consent gate's answer for one agency: `allowed`, the release it rests on, and when
    refused every rule that failed (`reasons`) and what to get from the constituent
    (`remedy`)."""

    agency_code = fields.String(required=True)
    allowed = fields.Boolean(required=True)
    release_id = fields.String(required=True, allow_none=True)
    reasons = fields.List(fields.String(), required=True)
    remedy = fields.String(required=True, allow_none=True)


class DeadlineAnswer(Answer):
    """A due date and why it is what it is, in words ("due 14 Jan: 20 business days from
    12 Dec, excluding 25 Dec and 1 Jan; paused 3 days waiting on the constituent")."""

    due_on = fields.Date(required=True)
    follow_up_on = fields.Date(required=True, allow_none=True)
    explanation = fields.String(required=True)
    paused = fields.Boolean(required=True)
    overdue_level = fields.String(required=True, allow_none=True)


class ReplyEntry(Answer):
    reply_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(REPLY_KINDS))
    text = fields.String(required=True)
    received_on = fields.Date(required=True)
    logged_by = fields.String(required=True)
    logged_at = fields.DateTime(format="iso", required=True)
    attachment_filename = fields.String(required=True, allow_none=True)


class InquiryEntry(Answer):
    """An inquiry (a letter to an agency) and where it stands."""

    inquiry_id = fields.String(required=True)
    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    agency_code = fields.String(required=True)
    agency_name = fields.String(required=True)
    contact_id = fields.String(required=True, allow_none=True)
    contact_name = fields.String(required=True, allow_none=True)
    contact_email = fields.String(required=True, allow_none=True)
    template_id = fields.String(required=True, allow_none=True)
    template_name = fields.String(required=True, allow_none=True)
    template_version = fields.Integer(required=True, allow_none=True)
    subject = fields.String(required=True)
    body = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(INQUIRY_STATES))
    channel = fields.String(required=True, allow_none=True)
    release_id = fields.String(required=True, allow_none=True)
    drafted_by = fields.String(required=True)
    drafted_at = fields.DateTime(format="iso", required=True)
    needs_approval = fields.Boolean(required=True)
    approved_by = fields.String(required=True, allow_none=True)
    approved_at = fields.DateTime(format="iso", required=True, allow_none=True)
    sent_by = fields.String(required=True, allow_none=True)
    sent_at = fields.DateTime(format="iso", required=True, allow_none=True)
    deadline = fields.Nested(DeadlineAnswer, required=True, allow_none=True)
    replies = fields.List(fields.Nested(ReplyEntry), required=True)


class LetterPreview(Answer):
    """Exactly what would be sent: the redacted text, the PDF, and the consent gate's
    answer for the agency."""

    subject = fields.String(required=True)
    body = fields.String(required=True)
    pdf_base64 = fields.String(required=True)
    consent = fields.Nested(ConsentAnswer, required=True)
    redactions = fields.List(fields.String(), required=True)


class CaseLiaison(Answer):
    """The case page's agency panel: the case's inquiries, the consent gate for the agencies
    one could write to, and the office's contacts, templates and partners to pick from."""

    inquiries = fields.List(fields.Nested(InquiryEntry), required=True)
    consent = fields.List(fields.Nested(ConsentAnswer), required=True)
    templates = fields.List(fields.Nested(TemplateEntry), required=True)
    contacts = fields.List(fields.Nested(ContactEntry), required=True)
    partners = fields.List(fields.Nested(PartnerEntry), required=True)
    referrals = fields.List(fields.Dict(), required=True)


class ScorecardRow(Answer):
    agency_code = fields.String(required=True)
    agency_name = fields.String(required=True)
    sent = fields.Integer(required=True)
    answered = fields.Integer(required=True)
    open = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    overdue_rate = fields.Float(required=True, allow_none=True)
    p50_business_days = fields.Float(required=True, allow_none=True)
    p90_business_days = fields.Float(required=True, allow_none=True)


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


class ReferralEntry(Answer):
    referral_id = fields.String(required=True)
    partner_id = fields.String(required=True)
    partner_name = fields.String(required=True)
    note = fields.String(required=True)
    with_letter = fields.Boolean(required=True)
    referred_by = fields.String(required=True)
    referred_at = fields.String(required=True)


class LetterDocument(Answer):
    """`letter_pdf`'s answer, in intake's `Document` form."""

    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    content_base64 = fields.String(required=True)


# ---------------------------------------------------------------------------------------------
# Requests of the agency liaison methods (strict: unknown or malformed arguments are refused).
# ---------------------------------------------------------------------------------------------

ID_LENGTH = validate.Length(1, 64)
UUID_LENGTH = validate.Length(36, 36)
CSV_MAX_CHARS = 2_000_000
ROLE_NAMES = ("office_admin", "supervisor", "caseworker", "read_only")


def _agency_code(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(AGENCY_CODE_PATTERN, error="use the agency's code, e.g. SSA"),
        **kwargs,
    )


def _optional_text(maximum: int) -> fields.String:
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=maximum))


def _blank_to_none(data: Any, names: tuple[str, ...]) -> Any:
    if not isinstance(data, dict):
        return data
    cleaned = dict(data)
    for name in names:
        value = cleaned.get(name)
        if isinstance(value, str):
            cleaned[name] = value.strip() or None
    return cleaned


def _upper_code(data: Any, name: str = "agency_code") -> Any:
    if isinstance(data, dict) and isinstance(data.get(name), str):
        return {**data, name: data[name].strip().upper()}
    return data


def _time_zone(value: str) -> None:
    """An IANA time zone name (the office's deadlines are counted in it)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("not a time zone, e.g. America/Chicago") from None


class SaveAgencyRequest(Request):
    """`save_agency(code, name, liaison_office, website_url, response_days, day_basis,
    interim_every_days, signature, sole_recipient, valid_days, new_release_after_closure,
    active)`: platform admins only."""

    code = _agency_code(required=True)
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
        data = _upper_code(data, "code")
        return _blank_to_none(data, ("interim_every_days", "valid_days"))


class CsvRequest(Request):
    csv_text = fields.String(required=True, validate=validate.Length(max=CSV_MAX_CHARS))


class OfficeCsvRequest(OfficeRequest):
    csv_text = fields.String(required=True, validate=validate.Length(max=CSV_MAX_CHARS))


class ListContactsRequest(OfficeRequest):
    agency_code = _agency_code(load_default=None, allow_none=True)

    @pre_load
    def normalise(self, data: Any, **_: Any) -> Any:
        return _upper_code(_blank_to_none(data, ("agency_code",)))


class SaveContactRequest(OfficeRequest):
    """`save_contact(office_id, contact_id=None, agency_code, name, email, phone, programme,
    notes)`: a new contact without `contact_id`, else a change to that one."""

    contact_id = fields.String(load_default=None, allow_none=True, validate=UUID_LENGTH)
    agency_code = _agency_code(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = _optional_text(40)
    programme = _optional_text(200)
    notes = _optional_text(5000)

    @pre_load
    def normalise(self, data: Any, **_: Any) -> Any:
        data = _blank_to_none(data, ("contact_id", "email", "phone", "programme", "notes"))
        return _upper_code(data)


class ContactRequest(OfficeRequest):
    contact_id = fields.String(required=True, validate=UUID_LENGTH)


class SavePartnerRequest(OfficeRequest):
    """`save_partner(office_id, partner_id=None, name, kind, email, phone, website_url,
    notes)`."""

    partner_id = fields.String(load_default=None, allow_none=True, validate=UUID_LENGTH)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(PARTNER_KINDS))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = _optional_text(40)
    website_url = fields.Url(
        load_default=None,
        allow_none=True,
        schemes={"http", "https"},
        validate=validate.Length(max=300),
    )
    notes = _optional_text(5000)

    @pre_load
    def normalise(self, data: Any, **_: Any) -> Any:
        return _blank_to_none(data, ("partner_id", "email", "phone", "website_url", "notes"))


class PartnerRequest(OfficeRequest):
    partner_id = fields.String(required=True, validate=UUID_LENGTH)


class OverrideRequest(Request):
    agency_code = _agency_code(required=True)
    response_days = fields.Integer(required=True, validate=validate.Range(1, 365))
    day_basis = fields.String(required=True, validate=validate.OneOf(DAY_BASES))

    @pre_load
    def normalise(self, data: Any, **_: Any) -> Any:
        return _upper_code(data)


class SaveLiaisonSettingsRequest(OfficeRequest):
    """`save_liaison_settings(office_id, **changes)`: only the fields given change;
    `overrides` replaces the whole set of per-agency targets."""

    timezone = fields.String(validate=_time_zone)
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
        return _blank_to_none(data, ("holiday_subdivision",))


class SaveTemplateRequest(OfficeRequest):
    """`save_template(office_id, name, subject, body, requires_approval=False)`: a new
    version of the named template."""

    name = fields.String(required=True, validate=validate.Length(1, 100))
    subject = fields.String(required=True, validate=validate.Length(1, 300))
    body = fields.String(required=True, validate=validate.Length(1, 20_000))
    requires_approval = fields.Boolean(load_default=False)


class TemplateRequest(OfficeRequest):
    template_id = fields.String(required=True, validate=UUID_LENGTH)


class CaseLiaisonRequest(OfficeRequest):
    case_id = fields.String(required=True, validate=ID_LENGTH)


class LetterRequest(OfficeRequest):
    """`preview_letter` / `draft_inquiry(office_id, case_id, agency_code, contact_id,
    template_id, extra_text="")`."""

    case_id = fields.String(required=True, validate=ID_LENGTH)
    agency_code = _agency_code(required=True)
    contact_id = fields.String(load_default=None, allow_none=True, validate=UUID_LENGTH)
    template_id = fields.String(required=True, validate=UUID_LENGTH)
    extra_text = fields.String(load_default="", validate=validate.Length(max=5000))

    @pre_load
    def normalise(self, data: Any, **_: Any) -> Any:
        data = _blank_to_none(data, ("contact_id",))
        if isinstance(data, dict) and data.get("extra_text") is None:
            data = {**data, "extra_text": ""}
        return _upper_code(data)


class InquiryRequest(OfficeRequest):
    inquiry_id = fields.String(required=True, validate=UUID_LENGTH)


class SendInquiryRequest(InquiryRequest):
    channel = fields.String(required=True, validate=validate.OneOf(INQUIRY_CHANNELS))


class ReplyAttachment(Request):
    filename = fields.String(required=True, validate=validate.Length(1, 200))
    content_type = fields.String(
        required=True, validate=validate.OneOf(["application/pdf", "image/jpeg", "image/png"])
    )
    content_base64 = fields.String(required=True, validate=validate.Length(1, 14_000_000))


class LogReplyRequest(InquiryRequest):
    """`log_reply(office_id, inquiry_id, kind, text, received_on, attachment=None)`; the
    attachment in intake's `Document` form."""

    kind = fields.String(required=True, validate=validate.OneOf(REPLY_KINDS))
    text = fields.String(required=True, validate=validate.Length(1, 20_000))
    received_on = fields.Date(required=True)
    attachment = fields.Nested(ReplyAttachment, load_default=None, allow_none=True)


class ExtendDeadlineRequest(InquiryRequest):
    days = fields.Integer(required=True, validate=validate.Range(1, 365))
    reason = fields.String(required=True, validate=validate.Length(1, 500))


class WithdrawInquiryRequest(InquiryRequest):
    reason = fields.String(required=True, validate=validate.Length(1, 500))


class ReferCaseRequest(OfficeRequest):
    """`refer_case(office_id, case_id, partner_id, note, with_letter=False)`."""

    case_id = fields.String(required=True, validate=ID_LENGTH)
    partner_id = fields.String(required=True, validate=UUID_LENGTH)
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    with_letter = fields.Boolean(load_default=False)


class ReferralRequest(OfficeRequest):
    """`referral_letter(office_id, referral_id)`."""

    referral_id = fields.String(required=True, validate=UUID_LENGTH)
