"""Agencies' nameko entrypoints: translate RPC calls and events into handler calls."""

from __future__ import annotations

from functools import partial
from typing import Any

from nameko.rpc import rpc

from services.agencies import handlers
from services.agencies.models import Base
from services.agencies.repository import AgenciesUnitOfWork
from services.chassis.consuming import Failures
from services.chassis.events import IncomingEvent
from services.chassis.messaging import event_handler
from services.chassis.schemas import load_arguments
from services.chassis.service import Database, ServiceBase
from services.contracts import CASE_OPENED, CaseOpened
from services.contracts.rpc.agencies import (
    AgencyEntry,
    AgencySuggestionResult,
    GetAgencyRequest,
    SuggestAgencyRequest,
)


class AgenciesService(ServiceBase):
    name = "agencies"
    db = Database(Base.metadata, unit_of_work=AgenciesUnitOfWork)

    @rpc
    def list_agencies(self) -> list[dict[str, Any]]:
        return list(AgencyEntry(many=True).dump(handlers.list_agencies(self.db)))

    @rpc
    def get_agency(self, code: str) -> dict[str, Any]:
        arguments = load_arguments(GetAgencyRequest(), {"code": code})
        return dict(AgencyEntry().dump(handlers.get_agency(self.db, arguments["code"])))

    @rpc
    def suggest_agency(
        self, category: str, agency_hint: str | None = None
    ) -> dict[str, Any] | None:
        arguments = load_arguments(
            SuggestAgencyRequest(), {"category": category, "agency_hint": agency_hint}
        )
        suggestion = handlers.suggest(self.db, arguments["category"], arguments["agency_hint"])
        return dict(AgencySuggestionResult().dump(suggestion)) if suggestion.agency else None

    @event_handler(CASE_OPENED)
    def suggest_for_opened_case(self, events: list[IncomingEvent[CaseOpened]]) -> Failures:
        # Reference data for every office: read as platform work (cached for a minute) once
        # for the batch, before the cases' offices' units of work open.
        directory = handlers.current_directory(self.db)
        return self.db.consume_batch(events, partial(handlers.suggest_agency, directory))
