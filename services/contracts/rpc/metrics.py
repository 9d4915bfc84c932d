"""Contracts of metrics' RPC methods: what `office_counts`, `office_daily` and `caseload` accept
(strict: unknown or malformed arguments are refused) and how their answers are written.

Metrics loads its arguments and dumps its answers with these; the gateway (and its fakes in
tests) reads the answers with the same schemas. Fields added later have a `load_default`, so
a reader with the newer contract can still read an answer from an older metrics.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from services.contracts.rpc.common import OfficeRequest

# The longest daily series a dashboard may ask for: a year, leap day included.
MAX_DAYS = 366
DEFAULT_DAYS = 30


class OfficeCountsRequest(OfficeRequest):
    """`office_counts(office_id)`."""


class OfficeDailyRequest(OfficeRequest):
    """`office_daily(office_id, days=30)`: the last `days` UTC days, ending today."""

    days = fields.Integer(
        load_default=DEFAULT_DAYS, strict=True, validate=validate.Range(min=1, max=MAX_DAYS)
    )


class CaseloadRequest(OfficeRequest):
    """`caseload(office_id)`."""


class OfficeCounts(Schema):
    """`office_counts` answers an office's all-time counts (zero for an office never seen)."""

    class Meta:
        # A tolerant reader: fields added to an answer later are left out, not refused.
        unknown = EXCLUDE

    received = fields.Integer()
    opened = fields.Integer()
    assigned = fields.Integer()
    acknowledged = fields.Integer()


class MoneyRecovered(Schema):
    """Money recovered for constituents in one currency, in its minor units (cents)."""

    class Meta:
        unknown = EXCLUDE

    currency = fields.String()
    amount_minor = fields.Integer()


class Satisfaction(Schema):
    """How satisfied an office's constituents said they were, each rated case counted once
    with its latest rating: how many cases were rated, how many gave each rating ("1" poorly
    to "5" very well, every one listed), and their mean (None while none was rated)."""

    class Meta:
        unknown = EXCLUDE

    ratings = fields.Integer(load_default=0)
    by_rating = fields.Dict(keys=fields.String(), values=fields.Integer(), load_default=dict)
    average = fields.Float(load_default=None, allow_none=True)


class OfficeOutcomes(Schema):
    """What an office's closed cases achieved, each case counted once with the outcome of its
    latest closure: how many were closed, by result and by what was obtained (a case may
    obtain several things), money recovered per currency (currencies in order), and the
    median days from opening to closing (None while no case was closed)."""

    class Meta:
        unknown = EXCLUDE

    closed = fields.Integer(load_default=0)
    closed_by_result = fields.Dict(keys=fields.String(), values=fields.Integer(), load_default=dict)
    obtained = fields.Dict(keys=fields.String(), values=fields.Integer(), load_default=dict)
    money_recovered = fields.List(fields.Nested(MoneyRecovered), load_default=list)
    median_days_to_close = fields.Float(load_default=None, allow_none=True)
    satisfaction = fields.Nested(Satisfaction, load_default=lambda: Satisfaction().load({}))


class OfficeCountsWithOutcomes(OfficeCounts, OfficeOutcomes):
    """What `office_counts` answers: the counts, what the office's closed cases achieved, and
    how satisfied their constituents said they were.

    A reader that needs only the counts reads the answer with `OfficeCounts`, which leaves the
    outcome fields out. They are not on `OfficeCounts` itself because a reader built on it
    (the gateway's) hands every field it loads to a type that knows only the counts.
    """

    class Meta:
        unknown = EXCLUDE


class DailyCounts(OfficeCounts):
    """`office_daily` answers a list of these, one per UTC day, oldest first."""

    day = fields.Date()


class CaseworkerLoad(Schema):
    """`caseload` answers a list of these, busiest caseworker first."""

    caseworker_id = fields.String()
    name = fields.String()
    open_cases = fields.Integer()
