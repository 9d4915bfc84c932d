"""Notify's nameko entrypoints: translate events and RPC calls into handler calls, nothing more."""

from __future__ import annotations

from typing import Any

from nameko.rpc import rpc

from services.chassis.db import IncomingEvent
from services.chassis.messaging import event_handler
from services.chassis.service import Database, ServiceBase
from services.contracts import CASE_OPENED, OFFICE_REGISTERED, SUBMISSION_RECEIVED
from services.notify import handlers
from services.notify.mail import MailTransport
from services.notify.models import Base
from services.notify.schemas import DeliveriesQuerySchema, DeliverySchema, load_arguments


class NotifyService(ServiceBase):
    name = "notify"
    db = Database(Base.metadata)
    mailer: Any = MailTransport()

    @event_handler(OFFICE_REGISTERED)
    def record_office(self, event: IncomingEvent) -> None:
        handlers.record_office(self.db, event)

    @event_handler(SUBMISSION_RECEIVED)
    def record_recipient(self, event: IncomingEvent) -> None:
        handlers.record_recipient(self.db, self.mailer, event)

    @event_handler(CASE_OPENED)
    def acknowledge_case(self, event: IncomingEvent) -> None:
        handlers.record_case_opened(self.db, self.mailer, event)

    @rpc
    def list_deliveries(self, office_id: str, case_id: str) -> list[dict[str, Any]]:
        query = load_arguments(
            DeliveriesQuerySchema(), {"office_id": office_id, "case_id": case_id}
        )
        deliveries = handlers.list_deliveries(self.db, query["office_id"], query["case_id"])
        return list(DeliverySchema(many=True).dump(deliveries))
