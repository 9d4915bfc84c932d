"""RPC contracts of `cases`: what its methods accept and what they answer.

Every call about a case carries the acting staff member in the RPC context (`user_id`, `role`,
`office_id`, `origin`); cases checks the role again and refuses a call whose context names
another office than its `office_id` (as not found). Errors travel as the chassis errors
(`ValidationFailed`, `NotFound`, `Forbidden`, `Conflict`) with their fields: an illegal
transition is a `Conflict` whose fields hold `{"to": [...], "allowed": [...]}`.

Requests are strict (an unknown or malformed argument is refused); cases loads them, a caller
may check its arguments with them. Answers are what cases dumps; a caller reads them with the
same schemas, which ignore fields added later (a tolerant reader).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from services.contracts.rpc.common import OfficeRequest
from services.contracts.vocabulary import (
    CASE_OBTAINED,
    CASE_PRIORITIES,
    CASE_RESULTS,
    CASE_STATUSES,
    CATEGORIES,
    DOCUMENT_NAME_LENGTH,
    DOCUMENTS_PER_REQUEST,
    NOTE_KINDS,
    NOTE_VISIBILITIES,
)

MAX_PAGE_SIZE = 200


MAX_TAGS = 20
TAG = validate.Regexp(
    r"^[a-z0-9][a-z0-9 _-]{0,39}\Z", error="lower-case words, up to 40 characters"
)
REFERENCE_PATTERN = r"^CW-\d{4}-\d{6,}\Z"


def one_of(choices: tuple[str, ...]) -> validate.OneOf:
    return validate.OneOf(choices, error=f"choose one of: {', '.join(choices)}")


class ListCasesRequest(OfficeRequest):
    """`list_cases(office_id, status=None, active=False, assigned_to=None, unassigned=False,
    category=None, agency=None, priority=None, tag=None, overdue=False, limit=50, offset=0)`.

    `active`: only cases still being worked (not resolved, closed, withdrawn or transferred).
    `overdue`: active cases whose next-action date has passed (in UTC days).
    """

    status = fields.String(load_default=None, allow_none=True, validate=one_of(CASE_STATUSES))
    active = fields.Boolean(load_default=False)
    assigned_to = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64))
    unassigned = fields.Boolean(load_default=False)
    category = fields.String(load_default=None, allow_none=True, validate=one_of(CATEGORIES))
    agency = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 20))
    priority = fields.String(load_default=None, allow_none=True, validate=one_of(CASE_PRIORITIES))
    tag = fields.String(load_default=None, allow_none=True, validate=TAG)
    overdue = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, strict=True, validate=validate.Range(1, MAX_PAGE_SIZE))
    offset = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 1_000_000))


class GetCaseRequest(OfficeRequest):
    """`get_case(office_id, case_id=None, reference=None)`: exactly one of them. The case id is
    a UUID in any case of letters; the reference is what staff say (`CW-2026-000042`)."""

    case_id = fields.UUID(load_default=None, allow_none=True)
    reference = fields.String(
        load_default=None, allow_none=True, validate=validate.Regexp(REFERENCE_PATTERN)
    )


class CaseRequest(OfficeRequest):
    """A change to one case, named by its reference."""

    reference = fields.String(
        required=True,
        validate=validate.Regexp(REFERENCE_PATTERN, error="a reference such as CW-2026-000042"),
    )


class AddNoteRequest(CaseRequest):
    """`add_note(office_id, reference, body, visibility="internal", kind="note")`: a note, or a
    call or meeting logged; a public note is what the constituent will later see."""

    body = fields.String(required=True, validate=validate.Length(1, 10_000))
    visibility = fields.String(load_default="internal", validate=one_of(NOTE_VISIBILITIES))
    kind = fields.String(load_default="note", validate=one_of(NOTE_KINDS))


class RequestDocumentsRequest(CaseRequest):
    """`request_documents(office_id, reference, documents, note=None)`: ask the constituent to
    send documents. The case waits on them; they get one message naming what to send (and
    the office's note), and their status page lists it."""

    documents = fields.List(
        fields.String(validate=validate.Length(1, DOCUMENT_NAME_LENGTH)),
        required=True,
        validate=validate.Length(1, DOCUMENTS_PER_REQUEST),
    )
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class Outcome(Schema):
    """How a case ended: required to close it."""

    class Meta:
        unknown = RAISE

    result = fields.String(required=True, validate=one_of(CASE_RESULTS))
    obtained = fields.List(
        fields.String(validate=one_of(CASE_OBTAINED)),
        load_default=list,
        validate=validate.Length(max=len(CASE_OBTAINED)),
    )
    # Money recovered, in minor units (cents) of `currency`.
    amount_minor = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 10**12)
    )
    currency = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Z]{3}\Z", error="a three-letter currency code"),
    )
    text = fields.String(load_default="", validate=validate.Length(max=5_000))


