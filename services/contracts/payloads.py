"""What each event carries: its wire schema per version (`<Event>V1`, what producers dump and
consumers load) and the payload dataclass handlers work with. The contracts that name them,
with their type, version, producer and consumers, are in `events.py`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.contracts.vocabulary import (
    ASSIGNMENT_METHODS,
    CASE_OBTAINED,
    CASE_RESULTS,
    CASE_STATUSES,
    CATEGORIES,
    DOCUMENT_NAME_LENGTH,
    DOCUMENTS_PER_REQUEST,
    OFFICE_ID_PATTERN,
    ROLES,
)

CHANNELS = ("web", "email", "phone", "walk_in", "letter")
# How a constituent would rather hear from the office (None: any way they gave).
PREFERRED_CHANNELS = ("email", "phone", "post", "sms")


RELEASE_KINDS = ("e_signed", "wet_signed")
REVOKED_BY = ("constituent", "staff")
AGENCY_CODES = validate.Regexp(r"^[A-Z][A-Z0-9-]{1,19}$")


class AttachmentV1(Schema):
    """A file the constituent sent with the request; intake keeps the bytes."""

    attachment_id = fields.String(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(
        required=True, validate=validate.OneOf(["application/pdf", "image/jpeg", "image/png"])
    )
    size_bytes = fields.Integer(required=True, validate=validate.Range(min=1))
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))


class SubmissionReceivedV1(Schema):
    submission_id = fields.String(required=True)
    tracking_code = fields.String(required=True)
    constituent_id = fields.String(required=True)
    constituent_name = fields.String(required=True)
    contact_email = fields.Email(required=True, allow_none=True)
    preferred_language = fields.String(required=True, validate=validate.OneOf(["en", "es"]))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    category = fields.String(required=True)
    agency_hint = fields.String(required=True, allow_none=True)
    subject = fields.String(required=True)
    urgent = fields.Boolean(required=True)
    privacy_release_signed = fields.Boolean(required=True)
    received_at = fields.AwareDateTime(required=True)
    # Added later: an older event has none.
    attachments = fields.List(fields.Nested(AttachmentV1), load_default=list)
    # Added with text messages: how the constituent would rather hear from the office, and
    # their phone number as digits with a leading + and country code (`+12025550134`).
    preferred_channel = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(PREFERRED_CHANNELS)
    )
    contact_phone = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\+[0-9]{7,15}$", error="not a phone number in E.164 form"),
    )


class PrivacyReleaseSignedV1(Schema):
    """Ids, scope and expiry only: never the identifiers the release carries."""

    release_id = fields.String(required=True)
    submission_id = fields.String(required=True)
    constituent_id = fields.String(required=True)
    agencies = fields.List(fields.String(validate=AGENCY_CODES), required=True)
    kind = fields.String(required=True, validate=validate.OneOf(RELEASE_KINDS))
    signed_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True)


class PrivacyReleaseRevokedV1(Schema):
    release_id = fields.String(required=True)
    submission_id = fields.String(required=True)
    constituent_id = fields.String(required=True)
    agencies = fields.List(fields.String(validate=AGENCY_CODES), required=True)
    revoked_by = fields.String(required=True, validate=validate.OneOf(REVOKED_BY))
    revoked_at = fields.AwareDateTime(required=True)


class StatusCodeRequestedV1(Schema):
    """A constituent asked to see their request's status: notify mails them this one-time
    code (valid until `expires_at`, kept in intake only as a hash)."""

    submission_id = fields.String(required=True)
    tracking_code = fields.String(required=True)
    contact_email = fields.Email(required=True)
    preferred_language = fields.String(required=True, validate=validate.OneOf(["en", "es"]))
    code = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{6}$"))
    expires_at = fields.AwareDateTime(required=True)


class CaseOpenedV1(Schema):
    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    submission_id = fields.String(required=True)
    tracking_code = fields.String(required=True)
    constituent_id = fields.String(required=True)
    category = fields.String(required=True)
    agency_hint = fields.String(required=True, allow_none=True)
    urgent = fields.Boolean(required=True)
    opened_at = fields.AwareDateTime(required=True)


class CaseAssignedV1(Schema):
    case_id = fields.String(required=True)
    caseworker_id = fields.String(required=True)
    caseworker_name = fields.String(required=True)
    method = fields.String(required=True, validate=validate.OneOf(ASSIGNMENT_METHODS))
    assigned_at = fields.AwareDateTime(required=True)


class CaseStatusChangedV1(Schema):
    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    from_status = fields.String(required=True, validate=validate.OneOf(CASE_STATUSES))
    to_status = fields.String(required=True, validate=validate.OneOf(CASE_STATUSES))
    # Why, in a few words the caseworker chose; never personal data (it is free text in cases).
    reason = fields.String(required=True, allow_none=True, validate=validate.Length(max=500))
    changed_by = fields.String(required=True)
    changed_at = fields.AwareDateTime(required=True)
    # False when the constituent hears of the move another way (a request for documents
    # moves the case to waiting_on_constituent and is itself the message).
    tell_constituent = fields.Boolean(load_default=True)


class CaseClosedV1(Schema):
    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    category = fields.String(required=True)
    agency_code = fields.String(required=True, allow_none=True)
    result = fields.String(required=True, validate=validate.OneOf(CASE_RESULTS))
    obtained = fields.List(fields.String(validate=validate.OneOf(CASE_OBTAINED)), required=True)
    # Money recovered for the constituent, in minor units (cents) of `currency`, if any.
    amount_minor = fields.Integer(required=True, allow_none=True, validate=validate.Range(min=0))
    currency = fields.String(required=True, allow_none=True, validate=validate.Length(equal=3))
    opened_at = fields.AwareDateTime(required=True)
    closed_by = fields.String(required=True)
    closed_at = fields.AwareDateTime(required=True)


class PublicNoteAddedV1(Schema):
    """A caseworker wrote an update for the constituent (shown on the public status page);
    internal notes never produce this event."""

    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    note_id = fields.String(required=True)
    # The caseworker's words; empty only when the update is a request for documents.
    text = fields.String(required=True, validate=validate.Length(0, 2000))
    added_at = fields.AwareDateTime(required=True)
    # What the office asks the constituent to send (the update is then a request for
    # documents): a short name each ("Denial letter of March 3"), in the order asked.
    requested_documents = fields.List(
        fields.String(validate=validate.Length(1, DOCUMENT_NAME_LENGTH)),
        load_default=list,
        validate=validate.Length(max=DOCUMENTS_PER_REQUEST),
    )

    @validates_schema
    def _says_something(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("text") and not data.get("requested_documents"):
            raise ValidationError("an update says something or asks for documents", "text")


class AgencySuggestedV1(Schema):
    case_id = fields.String(required=True)
    agency_code = fields.String(required=True)
    agency_name = fields.String(required=True)
    reason = fields.String(required=True)


class AcknowledgementSentV1(Schema):
    case_id = fields.String(required=True)
    submission_id = fields.String(required=True)
    # "sms" since text messages: a text message to the constituent's phone.
    channel = fields.String(required=True, validate=validate.OneOf(["email", "sms"]))
    sent_at = fields.AwareDateTime(required=True)
    # Added later (additive): sent again because an earlier attempt was cut off mid-send.
    resent_after_doubt = fields.Boolean(load_default=False)


# The longest interval an office may set between a reminder and the next.
REMINDER_DAYS_MAX = 60


class OfficeRegisteredV1(Schema):
    office_id = fields.String(required=True, validate=validate.Regexp(OFFICE_ID_PATTERN))
    name = fields.String(required=True)
    reply_to_email = fields.Email(required=True)
    # Added later (additive): the office's IANA time zone, which its deadlines are counted in.
    timezone = fields.String(load_default="America/New_York")
    # Added later (additive): when the office's reminders fall due (its admin's settings).
    first_contact_business_days = fields.Integer(
        load_default=2, validate=validate.Range(1, REMINDER_DAYS_MAX)
    )
    follow_up_every_days = fields.Integer(
        load_default=7, validate=validate.Range(1, REMINDER_DAYS_MAX)
    )
    check_in_every_days = fields.Integer(
        load_default=7, validate=validate.Range(1, REMINDER_DAYS_MAX)
    )
    # Added later (additive): supervisors hear of an open case nothing happened on for so long.
    no_activity_days = fields.Integer(
        load_default=14, validate=validate.Range(1, REMINDER_DAYS_MAX)
    )
    # Added later (additive): the office's own hours for messages to constituents (local,
    # from `sending_from` up to `sending_until`); None, the legislature's.
    sending_from = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(0, 23)
    )
    sending_until = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(1, 24)
    )

    @validates_schema
    def _a_span_of_the_day(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("sending_from"), data.get("sending_until")
        if (start is None) != (end is None) or (start is not None and start >= end):
            raise ValidationError("both or neither, from before until", "sending_until")


INQUIRY_CHANNELS = ("email", "fax", "portal", "post")
REPLY_KINDS = ("interim", "final")
OVERDUE_LEVELS = ("due", "plus_5", "plus_10")


class InquirySentV1(Schema):
    """A caseworker's letter went to an agency (by email from the system, or marked as sent by
    fax, the agency's portal or post): its response clock started."""

    inquiry_id = fields.String(required=True)
    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    agency_code = fields.String(required=True, validate=AGENCY_CODES)
    agency_name = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(INQUIRY_CHANNELS))
    sent_by = fields.String(required=True)
    sent_at = fields.AwareDateTime(required=True)
    due_on = fields.Date(required=True)
    follow_up_on = fields.Date(load_default=None, allow_none=True)


