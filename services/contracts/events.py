"""Event contracts: one marshmallow schema per `<service>.<past_tense>` and version.

Events carry ids and the fields consumers need, never sensitive identifiers (SSN, alien
number, claim numbers, date of birth, health details). Producers dump strictly (unknown
fields are a bug); consumers load tolerantly (fields they do not know are ignored).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from services.contracts.vocabulary import OFFICE_ID_PATTERN

CHANNELS = ("web", "email", "phone", "walk_in", "letter")
ROLES = ("office_admin", "supervisor", "caseworker", "read_only")


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
    method = fields.String(required=True, validate=validate.OneOf(["round_robin", "manual"]))
    assigned_at = fields.AwareDateTime(required=True)


class AgencySuggestedV1(Schema):
    case_id = fields.String(required=True)
    agency_code = fields.String(required=True)
    agency_name = fields.String(required=True)
    reason = fields.String(required=True)


class AcknowledgementSentV1(Schema):
    case_id = fields.String(required=True)
    submission_id = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(["email"]))
    sent_at = fields.AwareDateTime(required=True)


class OfficeRegisteredV1(Schema):
    office_id = fields.String(required=True, validate=validate.Regexp(OFFICE_ID_PATTERN))
    name = fields.String(required=True)
    reply_to_email = fields.Email(required=True)


class StaffMemberAddedV1(Schema):
    user_id = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


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


@dataclass(frozen=True)
class OfficeRegistered:
    office_id: str
    name: str
    reply_to_email: str


@dataclass(frozen=True)
class StaffMemberAdded:
    user_id: str
    display_name: str
    role: str


@dataclass(frozen=True)
class EventContract:
    event_type: str
    version: int
    producer: str
    schema: type[Schema]
    description: str
    example: Mapping[str, Any] = field(default_factory=dict)
    payload_type: type[Any] | None = None

    def dump(self, payload: Any) -> dict[str, Any]:
        """Validate an outgoing payload (its dataclass or a mapping) strictly; its wire form."""
        if dataclasses.is_dataclass(payload) and not isinstance(payload, type):
            payload = {f.name: getattr(payload, f.name) for f in dataclasses.fields(payload)}
        strict, _, wire = _schemas(self.schema)
        return dict(wire.dump(strict.load(payload)))

    def load(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Read an incoming payload, ignoring fields this consumer does not know."""
        _, tolerant, _ = _schemas(self.schema)
        return dict(tolerant.load(payload))

    def load_typed(self, payload: Mapping[str, Any]) -> Any:
        """Read an incoming payload into its dataclass (tolerant, like `load`)."""
        loaded = self.load(payload)
        if self.payload_type is None:
            return loaded
        known = _field_names(self.payload_type)  # type: ignore[arg-type]
        return self.payload_type(**{k: v for k, v in loaded.items() if k in known})


@functools.cache
def _field_names(payload_type: type[Any]) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(payload_type))


@functools.cache
def _schemas(schema: type[Schema]) -> tuple[Schema, Schema, Schema]:
    # Schema instances are stateless once built and building one deep-copies every field:
    # build each variant once per process (this is on every request's path).
    return schema(unknown=RAISE), schema(unknown=EXCLUDE), schema()


SUBMISSION_RECEIVED = EventContract(
    "intake.submission_received",
    1,
    "intake",
    SubmissionReceivedV1,
    "A constituent's request was accepted (web form, email, phone or walk-in). "
    "The free-text description stays in intake.",
    {
        "submission_id": "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
        "tracking_code": "K7QX-M2PD",
        "constituent_id": "0d6f3c1e-2a55-4a8b-8f8e-6a4ac2f5b1a0",
        "constituent_name": "Maria Lopez",
        "contact_email": "maria@example.org",
        "preferred_language": "en",
        "channel": "web",
        "category": "social_security",
        "agency_hint": "SSA",
        "subject": "Retirement benefit delayed",
        "urgent": False,
        "privacy_release_signed": True,
        "received_at": "2026-11-23T14:05:00+00:00",
    },
    payload_type=SubmissionReceived,
)

