"""Agencies' nameko entrypoints: translate RPC calls and events into handler calls."""

from __future__ import annotations

from typing import Any

from nameko.rpc import rpc

from services.agencies import handlers
from services.agencies.models import Base
from services.agencies.schemas import (
    AgencyCodeSchema,
    AgencySchema,
    SuggestAgencySchema,
    SuggestionSchema,
    load_arguments,
)
from services.chassis.db import IncomingEvent
from services.chassis.messaging import event_handler
from services.chassis.service import Database, ServiceBase
from services.contracts import CASE_OPENED


class AgenciesService(ServiceBase):
    name = "agencies"
    db = Database(Base.metadata)

    @rpc
    def list_agencies(self) -> list[dict[str, Any]]:
        return list(AgencySchema(many=True).dump(handlers.list_agencies(self.db)))

    @rpc
    def get_agency(self, code: str) -> dict[str, Any]:
        arguments = load_arguments(AgencyCodeSchema(), {"code": code})
        return dict(AgencySchema().dump(handlers.get_agency(self.db, arguments["code"])))

    @rpc
    def suggest_agency(
        self, category: str, agency_hint: str | None = None
    ) -> dict[str, Any] | None:
        arguments = load_arguments(
            SuggestAgencySchema(), {"category": category, "agency_hint": agency_hint}
        )
        suggestion = handlers.suggest_agency(
            self.db, arguments["category"], arguments["agency_hint"]
        )
        return dict(SuggestionSchema().dump(suggestion)) if suggestion.agency else None

    @event_handler(CASE_OPENED)
    def suggest_for_opened_case(self, event: IncomingEvent) -> None:
        handlers.suggest_for_opened_case(self.db, event)