class ReplyLoggedV1(Schema):
    """The agency answered an inquiry: `final` stops its clock (and its follow-ups); `interim`
    keeps the final deadline and restarts the follow-up clock (`follow_up_on`). The reply's
    text stays in agencies."""

    inquiry_id = fields.String(required=True)
    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    agency_code = fields.String(required=True, validate=AGENCY_CODES)
    agency_name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(REPLY_KINDS))
    logged_by = fields.String(required=True)
    received_on = fields.Date(required=True)
    logged_at = fields.AwareDateTime(required=True)
    follow_up_on = fields.Date(load_default=None, allow_none=True)


class InquiryOverdueV1(Schema):
    """An inquiry passed a threshold without a final reply: once at its due date (`due`), once
    5 and once 10 business days after it."""

    inquiry_id = fields.String(required=True)
    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    agency_code = fields.String(required=True, validate=AGENCY_CODES)
    agency_name = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(OVERDUE_LEVELS))
    due_on = fields.Date(required=True)
    business_days_late = fields.Integer(required=True)
    detected_at = fields.AwareDateTime(required=True)


class InquiryWithdrawnV1(Schema):
    """Staff withdrew a sent inquiry (the case was resolved another way, the letter went to
    the wrong office): nobody waits for its answer any more. The reason stays in agencies."""

    inquiry_id = fields.String(required=True)
    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    agency_code = fields.String(required=True, validate=AGENCY_CODES)
    agency_name = fields.String(required=True)
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


