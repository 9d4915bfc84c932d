"""Notify's nameko entrypoints: translate events and RPC calls into handler calls, nothing more."""

from __future__ import annotations

from typing import Any

from nameko.rpc import rpc
from nameko.timer import timer

from services.chassis.config import env_int
from services.chassis.consuming import Failures
from services.chassis.db import utcnow
from services.chassis.events import IncomingEvent
from services.chassis.messaging import event_handler
from services.chassis.schemas import load_arguments
from services.chassis.service import Database, ServiceBase
from services.contracts import (
    CASE_ASSIGNED,
    CASE_CLOSED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    DEADLINE_EXTENDED,
    INQUIRY_OVERDUE,
    INQUIRY_SENT,
    INQUIRY_WITHDRAWN,
    OFFICE_REGISTERED,
    REPLY_LOGGED,
    STATUS_CODE_REQUESTED,
    SUBMISSION_RECEIVED,
    CaseOpened,
    OfficeRegistered,
    StatusCodeRequested,
    SubmissionReceived,
)
from services.contracts.rpc.notify import DeliveriesQuerySchema, DeliverySchema
from services.notify import handlers, reminders
from services.notify.mail import MailTransport
from services.notify.models import metadata
from services.notify.repository import NotifyUnitOfWork, offices_with_due_reminders

# How often the reminder sweep looks for what is due (milliseconds): lateness is at most this
# plus the sweep's own time.
REMINDER_SWEEP_MS = env_int("CASEWORK_NOTIFY_REMINDER_SWEEP_MS", 250)


class NotifyService(ServiceBase):
    name = "notify"
    db = Database(metadata, unit_of_work=NotifyUnitOfWork)
    mailer: Any = MailTransport()

    @event_handler(OFFICE_REGISTERED)
    def record_office(self, events: list[IncomingEvent[OfficeRegistered]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_office)

    # Each of the two facts an acknowledgement needs is kept, then the acknowledgement tried:
    # also on a redelivered event, which may be the retry of a refused attempt.
    @event_handler(SUBMISSION_RECEIVED)
    def record_recipient(self, events: list[IncomingEvent[SubmissionReceived]]) -> Failures:
        failures = self.db.consume_batch(events, handlers.record_recipient)
        return handlers.acknowledge_each(self.db, self.mailer, events, failures)

    @event_handler(CASE_OPENED)
    def acknowledge_case(self, events: list[IncomingEvent[CaseOpened]]) -> Failures:
        failures = self.db.consume_batch(events, handlers.record_case_opened)
        return handlers.acknowledge_each(self.db, self.mailer, events, failures)

    # Nothing to keep: the code travels in the event only, and its delivery is the record.
    @event_handler(STATUS_CODE_REQUESTED)
    def mail_status_code(self, events: list[IncomingEvent[StatusCodeRequested]]) -> Failures:
        return handlers.mail_status_codes(self.db, self.mailer, events)

    # Reminders: each case's clocks, moved by what cases and agencies announce.
    @event_handler(CASE_ASSIGNED)
    def cancel_unassigned(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, reminders.cancel_unassigned)

    @event_handler(CASE_STATUS_CHANGED)
    def follow_status(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, reminders.follow_status)

    @event_handler(CASE_CLOSED)
    def finish_case(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, reminders.finish_case)

    @event_handler(INQUIRY_SENT)
    def schedule_follow_up(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, reminders.schedule_follow_up)

    @event_handler(REPLY_LOGGED)
    def follow_reply(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, reminders.follow_reply)

    @event_handler(INQUIRY_WITHDRAWN)
    def cancel_follow_up(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, reminders.cancel_follow_up)

    @event_handler(DEADLINE_EXTENDED)
    def follow_extension(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, reminders.follow_extension)

    @event_handler(INQUIRY_OVERDUE)
    def escalate_overdue(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, reminders.escalate_overdue)

    @timer(interval=REMINDER_SWEEP_MS / 1000)
    def fire_due_reminders(self) -> None:
        reminders.fire_due_reminders(
            self.db,
            lambda now, limit: offices_with_due_reminders(self.db, now, limit),
            utcnow,
        )

    @rpc
    def list_deliveries(self, office_id: str, case_id: str) -> list[dict[str, Any]]:
        query = load_arguments(
            DeliveriesQuerySchema(), {"office_id": office_id, "case_id": case_id}
        )
        deliveries = handlers.list_deliveries(self.db, query["office_id"], query["case_id"])
        return list(DeliverySchema(many=True).dump(deliveries))
