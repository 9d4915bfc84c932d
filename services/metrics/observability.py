"""Metrics' own event counters: status changes and closures across every office, counted by the
instance that handled each event once its effects committed (a redelivered event is not
handled again, so not counted again). Like every `_total` counter of a service, each instance
counts what it handled: sum them across instances. Labels are vocabulary words and currency
codes, never an office or a case: per-office numbers are the business metrics read from the
database (`business_metrics.py`) and the office's report (RPC).
"""

from __future__ import annotations

from services.chassis.observability import service_metric
from services.metrics.domain.outcomes import Closure

STATUS_CHANGES = service_metric(
    "counter",
    "metrics",
    "case_status_changes_total",
    "Case status changes, every office together, by the status moved to",
    ["to_status"],
)
CLOSURES = service_metric(
    "counter",
    "metrics",
    "case_closures_total",
    "Case closures, every office together, by result (a case closed twice counts twice)",
    ["result"],
)
CLOSURES_OBTAINED = service_metric(
    "counter",
    "metrics",
    "case_closures_obtained_total",
    "What closures obtained for constituents, every office together (a closure may obtain "
    "several things)",
    ["obtained"],
)
MONEY_RECOVERED = service_metric(
    "counter",
    "metrics",
    "money_recovered_minor_total",
    "Money recovered for constituents at closures, every office together, in minor units "
    "(cents) of the currency",
    ["currency"],
)

SATISFACTION_RATINGS = service_metric(
    "counter",
    "metrics",
    "satisfaction_ratings_total",
    "Constituents' ratings of closed cases (1 poorly to 5 very well), every office together; "
    "a constituent who changes their rating counts again",
    ["rating"],
)


def count_status_change(to_status: str) -> None:
    STATUS_CHANGES.labels(to_status).inc()


def count_closure(closure: Closure) -> None:
    CLOSURES.labels(closure.result).inc()
    for obtained in closure.obtained:
        CLOSURES_OBTAINED.labels(obtained).inc()
    if (money := closure.money) is not None:
        MONEY_RECOVERED.labels(money.currency).inc(money.amount_minor)


def count_rating(rating: int) -> None:
    SATISFACTION_RATINGS.labels(str(rating)).inc()