CASE_OPENED = EventContract(
    "cases.case_opened",
    1,
    "cases",
    CaseOpenedV1,
    "A case was opened for a submission (exactly one case per submission).",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "submission_id": "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
        "tracking_code": "K7QX-M2PD",
        "constituent_id": "0d6f3c1e-2a55-4a8b-8f8e-6a4ac2f5b1a0",
        "category": "social_security",
        "agency_hint": "SSA",
        "urgent": False,
        "opened_at": "2026-11-23T14:05:01+00:00",
    },
    payload_type=CaseOpened,
)

CASE_ASSIGNED = EventContract(
    "cases.case_assigned",
    1,
    "cases",
    CaseAssignedV1,
    "A case was given to a caseworker (by the office's routing or by a supervisor).",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "caseworker_id": "u-3",
        "caseworker_name": "Sam Rivera",
        "method": "round_robin",
        "assigned_at": "2026-11-23T14:05:01+00:00",
    },
    payload_type=CaseAssigned,
)

AGENCY_SUGGESTED = EventContract(
    "agencies.agency_suggested",
    1,
    "agencies",
    AgencySuggestedV1,
    "The agency directory suggests which agency a new case concerns.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "agency_code": "SSA",
        "agency_name": "Social Security Administration",
        "reason": "category:social_security",
    },
    payload_type=AgencySuggested,
)

ACKNOWLEDGEMENT_SENT = EventContract(
    "notify.acknowledgement_sent",
    1,
    "notify",
    AcknowledgementSentV1,
    "The constituent was sent an acknowledgement with their tracking code.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "submission_id": "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
        "channel": "email",
        "sent_at": "2026-11-23T14:05:02+00:00",
    },
    payload_type=AcknowledgementSent,
)

OFFICE_REGISTERED = EventContract(
    "gateway.office_registered",
    1,
    "gateway",
    OfficeRegisteredV1,
    "Legislature IT registered (or renamed) a member office, the tenant of all its data.",
    {
        "office_id": "rep-lopez",
        "name": "Office of Rep. Ana Lopez",
        "reply_to_email": "casework@lopez.example.gov",
    },
    payload_type=OfficeRegistered,
)

STAFF_MEMBER_ADDED = EventContract(
    "gateway.staff_member_added",
    1,
    "gateway",
    StaffMemberAddedV1,
    "A staff member joined an office (or changed role); routing uses the caseworkers.",
    {"user_id": "u-3", "display_name": "Sam Rivera", "role": "caseworker"},
    payload_type=StaffMemberAdded,
)

ALL_EVENTS: tuple[EventContract, ...] = (
    SUBMISSION_RECEIVED,
    CASE_OPENED,
    CASE_ASSIGNED,
    AGENCY_SUGGESTED,
    ACKNOWLEDGEMENT_SENT,
    OFFICE_REGISTERED,
    STAFF_MEMBER_ADDED,
)


@dataclass(frozen=True)
class Subscription:
    """`consumer` keeps a durable queue of `event_type`, declared by producer and consumer."""

    consumer: str
    event_type: str

    @property
    def queue(self) -> str:
        return f"{self.consumer}--{self.event_type}"


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription("cases", "intake.submission_received"),
    Subscription("notify", "intake.submission_received"),
    Subscription("metrics", "intake.submission_received"),
    Subscription("notify", "cases.case_opened"),
    Subscription("agencies", "cases.case_opened"),
    Subscription("metrics", "cases.case_opened"),
    Subscription("metrics", "cases.case_assigned"),
    Subscription("cases", "agencies.agency_suggested"),
    Subscription("cases", "notify.acknowledgement_sent"),
    Subscription("metrics", "notify.acknowledgement_sent"),
    Subscription("intake", "gateway.office_registered"),
    Subscription("notify", "gateway.office_registered"),
    Subscription("cases", "gateway.staff_member_added"),
)

_BY_TYPE = {contract.event_type: contract for contract in ALL_EVENTS}


def contract_for(event_type: str) -> EventContract:
    try:
        return _BY_TYPE[event_type]
    except KeyError:
        raise KeyError(f"no contract for event type {event_type!r}") from None
