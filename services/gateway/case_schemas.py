"""What the staff app and the staff JSON API accept for a case: notes, transitions with their
outcome, reassignment and details. Strict (unknown fields are refused, each error names its
field); the JSON schemas also describe the API in its OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from services.chassis.schemas import StrictSchema, Text
from services.contracts.rpc import cases as cases_rpc
from services.contracts.vocabulary import (
    CASE_OBTAINED,
    CASE_PRIORITIES,
    CASE_RESULTS,
    CASE_STATUSES,
    DOCUMENT_NAME_LENGTH,
    DOCUMENTS_PER_REQUEST,
    NOTE_KINDS,
    NOTE_VISIBILITIES,
)
from services.gateway.casework import money_minor
from services.gateway.domain.releases import agency_codes

one_of = cases_rpc.one_of
CURRENCY = validate.Regexp(r"^[A-Z]{3}\Z", error="a three-letter currency code such as USD")
TRANSITION_TARGETS = (*CASE_STATUSES, "reopened")
# What the constituent's status page shows of an update (`cases.public_note_added`'s text).
PUBLIC_NOTE_LENGTH = 2000


class NoteIn(StrictSchema):
    """`POST .../notes`: a note, or a call or meeting logged; a public one (the constituent
    sees it on their status page) is at most 2,000 characters."""

    body = Text(required=True, validate=validate.Length(1, 10_000))
    visibility = fields.String(load_default="internal", validate=one_of(NOTE_VISIBILITIES))
    kind = fields.String(load_default="note", validate=one_of(NOTE_KINDS))

    @validates_schema
    def fits_the_status_page(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("visibility") == "public" and len(data.get("body", "")) > PUBLIC_NOTE_LENGTH:
            raise ValidationError(
                f"at most {PUBLIC_NOTE_LENGTH} characters when the constituent sees it",
                field_name="body",
            )


class DocumentRequestIn(StrictSchema):
    """`POST .../document-requests`: `{"documents": ["Denial letter", "DD-214"], "note": "..."}`.
    The case waits on the constituent; they get one message naming the documents (and the
    note), and their status page lists them."""

    documents = fields.List(
        Text(
            validate=validate.Length(
                1, DOCUMENT_NAME_LENGTH, error=f"at most {DOCUMENT_NAME_LENGTH} characters"
            )
        ),
        required=True,
        validate=validate.Length(
            1,
            DOCUMENTS_PER_REQUEST,
            error=f"name between 1 and {DOCUMENTS_PER_REQUEST} documents, one a line",
        ),
    )
    note = Text(
        multiline=True,
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=PUBLIC_NOTE_LENGTH),
    )

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        documents = list(dict.fromkeys(name.strip() for name in data["documents"] if name.strip()))
        if not documents:
            raise ValidationError("name at least one document", field_name="documents")
        return {"documents": documents, "note": (data["note"] or "").strip() or None}


DOCUMENT_REQUEST_IN = DocumentRequestIn()


class MoneyIn(StrictSchema):
    amount = fields.Decimal(
        required=True, places=2, as_string=True, validate=validate.Range(0, 10**10)
    )
    currency = fields.String(load_default="USD", validate=CURRENCY)


class OutcomeIn(StrictSchema):
    """Required to close a case: how it ended, what was obtained, money recovered."""

    result = fields.String(required=True, validate=one_of(CASE_RESULTS))
    obtained = fields.List(fields.String(validate=one_of(CASE_OBTAINED)), load_default=list)
    money = fields.Nested(MoneyIn, load_default=None, allow_none=True)
    text = Text(load_default="", validate=validate.Length(max=5_000))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        money = data["money"]
        return {
            "result": data["result"],
            "obtained": list(dict.fromkeys(data["obtained"])),
            "amount_minor": None if money is None else int(money["amount"] * 100),
            "currency": None if money is None else money["currency"],
            "text": data["text"].strip(),
        }


class TransitionIn(StrictSchema):
    """`POST .../transitions`: `{"to": "closed", "reason": "...", "outcome": {...}}`."""

    to = fields.String(required=True, validate=one_of(TRANSITION_TARGETS))
    reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=500))
    outcome = fields.Nested(OutcomeIn, load_default=None, allow_none=True)


class AssigneeIn(StrictSchema):
    """`PUT .../assignee`: `{"user": "<email>"}` of a colleague who takes cases."""

    user = fields.Email(required=True, validate=validate.Length(max=254))


class CasePatchIn(StrictSchema):
    """`PATCH .../cases/{reference}`: only the fields sent change; `"due_on": null` clears."""

    priority = fields.String(validate=one_of(CASE_PRIORITIES))
    tags = fields.List(
        fields.String(validate=cases_rpc.TAG), validate=validate.Length(max=cases_rpc.MAX_TAGS)
    )
    due_on = fields.Date(allow_none=True)

    @validates_schema
    def changes_something(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("send at least one of priority, tags, due_on")


# The staff app's forms: the same rules, in the shapes an HTML form posts ----------------------


class NoteForm(NoteIn):
    pass


class DocumentsForm(StrictSchema):
    """The case page's "Ask for documents": one document a line."""

    documents = Text(multiline=True, required=True, validate=validate.Length(1, 2_000))
    note = Text(multiline=True, load_default="", validate=validate.Length(max=PUBLIC_NOTE_LENGTH))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        named = [line.strip() for line in data["documents"].splitlines() if line.strip()]
        return DOCUMENT_REQUEST_IN.load({"documents": named, "note": data["note"]})  # type: ignore[no-any-return]


