"""The agency liaison pages' service layer: agencies' staff calls
(services/contracts/rpc/agencies/, docs/agency-liaison.md), each acting as the signed-in
person so agencies checks the role again; the forms those pages post (strict, each error
naming its field); and what the pages say in words (response targets, release rules, states,
overdue badges, an import's problems).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from services.chassis.errors import CaseworkError, NotFound, ValidationFailed
from services.chassis.remote import RemoteService, ask_early
from services.chassis.schemas import StrictSchema, Text
from services.contracts.rpc import agencies as agencies_rpc
from services.contracts.rpc import intake as intake_rpc
from services.contracts.rpc.agencies import (
    AGENCY_CODE_PATTERN,
    DAY_BASES,
    INQUIRY_CHANNELS,
    PARTNER_KINDS,
    REPLY_KINDS,
    SIGNATURE_RULES,
)
from services.gateway.domain.queue import ServiceUnavailable
from services.gateway.releases import SIGNATURES, upload_name

AGENCIES = agencies_rpc.AgencyDetail(many=True)
AGENCY = agencies_rpc.AgencyDetail()
CONTACTS = agencies_rpc.ContactEntry(many=True)
CONTACT = agencies_rpc.ContactEntry()
PARTNERS = agencies_rpc.PartnerEntry(many=True)
PARTNER = agencies_rpc.PartnerEntry()
TEMPLATES = agencies_rpc.TemplateEntry(many=True)
TEMPLATE = agencies_rpc.TemplateEntry()
INQUIRIES = agencies_rpc.InquiryEntry(many=True)
INQUIRY = agencies_rpc.InquiryEntry()
PREVIEW = agencies_rpc.LetterPreview()
CASE_LIAISON = agencies_rpc.CaseLiaison()
IMPORT_RESULT = agencies_rpc.ImportResult()
SCORECARD = agencies_rpc.ScorecardRow(many=True)
DOCUMENT = intake_rpc.Document()

# What a refused liaison action shows at the top of its page.
REFUSALS = (CaseworkError,)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = MAX_ATTACHMENT_BYTES + 64 * 1024
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_UPLOAD_BYTES = MAX_CSV_BYTES + 64 * 1024

DONE_MESSAGES = {
    "letter_saved": "Letter saved and approved: send it or mark it as sent below.",
    "letter_awaiting_approval": "Letter saved: it waits for a supervisor's approval.",
    "inquiry_sent": "Letter marked as sent. The deadline clock has started.",
    "inquiry_emailed": "Letter emailed to the agency with the privacy release. The deadline "
    "clock has started.",
    "reply_logged": "Reply logged.",
    "deadline_extended": "Deadline extended.",
    "inquiry_withdrawn": "Letter withdrawn.",
    "case_referred": "Case referred to the partner organisation.",
}
PAGE_DONE = {
    "contact_saved": "Contact saved.",
    "contact_removed": "Contact removed.",
    "partner_saved": "Partner organisation saved.",
    "partner_removed": "Partner organisation removed.",
    "template_saved": "Template saved as a new version.",
    "inquiry_approved": "Letter approved: the caseworker can send it now.",
    "template_approved": "Template approved: letters can use this version now.",
    "settings_saved": "Liaison settings saved.",
    "agency_saved": "Agency saved.",
}
STATE_WORDS = {
    "draft": "Draft",
    "awaiting_approval": "Awaiting approval",
    "approved": "Approved, not sent yet",
    "sent": "Sent, waiting for the agency",
    "answered": "Answered",
    "withdrawn": "Withdrawn",
}
CHANNEL_WORDS = {
    "email": "Email (sends it now)",
    "fax": "Fax",
    "portal": "The agency's portal",
    "post": "Post",
}
OVERDUE_WORDS = {
    "due": "Overdue",
    "plus_5": "Overdue 5+ business days",
    "plus_10": "Overdue 10+ business days",
}
PARTNER_KIND_WORDS = {
    "legal_aid": "Legal aid",
    "food_bank": "Food bank",
    "veterans_service": "Veterans' service organisation",
    "community": "Community group",
    "health": "Health",
    "housing": "Housing",
    "other": "Other",
}
APPROVAL_ROLE_CHOICES = (
    ("read_only", "Interns"),
    ("caseworker", "Caseworkers"),
    ("supervisor", "Supervisors"),
)
APPROVAL_ROLES = tuple(role for role, _ in APPROVAL_ROLE_CHOICES)
# The fields a template may use (docs/agency-liaison.md), for the templates page.
TEMPLATE_FIELDS = (
    ("case.reference", "the case's reference"),
    ("case.subject", "the case's subject"),
    ("case.category", "the case's category"),
    ("case.opened_on", "the day the case was opened"),
    ("case.description", "the constituent's description, after redaction"),
    (
        "case.public_notes",
        "a list of the case's public notes (internal notes never reach a letter)",
    ),
    ("constituent.name", "the constituent's name"),
    ("constituent.address_lines", "a list of the lines of their address"),
    ("constituent.email", "their email"),
    ("constituent.phone", "their phone"),
    ("identifiers.ssn", "Social Security number (masked to XXX-XX-1234 when the office says so)"),
    ("identifiers.ssn_last4", "the SSN's last four digits"),
    ("identifiers.date_of_birth", "date of birth"),
    ("identifiers.claim_number", "claim number"),
    ("identifiers.uscis_receipt", "USCIS receipt number"),
    ("identifiers.a_number", "alien registration number"),
    ("identifiers.va_file_number", "VA file number"),
    ("agency.name", "the agency's name"),
    ("agency.liaison_office", "the agency's congressional liaison office"),
    ("contact.name", "the liaison contact's name"),
    ("contact.programme", "the contact's programme"),
    ("office.name", "the office's name (letterhead)"),
    ("office.member_name", "the Member's name"),
    ("office.address_lines", "a list of the office's address lines"),
    ("office.phone", "the office's phone"),
    ("office.email", "the office's email"),
    ("caseworker.name", "who writes the letter"),
    ("today", "the date in the office's time zone"),
)
ID = re.compile(r"[0-9A-Za-z-]{1,64}")
UUID_LIKE = validate.Regexp(r"^[0-9A-Za-z-]{1,64}\Z", error="choose one from the list")
CODE = validate.Regexp(AGENCY_CODE_PATTERN, error="an agency code such as SSA or DOS-PPT")


def one_of(choices: Iterable[str]) -> validate.OneOf:
    choices = tuple(choices)
    return validate.OneOf(choices, error=f"choose one of: {', '.join(choices)}")


# What the pages say in words ------------------------------------------------------------------


def day_words(day: date | None) -> str:
    """`14 Jan 2026`."""
    return "" if day is None else f"{day.day} {day.strftime('%b %Y')}"


def target_words(agency: Mapping[str, Any]) -> str:
    """`20 business days; an interim reply every 30 days`."""
    words = f"{agency['response_days']} {agency['day_basis']} days"
    if agency.get("interim_every_days"):
        words += f"; then an interim reply every {agency['interim_every_days']} days"
    return words


def rules_words(agency: Mapping[str, Any]) -> list[str]:
    """The agency's release rules as sentences."""
    rules = agency["release_rules"]
    said = [
        "Accepts only a handwritten (wet) signature."
        if rules["signature"] == "wet_only"
        else "Accepts an e-signed or a wet-signed release."
    ]
    if rules["sole_recipient"]:
        said.append("The release must name this office alone.")
    if rules["valid_days"]:
        said.append(f"A release is accepted for {rules['valid_days']} days after signing.")
    if rules["new_release_after_closure"]:
        said.append("A follow-up after the case was closed needs a release signed after that.")
    return said


