"""What notify's events carry: acknowledgements, reminders due, surveys and unsubscribe links
offered. Each event's wire schema per version (`<Event>V1`) and the dataclass handlers work
with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from marshmallow import Schema, fields, validate


class AcknowledgementSentV1(Schema):
    case_id = fields.String(required=True)
    submission_id = fields.String(required=True)
    # "sms" since text messages: a text message to the constituent's phone.
    channel = fields.String(required=True, validate=validate.OneOf(["email", "sms"]))
    sent_at = fields.AwareDateTime(required=True)
    # Added later (additive): sent again because an earlier attempt was cut off mid-send.
    resent_after_doubt = fields.Boolean(load_default=False)


REMINDER_KINDS = (
    "first_contact",
    "agency_follow_up",
    "constituent_check_in",
    "unassigned",
    "inquiry_overdue",
    "no_activity",
)


REMINDER_AUDIENCES = ("caseworker", "supervisor")


class ReminderDueV1(Schema):
    """A case's reminder came due and fired (once per occurrence: a follow-up that repeats
    fires again with the next `occurrence`). `summary` is a few words of the system's own
    (never personal data); staff reminders go to the case's caseworker, escalations to the
    office's supervisors."""

    reminder_id = fields.String(required=True)
    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(REMINDER_KINDS))
    audience = fields.String(required=True, validate=validate.OneOf(REMINDER_AUDIENCES))
    occurrence = fields.Integer(required=True, validate=validate.Range(min=1))
    summary = fields.String(required=True, validate=validate.Length(1, 300))
    due_at = fields.AwareDateTime(required=True)
    fired_at = fields.AwareDateTime(required=True)
    agency_code = fields.String(required=True, allow_none=True)
    inquiry_id = fields.String(required=True, allow_none=True)


class SurveyOfferedV1(Schema):
    """A closure message carries a one-click satisfaction survey: intake keeps the link's
    digest (never the link itself) so the portal can take the constituent's rating."""

    survey_id = fields.String(required=True)
    case_id = fields.String(required=True)
    token_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    offered_at = fields.AwareDateTime(required=True)


class UnsubscribeOfferedV1(Schema):
    """Notify will put an unsubscribe link in every email to this constituent of the office:
    intake keeps the link's digest (never the link itself) so the portal can take their
    opt-out. One per constituent and office, announced when notify first hears of them."""

    constituent_id = fields.String(required=True)
    token_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    offered_at = fields.AwareDateTime(required=True)


@dataclass(frozen=True)
class AcknowledgementSent:
    case_id: str
    submission_id: str
    channel: str
    sent_at: datetime
    resent_after_doubt: bool = False


@dataclass(frozen=True)
class ReminderDue:
    reminder_id: str
    case_id: str
    reference: str
    kind: str
    audience: str
    occurrence: int
    summary: str
    due_at: datetime
    fired_at: datetime
    agency_code: str | None
    inquiry_id: str | None


@dataclass(frozen=True)
class SurveyOffered:
    survey_id: str
    case_id: str
    token_sha256: str
    offered_at: datetime


@dataclass(frozen=True)
class UnsubscribeOffered:
    constituent_id: str
    token_sha256: str
    offered_at: datetime