class StaffMemberAddedV1(Schema):
    user_id = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    # Added later, so an older announcement still reads: active unless deactivated, and the
    # request categories the member specialises in (routing gives them those cases first).
    active = fields.Boolean(load_default=True)
    specialties = fields.List(fields.String(validate=validate.OneOf(CATEGORIES)), load_default=list)


class StaffContactRecordedV1(Schema):
    """Where a staff member's own mail goes: for notify alone (their daily digest), so their
    address stays out of the roster event every service keeps."""

    user_id = fields.String(required=True)
    email = fields.Email(required=True)


SATISFACTION_RATINGS = validate.Range(min=1, max=5)


class SurveyOfferedV1(Schema):
    """A closure message carries a one-click satisfaction survey: intake keeps the link's
    digest (never the link itself) so the portal can take the constituent's rating."""

    survey_id = fields.String(required=True)
    case_id = fields.String(required=True)
    token_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    offered_at = fields.AwareDateTime(required=True)


class SatisfactionRatedV1(Schema):
    """A constituent rated how well the office helped, 1 (poorly) to 5 (very well); a later
    rating of the same case replaces an earlier one."""

    survey_id = fields.String(required=True)
    case_id = fields.String(required=True)
    rating = fields.Integer(required=True, validate=SATISFACTION_RATINGS)
    rated_at = fields.AwareDateTime(required=True)


class UnsubscribeOfferedV1(Schema):
    """Notify will put an unsubscribe link in every email to this constituent of the office:
    intake keeps the link's digest (never the link itself) so the portal can take their
    opt-out. One per constituent and office, announced when notify first hears of them."""

    constituent_id = fields.String(required=True)
    token_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    offered_at = fields.AwareDateTime(required=True)


class ContactPreferencesChangedV1(Schema):
    """A constituent's wishes about being contacted by this office changed: for now, whether
    they take email about their requests. The latest change (by `changed_at`) counts."""

    constituent_id = fields.String(required=True)
    email_opted_out = fields.Boolean(required=True)
    changed_by = fields.String(required=True, validate=validate.OneOf(["constituent", "staff"]))
    changed_at = fields.AwareDateTime(required=True)


# The typed form of each payload, what a consumer's handler receives and a producer's aggregate
# records. Dataclasses only at this edge: the schemas above are the wire's rules.