def web_link(url: str | None) -> str:
    """A website address a page may link to: http(s) only (never `javascript:`)."""
    text = (url or "").strip()
    return text if re.match(r"https?://", text, flags=re.IGNORECASE) else "#"


def problem_rows(problems: Iterable[Any]) -> list[dict[str, str]]:
    """An import's refused rows as `line`, `field`, `problem` (whatever words agencies used)."""
    rows = []
    for problem in problems:
        if not isinstance(problem, Mapping):
            rows.append({"line": "", "field": "", "problem": str(problem)})
            continue
        words = next(
            (
                problem[key]
                for key in ("problem", "message", "error", "reason", "problems", "errors")
                if problem.get(key)
            ),
            None,
        )
        if words is None:
            rest = {k: v for k, v in problem.items() if k not in {"line", "field", "row"}}
            words = "; ".join(f"{k}: {v}" for k, v in rest.items())
        if isinstance(words, list | tuple):
            words = "; ".join(str(item) for item in words)
        elif isinstance(words, Mapping):
            words = "; ".join(f"{k}: {_joined(v)}" for k, v in words.items())
        line = problem.get("line", problem.get("row", ""))
        rows.append({"line": str(line), "field": str(problem.get("field") or ""), "problem": words})
    return rows


def _joined(value: Any) -> str:
    return "; ".join(str(item) for item in value) if isinstance(value, list) else str(value)


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
        return {"_schema": [_joined(messages)]} if messages else {}
    flat: dict[str, list[str]] = {}
    for name, errors in messages.items():
        if isinstance(errors, Mapping):
            flat[str(name)] = [f"{key}: {_joined(value)}" for key, value in errors.items()]
        elif isinstance(errors, list | tuple):
            flat[str(name)] = [str(item) for item in errors]
        else:
            flat[str(name)] = [str(errors)]
    return flat