class ChangeStatusRequest(CaseRequest):
    """`change_status(office_id, reference, to, reason=None, outcome=None)`; `outcome` is
    required to close. `to="reopened"` is a reopening (to `open`)."""

    to = fields.String(required=True, validate=one_of((*CASE_STATUSES, "reopened")))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    outcome = fields.Nested(Outcome, load_default=None, allow_none=True)


class AssignCaseRequest(CaseRequest):
    """`assign_case(office_id, reference, user_id)`: a caseworker may take an unassigned case
    for themselves; a supervisor or office admin may give any case to anyone who takes cases."""

    user_id = fields.String(required=True, validate=validate.Length(1, 64))


class UpdateCaseRequest(CaseRequest):
    """`update_case(office_id, reference, priority=..., tags=..., due_on=...)`: only the fields
    given change; `due_on=None` clears the next-action date."""

    priority = fields.String(validate=one_of(CASE_PRIORITIES))
    tags = fields.List(fields.String(validate=TAG), validate=validate.Length(max=MAX_TAGS))
    due_on = fields.Date(allow_none=True)


class OfficeOnlyRequest(OfficeRequest):
    """`workload(office_id)`."""


class Answer(Schema):
    class Meta:
        unknown = EXCLUDE


class CaseSummary(Answer):
    """One row of a caseworker's queue."""

    case_id = fields.String(required=True)
    reference = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(CASE_STATUSES))
    subject = fields.String(required=True)
    category = fields.String(required=True)
    constituent_name = fields.String(required=True)
    urgent = fields.Boolean(required=True)
    opened_at = fields.DateTime(format="iso", required=True)
    assigned_to_id = fields.String(required=True, allow_none=True)
    assigned_to_name = fields.String(required=True, allow_none=True)
    agency_code = fields.String(required=True, allow_none=True)
    priority = fields.String(load_default="normal", validate=validate.OneOf(CASE_PRIORITIES))
    tags = fields.List(fields.String(), load_default=list)
    due_on = fields.Date(load_default=None, allow_none=True)
    updated_at = fields.DateTime(format="iso", load_default=None, allow_none=True)


class CasePage(Answer):
    """`list_cases`' answer: a page of the queue, newest first, and the query's total."""

    cases = fields.List(fields.Nested(CaseSummary), required=True)
    total = fields.Integer(required=True)


class TimelineEntry(Answer):
    """One line of the timeline: what happened (`summary`), by whom (`author_id` and
    `author_name`, none for the system), and for notes, calls and meetings the `body`."""

    at = fields.DateTime(format="iso", required=True)
    kind = fields.String(required=True)
    summary = fields.String(required=True)
    author_id = fields.String(load_default=None, allow_none=True)
    author_name = fields.String(load_default=None, allow_none=True)
    visibility = fields.String(load_default="internal", validate=validate.OneOf(NOTE_VISIBILITIES))
    body = fields.String(load_default=None, allow_none=True)


