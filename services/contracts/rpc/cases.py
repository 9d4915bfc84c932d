"""RPC contracts of `cases`: what `list_cases` and `get_case` accept and what they answer.

Requests are strict (an unknown or malformed argument is refused); cases loads them, a caller
may check its arguments with them. Answers are what cases dumps; a caller reads them with the
same schemas, which ignore fields added later (a tolerant reader).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from services.contracts.rpc.common import OfficeRequest
from services.contracts.vocabulary import CASE_STATUSES

MAX_PAGE_SIZE = 200


class ListCasesRequest(OfficeRequest):
    """`list_cases(office_id, status=None, assigned_to=None, limit=50, offset=0)`."""

    status = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(CASE_STATUSES)
    )
    assigned_to = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64))
    limit = fields.Integer(load_default=50, strict=True, validate=validate.Range(1, MAX_PAGE_SIZE))
    offset = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 1_000_000))


class GetCaseRequest(OfficeRequest):
    """`get_case(office_id, case_id)`; the case id is a UUID in any case of letters."""

    case_id = fields.UUID(required=True)


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


class CasePage(Answer):
    """`list_cases`' answer: a page of the queue, newest first, and the query's total."""

    cases = fields.List(fields.Nested(CaseSummary), required=True)
    total = fields.Integer(required=True)


class TimelineEntry(Answer):
    at = fields.DateTime(format="iso", required=True)
    kind = fields.String(required=True)
    summary = fields.String(required=True)


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