class EmailForm(StrictSchema):
    """The message log's button: the constituent asked to stop, or to resume, email."""

    email = fields.String(required=True, validate=one_of(("stop", "resume")))


class StatusForm(StrictSchema):
    to = fields.String(required=True, validate=one_of(TRANSITION_TARGETS))
    reason = Text(load_default=None, validate=validate.Length(max=500))
    result = fields.String(load_default=None, validate=one_of(CASE_RESULTS))
    obtained = fields.List(fields.String(validate=one_of(CASE_OBTAINED)), load_default=list)
    amount = fields.String(load_default=None, validate=validate.Length(max=20))
    currency = fields.String(load_default="USD", validate=CURRENCY)
    text = Text(load_default="", validate=validate.Length(max=5_000))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        outcome = None
        if data["result"] is not None:
            amount = money_minor(data["amount"])
            outcome = {
                "result": data["result"],
                "obtained": list(dict.fromkeys(data["obtained"])),
                "amount_minor": amount,
                "currency": data["currency"] if amount is not None else None,
                "text": data["text"].strip(),
            }
        return {"to": data["to"], "reason": data["reason"], "outcome": outcome}


class AssigneeForm(StrictSchema):
    user = fields.String(
        required=True,
        validate=validate.Regexp(r"^(me|[^@\s]{1,64}@[^@\s]{1,190})\Z", error="choose a colleague"),
    )


class DetailsForm(StrictSchema):
    """The details form always posts all three: a blank due date or tag list clears it."""

    priority = fields.String(load_default="normal", validate=one_of(CASE_PRIORITIES))
    tags = fields.String(load_default="", validate=validate.Length(max=900))
    due_on = fields.Date(load_default=None)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        tags = [tag.strip().lower() for tag in data["tags"].split(",") if tag.strip()]
        for tag in tags:
            try:
                cases_rpc.TAG(tag)
            except ValidationError:
                raise ValidationError(
                    f"{tag!r}: tags are lower-case words of up to 40 characters, separated by "
                    "commas",
                    field_name="tags",
                ) from None
        if len(tags) > cases_rpc.MAX_TAGS:
            raise ValidationError(f"at most {cases_rpc.MAX_TAGS} tags", field_name="tags")
        return {
            "priority": data["priority"],
            "tags": list(dict.fromkeys(tags)),
            "due_on": data["due_on"],
        }


class RevokeReleaseForm(StrictSchema):
    """Why staff revoke a privacy release (intake keeps the reason with the release)."""

    reason = Text(required=True, validate=validate.Length(3, 500))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"reason": data["reason"].strip()}


class WetSignedReleaseForm(StrictSchema):
    """A release the constituent signed on paper: the agencies it names (codes separated by
    commas) and the day it was signed; the scan is the form's file."""

    agencies = fields.String(required=True, validate=validate.Length(1, 250))
    signed_on = fields.Date(required=True)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        try:
            agencies = agency_codes(data["agencies"])
        except ValueError as exc:
            raise ValidationError(str(exc), field_name="agencies") from None
        return {"agencies": agencies, "signed_on": data["signed_on"]}


class CaseForms:
    """One instance of each form's schema (building a schema deep-copies its fields)."""

    def __init__(self) -> None:
        self.note: Schema = NoteForm()
        self.documents: Schema = DocumentsForm()
        self.email: Schema = EmailForm()
        self.status: Schema = StatusForm()
        self.assignee: Schema = AssigneeForm()
        self.details: Schema = DetailsForm()
        self.revoke_release: Schema = RevokeReleaseForm()
        self.wet_signed_release: Schema = WetSignedReleaseForm()