# The case page's panel -------------------------------------------------------------------------


@dataclass(frozen=True)
class LiaisonPanel:
    """The case page's "Agencies" panel: agencies' `case_liaison`, or `live` False with
    nothing when agencies does not answer."""

    live: bool
    inquiries: list[dict[str, Any]] = field(default_factory=list)
    consent: list[dict[str, Any]] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    partners: list[dict[str, Any]] = field(default_factory=list)
    referrals: list[dict[str, Any]] = field(default_factory=list)

    def partner_name(self, partner_id: str | None) -> str:
        for partner in self.partners:
            if partner["partner_id"] == partner_id:
                return str(partner["name"])
        return ""


def request_panel(
    agencies: RemoteService, office_id: str, case: Mapping[str, Any]
) -> Callable[[], LiaisonPanel]:
    """Ask agencies for the case's panel now (so it runs beside the other calls of the case
    page); the returned function waits for the answer."""
    answer = ask_early(
        agencies, "case_liaison", CASE_LIAISON, office_id=office_id, case_id=case["case_id"]
    )

    def collect() -> LiaisonPanel:
        found = answer()
        return LiaisonPanel(live=False) if found is None else panel_of(found, case)

    return collect


def relevant_agencies(found: Mapping[str, Any], case: Mapping[str, Any]) -> set[str]:
    """The agencies the panel speaks of: the case's own, those its releases name and those
    already written to (the letter page offers every other one)."""
    codes = {entry["agency_code"] for entry in found["inquiries"]}
    for release in case.get("releases") or []:
        codes.update(release.get("agencies") or [])
    agency = case.get("agency_code") or case.get("agency_hint")
    if agency:
        codes.add(str(agency).upper())
    return codes


def panel_of(found: Mapping[str, Any], case: Mapping[str, Any]) -> LiaisonPanel:
    inquiries = sorted(found["inquiries"], key=lambda entry: entry["drafted_at"], reverse=True)
    relevant = relevant_agencies(found, case)
    return LiaisonPanel(
        live=True,
        inquiries=[inquiry_view(entry) for entry in inquiries],
        consent=[answer for answer in found["consent"] if answer["agency_code"] in relevant],
        templates=list(found["templates"]),
        contacts=list(found["contacts"]),
        partners=list(found["partners"]),
        referrals=list(found["referrals"]),
    )


