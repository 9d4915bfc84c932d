"""Metrics' nameko entrypoints: translate events and RPC calls into handler calls, nothing more."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from nameko.rpc import rpc
from nameko.timer import timer

from services.chassis.config import env_int
from services.chassis.consuming import Failures
from services.chassis.events import IncomingEvent
from services.chassis.messaging import event_handler
from services.chassis.schemas import load_arguments
from services.chassis.service import ServiceBase
from services.contracts import (
    ACKNOWLEDGEMENT_SENT,
    CASE_ASSIGNED,
    CASE_CLOSED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    SATISFACTION_RATED,
    SUBMISSION_RECEIVED,
)
from services.contracts.rpc import metrics as contract
from services.metrics import handlers
from services.metrics.business_metrics import ReadModelDatabase
from services.metrics.models import Base
from services.metrics.repository import MetricsUnitOfWork

# How often counted events are folded into daily totals. Reads stay correct in between; folding
# only keeps the rows they sum few.
ROLL_UP_SECONDS = env_int("CASEWORK_METRICS_ROLL_UP_SECONDS", 60)

# Built once: a schema deep-copies its fields when it is built.
OFFICE_COUNTS_REQUEST = contract.OfficeCountsRequest()
OFFICE_DAILY_REQUEST = contract.OfficeDailyRequest()
CASELOAD_REQUEST = contract.CaseloadRequest()
OFFICE_COUNTS = contract.OfficeCountsWithOutcomes()
DAILY_COUNTS = contract.DailyCounts(many=True)
CASEWORKER_LOADS = contract.CaseworkerLoad(many=True)


class MetricsService(ServiceBase):
    name = "metrics"
    db = ReadModelDatabase(Base.metadata, unit_of_work=MetricsUnitOfWork)

    @event_handler(SUBMISSION_RECEIVED)
    def record_submission_received(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_submission_received)

    @event_handler(CASE_OPENED)
    def record_case_opened(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_case_opened)

    @event_handler(CASE_ASSIGNED)
    def record_case_assigned(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_case_assigned)

    @event_handler(CASE_STATUS_CHANGED)
    def record_case_status_changed(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_case_status_changed)

    @event_handler(CASE_CLOSED)
    def record_case_closed(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_case_closed)

    @event_handler(ACKNOWLEDGEMENT_SENT)
    def record_acknowledgement_sent(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_acknowledgement_sent)

    @event_handler(SATISFACTION_RATED)
    def record_satisfaction_rated(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_satisfaction_rated)

    @timer(interval=ROLL_UP_SECONDS)
    def roll_up_counts(self) -> None:
        handlers.roll_up(self.db)

    @rpc
    def office_counts(self, office_id: str) -> dict[str, Any]:
        query = load_arguments(OFFICE_COUNTS_REQUEST, {"office_id": office_id})
        report = handlers.office_report(self.db, query["office_id"])
        answer = {
            **asdict(report.counts),
            **asdict(report.outcomes),
            "satisfaction": asdict(report.satisfaction),
        }
        return dict(OFFICE_COUNTS.dump(answer))

    @rpc
    def office_daily(self, office_id: str, days: int = contract.DEFAULT_DAYS) -> list[Any]:
        query = load_arguments(OFFICE_DAILY_REQUEST, {"office_id": office_id, "days": days})
        series = handlers.office_daily(self.db, query["office_id"], query["days"])
        return list(DAILY_COUNTS.dump(series))

    @rpc
    def caseload(self, office_id: str) -> list[Any]:
        query = load_arguments(CASELOAD_REQUEST, {"office_id": office_id})
        return list(CASEWORKER_LOADS.dump(handlers.caseload(self.db, query["office_id"])))
