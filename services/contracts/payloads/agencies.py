"""What agencies' events carry: the agency suggested, letters, replies, overdue and withdrawn
inquiries, clocks, extensions, referrals. Each event's wire schema per version (`<Event>V1`) and
the dataclass handlers work with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from marshmallow import Schema, fields, validate

from services.contracts.payloads.common import AGENCY_CODES


class AgencySuggestedV1(Schema):
    case_id = fields.String(required=True)
    agency_code = fields.String(required=True)
    agency_name = fields.String(required=True)
    reason = fields.String(required=True)


INQUIRY_CHANNELS = ("email", "fax", "portal", "post")


REPLY_KINDS = ("interim", "final")


OVERDUE_LEVELS = ("due", "plus_5", "plus_10")


class InquiryEventV1(Schema):
    """What every event about one sent inquiry names first, in this order: the inquiry, its
    case and the agency it went to. Each event's own fields follow."""

    inquiry_id = fields.String(required=True)
    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    agency_code = fields.String(required=True, validate=AGENCY_CODES)
    agency_name = fields.String(required=True)


class InquirySentV1(InquiryEventV1):
    """A caseworker's letter went to an agency (by email from the system, or marked as sent by
    fax, the agency's portal or post): its response clock started."""

    channel = fields.String(required=True, validate=validate.OneOf(INQUIRY_CHANNELS))
    sent_by = fields.String(required=True)
    sent_at = fields.AwareDateTime(required=True)
    due_on = fields.Date(required=True)
    follow_up_on = fields.Date(load_default=None, allow_none=True)


class ReplyLoggedV1(InquiryEventV1):
    """The agency answered an inquiry: `final` stops its clock (and its follow-ups); `interim`
    keeps the final deadline and restarts the follow-up clock (`follow_up_on`). The reply's
    text stays in agencies."""

    kind = fields.String(required=True, validate=validate.OneOf(REPLY_KINDS))
    logged_by = fields.String(required=True)
    received_on = fields.Date(required=True)
    logged_at = fields.AwareDateTime(required=True)
    follow_up_on = fields.Date(load_default=None, allow_none=True)


class InquiryOverdueV1(InquiryEventV1):
    """An inquiry passed a threshold without a final reply: once at its due date (`due`), once
    5 and once 10 business days after it."""

    level = fields.String(required=True, validate=validate.OneOf(OVERDUE_LEVELS))
    due_on = fields.Date(required=True)
    business_days_late = fields.Integer(required=True)
    detected_at = fields.AwareDateTime(required=True)


class InquiryWithdrawnV1(InquiryEventV1):
    """Staff withdrew a sent inquiry (the case was resolved another way, the letter went to
    the wrong office): nobody waits for its answer any more. The reason stays in agencies."""

    withdrawn_by = fields.String(required=True)
    withdrawn_at = fields.AwareDateTime(required=True)


class ClockChangedV1(Schema):
    """The response clocks of a case's open inquiries stopped (the case waits on the
    constituent) or started again; `due_on` is each inquiry's due date after the change."""

    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    inquiry_ids = fields.List(fields.String(), required=True)
    due_on = fields.Dict(keys=fields.String(), values=fields.Date(), required=True)
    reason = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


class DeadlineExtendedV1(Schema):
    """Staff moved an inquiry's due date (the agency asked for more time, say), with a
    reason."""

    inquiry_id = fields.String(required=True)
    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    agency_code = fields.String(required=True, validate=AGENCY_CODES)
    due_on = fields.Date(required=True)
    previous_due_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(1, 500))
    extended_by = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


class CaseReferredV1(Schema):
    """The office referred a case to a partner organisation (legal aid, a food bank, a
    veterans' service organisation...)."""

    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    referral_id = fields.String(required=True)
    partner_id = fields.String(required=True)
    partner_name = fields.String(required=True)
    referred_by = fields.String(required=True)
    referred_at = fields.AwareDateTime(required=True)
    with_letter = fields.Boolean(required=True)


@dataclass(frozen=True)
class AgencySuggested:
    case_id: str
    agency_code: str
    agency_name: str
    reason: str


@dataclass(frozen=True)
class InquiryEvent:
    """An event about one sent inquiry, as far as every such event goes (`InquiryEventV1`)."""

    inquiry_id: str
    case_id: str
    reference: str
    agency_code: str
    agency_name: str


@dataclass(frozen=True)
class InquirySent(InquiryEvent):
    channel: str
    sent_by: str
    sent_at: datetime
    due_on: date
    follow_up_on: date | None = None


@dataclass(frozen=True)
class ReplyLogged(InquiryEvent):
    kind: str
    logged_by: str
    received_on: date
    logged_at: datetime
    follow_up_on: date | None = None


@dataclass(frozen=True)
class InquiryOverdue(InquiryEvent):
    level: str
    due_on: date
    business_days_late: int
    detected_at: datetime


@dataclass(frozen=True)
class InquiryWithdrawn(InquiryEvent):
    withdrawn_by: str
    withdrawn_at: datetime


@dataclass(frozen=True)
class ClockChanged:
    case_id: str
    reference: str
    inquiry_ids: list[str]
    due_on: dict[str, date]
    reason: str
    at: datetime


@dataclass(frozen=True)
class DeadlineExtended:
    inquiry_id: str
    case_id: str
    reference: str
    agency_code: str
    due_on: date
    previous_due_on: date
    reason: str
    extended_by: str
    at: datetime


@dataclass(frozen=True)
class CaseReferred:
    case_id: str
    reference: str
    referral_id: str
    partner_id: str
    partner_name: str
    referred_by: str
    referred_at: datetime
    with_letter: bool
