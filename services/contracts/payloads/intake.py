"""What intake's events carry: requests accepted (with their files), releases signed and revoked,
status codes asked for, ratings, contact preferences, documents sent for a case. Each event's
wire schema per version (`<Event>V1`) and the dataclass handlers work with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate

from services.contracts.payloads.common import AGENCY_CODES

CHANNELS = ("web", "email", "phone", "walk_in", "letter")


# How a constituent would rather hear from the office (None: any way they gave).
PREFERRED_CHANNELS = ("email", "phone", "post", "sms")


RELEASE_KINDS = ("e_signed", "wet_signed")


REVOKED_BY = ("constituent", "staff")


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


class PrivacyReleaseEventV1(Schema):
    """What every event about one privacy release names first: the release, the request it
    came with, the constituent and the agencies it covers."""

    release_id = fields.String(required=True)
    submission_id = fields.String(required=True)
    constituent_id = fields.String(required=True)
    agencies = fields.List(fields.String(validate=AGENCY_CODES), required=True)


class PrivacyReleaseSignedV1(PrivacyReleaseEventV1):
    """Ids, scope and expiry only: never the identifiers the release carries."""

    kind = fields.String(required=True, validate=validate.OneOf(RELEASE_KINDS))
    signed_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True)


class PrivacyReleaseRevokedV1(PrivacyReleaseEventV1):
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


SATISFACTION_RATINGS = validate.Range(min=1, max=5)


class SatisfactionRatedV1(Schema):
    """A constituent rated how well the office helped, 1 (poorly) to 5 (very well); a later
    rating of the same case replaces an earlier one."""

    survey_id = fields.String(required=True)
    case_id = fields.String(required=True)
    rating = fields.Integer(required=True, validate=SATISFACTION_RATINGS)
    rated_at = fields.AwareDateTime(required=True)


class ContactPreferencesChangedV1(Schema):
    """A constituent's wishes about being contacted by this office changed: for now, whether
    they take email about their requests. The latest change (by `changed_at`) counts."""

    constituent_id = fields.String(required=True)
    email_opted_out = fields.Boolean(required=True)
    changed_by = fields.String(required=True, validate=validate.OneOf(["constituent", "staff"]))
    changed_at = fields.AwareDateTime(required=True)


class TextOptOutChangedV1(Schema):
    """Someone replied STOP (or START) to the platform's sending number: texts from it to
    their phone stop (or may go again) for every office. The phone in E.164 form (what notify
    texts to), whether it is opted out now, and when the reply came. Never the message."""

    phone_number = fields.String(
        required=True, validate=validate.Regexp(r"^\+[1-9][0-9]{6,14}\Z", error="not E.164")
    )
    opted_out = fields.Boolean(required=True)
    replied_at = fields.AwareDateTime(required=True)


class DocumentsReceivedV1(Schema):
    """Files a constituent sent from the status page for a case that asked for documents:
    intake keeps the bytes (as a request's attachments); the event names them by id and hash.
    `message` is what the constituent wrote to the office with them, if anything."""

    submission_id = fields.String(required=True)
    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    attachments = fields.List(
        fields.Nested(AttachmentV1), required=True, validate=validate.Length(min=1)
    )
    message = fields.String(required=True, allow_none=True, validate=validate.Length(max=2000))
    received_at = fields.AwareDateTime(required=True)


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
        object.__setattr__(self, "attachments", _as_attachments(self.attachments))


@dataclass(frozen=True)
class Attachment:
    attachment_id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str


def _as_attachments(items: Iterable[Attachment | Mapping[str, Any]]) -> tuple[Attachment, ...]:
    """From the wire a list of dicts; one value, whichever side built the payload."""
    return tuple(item if isinstance(item, Attachment) else Attachment(**item) for item in items)


@dataclass(frozen=True)
class DocumentsReceived:
    submission_id: str
    case_id: str
    reference: str
    attachments: tuple[Attachment, ...]
    message: str | None
    received_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "attachments", _as_attachments(self.attachments))


@dataclass(frozen=True)
class PrivacyReleaseEvent:
    """An event about one privacy release, as far as every such event goes
    (`PrivacyReleaseEventV1`)."""

    release_id: str
    submission_id: str
    constituent_id: str
    agencies: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "agencies", tuple(self.agencies))


@dataclass(frozen=True)
class PrivacyReleaseSigned(PrivacyReleaseEvent):
    kind: str
    signed_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class PrivacyReleaseRevoked(PrivacyReleaseEvent):
    revoked_by: str
    revoked_at: datetime


@dataclass(frozen=True)
class StatusCodeRequested:
    submission_id: str
    tracking_code: str
    contact_email: str
    preferred_language: str
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class SatisfactionRated:
    survey_id: str
    case_id: str
    rating: int
    rated_at: datetime


@dataclass(frozen=True)
class ContactPreferencesChanged:
    constituent_id: str
    email_opted_out: bool
    changed_by: str
    changed_at: datetime


@dataclass(frozen=True)
class TextOptOutChanged:
    phone_number: str = field(repr=False)
    opted_out: bool
    replied_at: datetime
