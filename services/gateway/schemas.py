"""What gateway accepts (admin commands, queue queries) and how it reads other services'
replies: with their RPC contracts (`services.contracts.rpc`), tolerantly. Input is strict
(unknown fields rejected)."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, post_load, validate

from services.chassis.schemas import StrictSchema, Text
from services.contracts.payloads import REMINDER_DAYS_MAX
from services.contracts.rpc import cases as cases_rpc
from services.contracts.rpc import metrics as metrics_rpc
from services.contracts.vocabulary import (
    CASE_PRIORITIES,
    CASE_STATUSES,
    CATEGORIES,
    OFFICE_ID_PATTERN,
    PLATFORM_TENANT,
)
from services.gateway.domain.queue import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    CasePage,
    CaseSummary,
    OfficeCounts,
    QueueFilter,
)
from services.gateway.domain.staff import ROLES, AddStaffMember, RegisterOffice, ReminderIntervals

# The shared office-id rule (as the chassis `OfficeId` field checks it), with the hint
# legislature IT needs when choosing a new one.
OFFICE_ID_RULE = validate.Regexp(
    OFFICE_ID_PATTERN,
    error="use 2 to 63 lower-case letters, digits and hyphens, starting with a letter or digit "
    "(for example rep-lopez)",
)
# The platform's own tenant (a STOP to the platform's number is its fact, not an office's).
NOT_THE_PLATFORM = validate.NoneOf(
    [PLATFORM_TENANT], error=f"{PLATFORM_TENANT!r} is the platform's own; choose another"
)
NOT_BLANK = validate.Regexp(r"\s*\S", error="must not be blank")


class RegisterOfficeSchema(StrictSchema):
    office_id = fields.String(required=True, validate=[OFFICE_ID_RULE, NOT_THE_PLATFORM])
    name = Text(required=True, validate=validate.And(validate.Length(max=200), NOT_BLANK))
    reply_to_email = fields.Email(required=True, validate=validate.Length(max=254))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> RegisterOffice:
        return RegisterOffice(
            office_id=data["office_id"],
            name=data["name"].strip(),
            reply_to_email=data["reply_to_email"].strip(),
        )


class ReminderIntervalsSchema(StrictSchema):
    """The office settings' reminder form: whole numbers of days."""

    first_contact_business_days = fields.Integer(
        required=True, strict=False, validate=validate.Range(1, REMINDER_DAYS_MAX)
    )
    follow_up_every_days = fields.Integer(
        required=True, strict=False, validate=validate.Range(1, REMINDER_DAYS_MAX)
    )
    check_in_every_days = fields.Integer(
        required=True, strict=False, validate=validate.Range(1, REMINDER_DAYS_MAX)
    )
    no_activity_days = fields.Integer(
        required=True, strict=False, validate=validate.Range(1, REMINDER_DAYS_MAX)
    )

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> ReminderIntervals:
        return ReminderIntervals(**data)


class AddStaffMemberSchema(StrictSchema):
    office_id = fields.String(required=True, validate=OFFICE_ID_RULE)
    display_name = Text(required=True, validate=validate.And(validate.Length(max=200), NOT_BLANK))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.String(
        required=True,
        validate=validate.OneOf(ROLES, error=f"choose one of: {', '.join(ROLES)}"),
    )

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> AddStaffMember:
        return AddStaffMember(
            office_id=data["office_id"],
            display_name=data["display_name"].strip(),
            email=data["email"],
            role=data["role"],
        )


class QueueQuerySchema(StrictSchema):
    """`?status=open&assignee=me&category=passport&overdue=true&limit=50&offset=0` on the case
    queue pages and the API."""

    status = fields.String(load_default=None, validate=cases_rpc.one_of(CASE_STATUSES))
    active = fields.Boolean(load_default=False)
    assignee = fields.String(
        load_default=None,
        validate=validate.Regexp(
            r"^(me|[^@\s]{1,64}@[^@\s]{1,190})\Z", error="an email of this office, or me"
        ),
    )
    unassigned = fields.Boolean(load_default=False)
    category = fields.String(load_default=None, validate=cases_rpc.one_of(CATEGORIES))
    agency = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[A-Za-z0-9-]{1,20}\Z", error="an agency code such as SSA"),
    )
    priority = fields.String(load_default=None, validate=cases_rpc.one_of(CASE_PRIORITIES))
    tag = fields.String(load_default=None, validate=cases_rpc.TAG)
    overdue = fields.Boolean(load_default=False)
    limit = fields.Integer(
        load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(1, MAX_PAGE_SIZE)
    )
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> QueueFilter:
        if data["agency"] is not None:
            data["agency"] = data["agency"].upper()
        return QueueFilter(**data)


class CaseSummarySchema(cases_rpc.CaseSummary):
    """One row of `cases.list_cases`, read with its contract. Fields gateway does not know are
    ignored, and a status cases adds later is still shown (just not offered as a filter)."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(required=True)
    opened_at = fields.AwareDateTime(required=True)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> CaseSummary:
        return CaseSummary(**{**data, "tags": tuple(data.get("tags") or ())})


class CasePageSchema(cases_rpc.CasePage):
    """`cases.list_cases`' answer, read with its contract."""

    class Meta:
        unknown = EXCLUDE

    cases = fields.List(fields.Nested(CaseSummarySchema), required=True)
    total = fields.Integer(required=True, validate=validate.Range(min=0))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> CasePage:
        return CasePage(cases=tuple(data["cases"]), total=data["total"])


class OfficeCountsSchema(metrics_rpc.OfficeCounts):
    """`metrics.office_counts`' answer, read with its contract; the queue needs these three."""

    class Meta:
        unknown = EXCLUDE

    received = fields.Integer(required=True)
    opened = fields.Integer(required=True)
    assigned = fields.Integer(load_default=0)
    acknowledged = fields.Integer(required=True)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> OfficeCounts:
        return OfficeCounts(**data)


class CaseRowOutSchema(Schema):
    case_id = fields.String()
    reference = fields.String()
    status = fields.String()
    subject = fields.String()
    category = fields.String()
    constituent_name = fields.String()
    urgent = fields.Boolean()
    opened_at = fields.DateTime(format="iso")
    assigned_to_id = fields.String(allow_none=True)
    assigned_to_name = fields.String(allow_none=True)
    agency_code = fields.String(allow_none=True)
    priority = fields.String()
    tags = fields.List(fields.String())
    due_on = fields.Date(allow_none=True)


class CaseQueueOutSchema(Schema):
    """The staff JSON API's view of a queue: the rows exactly as the page lists them."""

    office_id = fields.String()
    status = fields.String(attribute="query.status", allow_none=True)
    limit = fields.Integer(attribute="query.limit")
    offset = fields.Integer(attribute="query.offset")
    total = fields.Integer(attribute="page.total")
    cases = fields.List(fields.Nested(CaseRowOutSchema), attribute="page.cases")