@dataclass(frozen=True)
class SubmissionReceived:
    submission_id: str
    tracking_code: str
    constituent_id: str
    constituent_name: str
    contact_email: str | None
    preferred_language: str
    channel: str
    category: str
    agency_hint: str | None
    subject: str
    urgent: bool
    privacy_release_signed: bool
    received_at: datetime
    attachments: tuple[Attachment, ...] = ()
    preferred_channel: str | None = None
    # Never in a log line: the repr leaves it out.
    contact_phone: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # From the wire a list of dicts; one value, whichever side built it.
        object.__setattr__(
            self,
            "attachments",
            tuple(
                item if isinstance(item, Attachment) else Attachment(**item)
                for item in self.attachments
            ),
        )


@dataclass(frozen=True)
class Attachment:
    attachment_id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class PrivacyReleaseSigned:
    release_id: str
    submission_id: str
    constituent_id: str
    agencies: tuple[str, ...]
    kind: str
    signed_at: datetime
    expires_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "agencies", tuple(self.agencies))


@dataclass(frozen=True)
class PrivacyReleaseRevoked:
    release_id: str
    submission_id: str
    constituent_id: str
    agencies: tuple[str, ...]
    revoked_by: str
    revoked_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "agencies", tuple(self.agencies))


@dataclass(frozen=True)
class StatusCodeRequested:
    submission_id: str
    tracking_code: str
    contact_email: str
    preferred_language: str
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class PublicNoteAdded:
    case_id: str
    reference: str
    note_id: str
    text: str
    added_at: datetime
    requested_documents: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "requested_documents", tuple(self.requested_documents))


@dataclass(frozen=True)
class CaseOpened:
    case_id: str
    reference: str
    submission_id: str
    tracking_code: str
    constituent_id: str
    category: str
    agency_hint: str | None
    urgent: bool
    opened_at: datetime


@dataclass(frozen=True)
class CaseAssigned:
    case_id: str
    caseworker_id: str
    caseworker_name: str
    method: str
    assigned_at: datetime


@dataclass(frozen=True)
class CaseStatusChanged:
    case_id: str
    reference: str
    from_status: str
    to_status: str
    reason: str | None
    changed_by: str
    changed_at: datetime
    tell_constituent: bool = True


@dataclass(frozen=True)
class CaseClosed:
    case_id: str
    reference: str
    category: str
    agency_code: str | None
    result: str
    obtained: list[str]
    amount_minor: int | None
    currency: str | None
    opened_at: datetime
    closed_by: str
    closed_at: datetime


@dataclass(frozen=True)
class AgencySuggested:
    case_id: str
    agency_code: str
    agency_name: str
    reason: str


@dataclass(frozen=True)
class AcknowledgementSent:
    case_id: str
    submission_id: str
    channel: str
    sent_at: datetime
    resent_after_doubt: bool = False


@dataclass(frozen=True)
class OfficeRegistered:
    office_id: str
    name: str
    reply_to_email: str
    timezone: str = "America/New_York"
    first_contact_business_days: int = 2
    follow_up_every_days: int = 7
    check_in_every_days: int = 7
    no_activity_days: int = 14
    sending_from: int | None = None
    sending_until: int | None = None


@dataclass(frozen=True)
class InquirySent:
    inquiry_id: str
    case_id: str
    reference: str
    agency_code: str
    agency_name: str
    channel: str
    sent_by: str
    sent_at: datetime
    due_on: date
    follow_up_on: date | None = None


@dataclass(frozen=True)
class ReplyLogged:
    inquiry_id: str
    case_id: str
    reference: str
    agency_code: str
    agency_name: str
    kind: str
    logged_by: str
    received_on: date
    logged_at: datetime
    follow_up_on: date | None = None


@dataclass(frozen=True)
class InquiryOverdue:
    inquiry_id: str
    case_id: str
    reference: str
    agency_code: str
    agency_name: str
    level: str
    due_on: date
    business_days_late: int
    detected_at: datetime


@dataclass(frozen=True)
class InquiryWithdrawn:
    inquiry_id: str
    case_id: str
    reference: str
    agency_code: str
    agency_name: str
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


@dataclass(frozen=True)
class StaffMemberAdded:
    user_id: str
    display_name: str
    role: str
    active: bool = True
    specialties: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # From the wire a list; one value, whichever side built it.
        object.__setattr__(self, "specialties", tuple(self.specialties))


@dataclass(frozen=True)
class StaffContactRecorded:
    user_id: str
    email: str


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
class SatisfactionRated:
    survey_id: str
    case_id: str
    rating: int
    rated_at: datetime


@dataclass(frozen=True)
class UnsubscribeOffered:
    constituent_id: str
    token_sha256: str
    offered_at: datetime


@dataclass(frozen=True)
class ContactPreferencesChanged:
    constituent_id: str
    email_opted_out: bool
    changed_by: str
    changed_at: datetime