class OutcomeAnswer(Answer):
    result = fields.String(required=True)
    obtained = fields.List(fields.String(), required=True)
    amount_minor = fields.Integer(required=True, allow_none=True)
    currency = fields.String(required=True, allow_none=True)
    text = fields.String(required=True)
    closed_at = fields.DateTime(format="iso", required=True)


RELEASE_STATES = ("valid", "expired", "revoked")


class CaseRelease(Answer):
    """A privacy release of the case's submission, as intake announced it: its scope, how it
    was signed (`e_signed` online, `wet_signed` a paper one staff filed as a scan), and its
    `state` when the case was read (valid until `expires_at`, then expired; revoked, by
    `revoked_by` "constituent" or "staff", at `revoked_at`). The identifiers stay in intake."""

    release_id = fields.String(required=True)
    kind = fields.String(required=True)
    agencies = fields.List(fields.String(), required=True)
    signed_at = fields.DateTime(format="iso", required=True)
    expires_at = fields.DateTime(format="iso", required=True)
    state = fields.String(required=True, validate=validate.OneOf(RELEASE_STATES))
    revoked_by = fields.String(load_default=None, allow_none=True)
    revoked_at = fields.DateTime(format="iso", load_default=None, allow_none=True)


class CaseAttachment(Answer):
    """A file the constituent sent with the request, or later from their status page: its
    description only (intake keeps the bytes and answers `intake.attachment` for them)."""

    attachment_id = fields.String(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size_bytes = fields.Integer(required=True)
    sha256 = fields.String(required=True)


class CaseFile(CaseSummary):
    """`get_case`'s answer, the case page: the summary, where the case came from, and what
    happened since (oldest first)."""

    submission_id = fields.String(required=True)
    tracking_code = fields.String(required=True)
    constituent_id = fields.String(required=True)
    agency_hint = fields.String(required=True, allow_none=True)
    agency_name = fields.String(required=True, allow_none=True)
    assigned_at = fields.DateTime(format="iso", required=True, allow_none=True)
    timeline = fields.List(fields.Nested(TimelineEntry), required=True)
    # How to reach the constituent, as the submission said.
    contact_email = fields.String(load_default=None, allow_none=True)
    preferred_language = fields.String(load_default="en")
    channel = fields.String(load_default=None, allow_none=True)
    # The statuses this case may go to next (what the case page offers as buttons).
    allowed_transitions = fields.List(fields.String(), load_default=list)
    outcome = fields.Nested(OutcomeAnswer, load_default=None, allow_none=True)
    # The releases of the case's submission, newest first, and the files sent with it. The
    # timeline holds their signing and revocation too.
    releases = fields.List(fields.Nested(CaseRelease), load_default=list)
    attachments = fields.List(fields.Nested(CaseAttachment), load_default=list)


class AgeBuckets(Answer):
    """Active cases by how long ago they were opened."""

    under_7 = fields.Integer(required=True)
    from_7_to_30 = fields.Integer(required=True)
    from_30_to_90 = fields.Integer(required=True)
    over_90 = fields.Integer(required=True)


class CaseworkerLoad(Answer):
    user_id = fields.String(required=True, allow_none=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True, allow_none=True)
    ages = fields.Nested(AgeBuckets, required=True)
    total = fields.Integer(required=True)


class Workload(Answer):
    """`workload`'s answer: per staff member who takes cases (and one row for the unassigned,
    `user_id` None), their active cases by age."""

    rows = fields.List(fields.Nested(CaseworkerLoad), required=True)


class AuditEntry(Answer):
    at = fields.DateTime(format="iso", required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    origin = fields.String(required=True, allow_none=True)


class AuditTrail(Answer):
    """`case_audit(office_id, reference)`'s answer, newest first: office admins only."""

    entries = fields.List(fields.Nested(AuditEntry), required=True)
