"""Contracts of agency liaison's letters (docs/agency-liaison.md): the case page's panel, the
consent gate's answer, inquiries and their clocks, previews, replies, extensions, withdrawals,
referrals, the letter's PDF and the scorecard. Each call carries the acting staff member in the
RPC context, as for cases; agencies checks the role again."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, pre_load, validate

from services.contracts.rpc.agencies.common import (
    ID_LENGTH,
    INQUIRY_CHANNELS,
    INQUIRY_STATES,
    REPLY_KINDS,
    UUID_LENGTH,
    Answer,
    agency_code_field,
    blank_to_none,
    upper_code,
)
from services.contracts.rpc.agencies.office import ContactEntry, PartnerEntry, TemplateEntry
from services.contracts.rpc.common import OfficeRequest, Request


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


class CaseLiaisonRequest(OfficeRequest):
    case_id = fields.String(required=True, validate=ID_LENGTH)


class LetterRequest(OfficeRequest):
    """`preview_letter` / `draft_inquiry(office_id, case_id, agency_code, contact_id,
    template_id, extra_text="")`."""

    case_id = fields.String(required=True, validate=ID_LENGTH)
    agency_code = agency_code_field(required=True)
    contact_id = fields.String(load_default=None, allow_none=True, validate=UUID_LENGTH)
    template_id = fields.String(required=True, validate=UUID_LENGTH)
    extra_text = fields.String(load_default="", validate=validate.Length(max=5000))

    @pre_load
    def normalise(self, data: Any, **_: Any) -> Any:
        data = blank_to_none(data, ("contact_id",))
        if isinstance(data, dict) and data.get("extra_text") is None:
            data = {**data, "extra_text": ""}
        return upper_code(data)


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
