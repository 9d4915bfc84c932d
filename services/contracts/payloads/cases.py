"""What cases' events carry: cases opened, assigned, moved, closed, and public updates. Each
event's wire schema per version (`<Event>V1`) and the dataclass handlers work with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.contracts.vocabulary import (
    ASSIGNMENT_METHODS,
    CASE_OBTAINED,
    CASE_RESULTS,
    CASE_STATUSES,
    DOCUMENT_NAME_LENGTH,
    DOCUMENTS_PER_REQUEST,
)


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
    # Whom the office's routing gave the case to as it opened (its `case_assigned` follows in
    # the same transaction); None when it waits in the unassigned queue, and in events from
    # before the field, which say nothing either way.
    caseworker_id = fields.String(load_default=None, allow_none=True)


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
    caseworker_id: str | None = None


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
