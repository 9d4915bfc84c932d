"""Contracts of metrics' RPC methods: what `office_counts`, `office_daily` and `caseload` accept
(strict: unknown or malformed arguments are refused) and how their answers are written.

Metrics loads its arguments and dumps its answers with these; the gateway (and its fakes in
tests) reads the answers with the same schemas.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

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

    received = fields.Integer()
    opened = fields.Integer()
    assigned = fields.Integer()
    acknowledged = fields.Integer()


class DailyCounts(OfficeCounts):
    """`office_daily` answers a list of these, one per UTC day, oldest first."""

    day = fields.Date()


class CaseworkerLoad(Schema):
    """`caseload` answers a list of these, busiest caseworker first."""

    caseworker_id = fields.String()
    name = fields.String()
    open_cases = fields.Integer()