def inquiry_view(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An inquiry with what its row says in words."""
    deadline = entry.get("deadline")
    level = deadline.get("overdue_level") if deadline else None
    return {
        **entry,
        "state_words": STATE_WORDS.get(entry["state"], entry["state"]),
        "channel_words": CHANNEL_WORDS.get(entry.get("channel") or "", entry.get("channel") or ""),
        "due_words": day_words(deadline["due_on"]) if deadline else "",
        "follow_up_words": day_words(deadline.get("follow_up_on")) if deadline else "",
        "overdue_words": OVERDUE_WORDS.get(level or "", "") if entry["state"] == "sent" else "",
        "replies": sorted(entry["replies"], key=lambda reply: reply["received_on"]),
    }


def case_liaison(agencies: RemoteService, office_id: str, case_id: str) -> dict[str, Any]:
    found: dict[str, Any] = agencies.call(
        "case_liaison", CASE_LIAISON, office_id=office_id, case_id=case_id
    )
    return found


def inquiry_of_case(
    agencies: RemoteService, office_id: str, case: Mapping[str, Any], inquiry_id: str
) -> dict[str, Any]:
    """One of the case's inquiries (not found otherwise: another case's inquiry is never
    acted on from this case's page)."""
    if not ID.fullmatch(inquiry_id):
        raise NotFound("this case has no such letter")
    for entry in case_liaison(agencies, office_id, case["case_id"])["inquiries"]:
        if entry["inquiry_id"] == inquiry_id:
            return dict(entry)
    raise NotFound("this case has no such letter")


def referral_of_case(
    agencies: RemoteService, office_id: str, case: Mapping[str, Any], referral_id: str
) -> dict[str, Any]:
    """One of the case's referrals (another case's is never reached from this case's page)."""
    if ID.fullmatch(referral_id):
        for entry in case_liaison(agencies, office_id, case["case_id"])["referrals"]:
            if entry["referral_id"] == referral_id:
                return dict(entry)
    raise NotFound("this case has no such referral")


def document(agencies: RemoteService, method: str, **arguments: Any) -> dict[str, Any]:
    """A document agencies sent (`letter_pdf`), its content decoded (`content`)."""
    found: dict[str, Any] = agencies.call(method, DOCUMENT, **arguments)
    return {**found, "content": decoded(found["content_base64"], agencies.service)}


def decoded(content_base64: str, service: str = "agencies") -> bytes:
    try:
        return base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ServiceUnavailable(service, "document content is not base64") from None


def attachment_document(filename: str | None, stream: IO[bytes]) -> dict[str, str] | None:
    """An agency reply's optional file as a `Document`: a PDF, JPEG or PNG of at most 10 MB,
    by its content. None when no file was chosen; ValidationFailed naming `attachment`."""
    content = stream.read(MAX_ATTACHMENT_BYTES + 1)
    if not content:
        return None
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(
            "The file is too large", fields={"attachment": ["a file may be up to 10 MB"]}
        )
    found = [(kind, ext) for start, kind, ext in SIGNATURES if content.startswith(start)]
    if not found:
        raise ValidationFailed(
            "The reply's file must be a PDF, JPEG or PNG file",
            fields={"attachment": ["not a PDF, JPEG or PNG file"]},
        )
    [(content_type, extension)] = found
    return {
        "filename": upload_name(filename, extension).replace("signed-release", "agency-reply"),
        "content_type": content_type,
        "content_base64": base64.b64encode(content).decode("ascii"),
    }


def csv_text(filename: str | None, stream: IO[bytes], name: str = "file") -> str:
    """An uploaded CSV file as text (UTF-8, with or without a byte order mark)."""
    content = stream.read(MAX_CSV_BYTES + 1)
    if not content:
        raise ValidationFailed("Choose a CSV file to import", fields={name: ["no file was chosen"]})
    if len(content) > MAX_CSV_BYTES:
        raise ValidationFailed("The file is too large", fields={name: ["a CSV may be up to 2 MB"]})
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            "The file is not a CSV file in UTF-8",
            fields={name: ["save it as CSV UTF-8 and try again"]},
        ) from None


def csv_download_name(kind: str, owner: str) -> str:
    return f"{kind}-{owner}.csv"


# Liaison settings, as agencies answers them (tolerant: a field it does not send is blank) ----


class OverrideAnswer(Schema):
    class Meta:
        unknown = EXCLUDE

    agency_code = fields.String(required=True)
    response_days = fields.Integer(load_default=None, allow_none=True)
    day_basis = fields.String(load_default=None, allow_none=True)


class LiaisonSettingsAnswer(Schema):
    class Meta:
        unknown = EXCLUDE

    member_name = fields.String(load_default="", allow_none=True)
    office_name = fields.String(load_default="", allow_none=True)
    address_lines = fields.List(fields.String(), load_default=list)
    phone = fields.String(load_default="", allow_none=True)
    email = fields.String(load_default="", allow_none=True)
    holiday_country = fields.String(load_default="US", allow_none=True)
    holiday_subdivision = fields.String(load_default="", allow_none=True)
    mask_ssn = fields.Boolean(load_default=True)
    include_public_notes = fields.Boolean(load_default=True)
    approval_roles = fields.List(fields.String(), load_default=list)
    overrides = fields.List(fields.Nested(OverrideAnswer), load_default=list)

    @pre_load
    def nested_letterhead(self, data: Any, **_: Any) -> Any:
        """Accept the letterhead either flat or as `letterhead: {...}`."""
        if isinstance(data, Mapping) and isinstance(data.get("letterhead"), Mapping):
            return {**data["letterhead"], **{k: v for k, v in data.items() if k != "letterhead"}}
        return data


LIAISON_SETTINGS = LiaisonSettingsAnswer()


# The forms ------------------------------------------------------------------------------------


def _blank_is_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


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
