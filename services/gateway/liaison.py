"""The agency liaison pages' service layer: agencies' staff calls
(services/contracts/rpc/agencies/, docs/agency-liaison.md), each acting as the signed-in
person so agencies checks the role again. The forms those pages post are `liaison_forms`,
what they say in words `liaison_words`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from marshmallow import EXCLUDE, Schema, fields, pre_load

from services.chassis.errors import CaseworkError, NotFound, ValidationFailed
from services.chassis.remote import RemoteService, ask_early
from services.contracts.rpc import agencies as agencies_rpc
from services.contracts.rpc import intake as intake_rpc
from services.gateway.domain.queue import ServiceUnavailable
from services.gateway.liaison_forms import ID
from services.gateway.liaison_words import CHANNEL_WORDS, OVERDUE_WORDS, STATE_WORDS, day_words
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
