"""Metrics' nameko entrypoints: translate events and RPC calls into handler calls, nothing more."""

from __future__ import annotations

from typing import Any

from nameko.rpc import rpc
from nameko.timer import timer

from services.chassis.config import env_int
from services.chassis.db import IncomingEvent
from services.chassis.messaging import event_handler
from services.chassis.service import ServiceBase
from services.contracts import (
    ACKNOWLEDGEMENT_SENT,
    CASE_ASSIGNED,
    CASE_OPENED,
    SUBMISSION_RECEIVED,
)
from services.metrics import handlers
from services.metrics.business_metrics import ReadModelDatabase
from services.metrics.models import Base
from services.metrics.schemas import (
    CaseworkerLoadSchema,
    DailyCountsSchema,
    OfficeCountsSchema,
    OfficeDailyQuerySchema,
    OfficeQuerySchema,
    load_arguments,
)

# How often counted events are folded into daily totals. Reads stay correct in between; folding
# only keeps the rows they sum few.
ROLL_UP_SECONDS = env_int("CASEWORK_METRICS_ROLL_UP_SECONDS", 60)


class MetricsService(ServiceBase):
    name = "metrics"
    db = ReadModelDatabase(Base.metadata)

    @event_handler(SUBMISSION_RECEIVED)
    def record_submission_received(self, event: IncomingEvent) -> None:
        handlers.record_submission_received(self.db, event)

    @event_handler(CASE_OPENED)
    def record_case_opened(self, event: IncomingEvent) -> None:
        handlers.record_case_opened(self.db, event)

    @event_handler(CASE_ASSIGNED)
    def record_case_assigned(self, event: IncomingEvent) -> None:
        handlers.record_case_assigned(self.db, event)

    @event_handler(ACKNOWLEDGEMENT_SENT)
    def record_acknowledgement_sent(self, event: IncomingEvent) -> None:
        handlers.record_acknowledgement_sent(self.db, event)

    @timer(interval=ROLL_UP_SECONDS)
    def roll_up_counts(self) -> None:
        handlers.roll_up(self.db)

    @rpc
    def office_counts(self, office_id: str) -> dict[str, Any]:
        query = load_arguments(OfficeQuerySchema(), {"office_id": office_id})
        counts = handlers.office_counts(self.db, query["office_id"])
        return dict(OfficeCountsSchema().dump(counts))

    @rpc
    def office_daily(self, office_id: str, days: int = 30) -> list[dict[str, Any]]:
        query = load_arguments(OfficeDailyQuerySchema(), {"office_id": office_id, "days": days})
        series = handlers.office_daily(self.db, query["office_id"], query["days"])
        return list(DailyCountsSchema(many=True).dump(series))

    @rpc
    def caseload(self, office_id: str) -> list[dict[str, Any]]:
        query = load_arguments(OfficeQuerySchema(), {"office_id": office_id})
        loads = handlers.caseload(self.db, query["office_id"])
        return list(CaseworkerLoadSchema(many=True).dump(loads))
