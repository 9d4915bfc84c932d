"""Notify's nameko entrypoints: translate events and RPC calls into handler calls, nothing more."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nameko.rpc import rpc
from nameko.timer import timer

from services.chassis.caller import Caller, RpcCaller
from services.chassis.config import env_int
from services.chassis.consuming import Failures
from services.chassis.db import utcnow
from services.chassis.errors import Forbidden, NotFound, ValidationFailed
from services.chassis.events import IncomingEvent
from services.chassis.messaging import event_handler
from services.chassis.schemas import load_arguments
from services.chassis.service import Database, ServiceBase
from services.contracts import (
    CASE_ASSIGNED,
    CASE_CLOSED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    CONTACT_PREFERENCES_CHANGED,
    DEADLINE_EXTENDED,
    DOCUMENTS_RECEIVED,
    INQUIRY_OVERDUE,
    INQUIRY_SENT,
    INQUIRY_WITHDRAWN,
    OFFICE_REGISTERED,
    PUBLIC_NOTE_ADDED,
    REPLY_LOGGED,
    STAFF_CONTACT_RECORDED,
    STAFF_MEMBER_ADDED,
    STATUS_CODE_REQUESTED,
    SUBMISSION_RECEIVED,
    TEXT_OPT_OUT_CHANGED,
    CaseOpened,
    ContactPreferencesChanged,
    OfficeRegistered,
    StatusCodeRequested,
    SubmissionReceived,
    TextOptOutChanged,
)
from services.contracts.rpc.common import OfficeRequest
from services.contracts.rpc.notify import (
    BellQuerySchema,
    BellSchema,
    DeliveriesQuerySchema,
    DeliverySchema,
    MarkReadSchema,
    MessageWordingSchema,
    UnreadSchema,
    WordingChangeSchema,
    WordingKeySchema,
    WordingPreviewSchema,
)
from services.notify import (
    case_messages,
    digests,
    firing,
    handlers,
    inactivity,
    notifications,
    preferences,
    reminders,
    wording,
)
from services.notify.adapters.deliveries import offices_with_messages_due
from services.notify.adapters.reminders import next_due_reminder, offices_with_due_reminders
from services.notify.mail import MailTransport
from services.notify.models import metadata
from services.notify.repository import NotifyUnitOfWork, known_offices
from services.notify.texts import TextTransport

# How often the reminder sweep looks for what is due (milliseconds): lateness is at most this
# plus the sweep's own time.
REMINDER_SWEEP_MS = env_int("CASEWORK_NOTIFY_REMINDER_SWEEP_MS", 250)
# How long before a moment its reminders are claimed and written, to commit when it comes
# (PostgreSQL; 0 turns it off): what falls due at once is not fired over seconds.
REMINDER_AHEAD_MS = env_int("CASEWORK_NOTIFY_REMINDER_AHEAD_MS", 3000)
# How often the message sweep sends queued messages about cases (a note, a status, closure).
MESSAGE_SWEEP_MS = env_int("CASEWORK_NOTIFY_MESSAGE_SWEEP_MS", 500)
# How often notify looks for daily digests due (each office's hour comes once a day).
DIGEST_CHECK_SECONDS = env_int("CASEWORK_NOTIFY_DIGEST_CHECK_SECONDS", 300)
BELL_QUERY = BellQuerySchema()
BELL = BellSchema()
MARK_READ = MarkReadSchema()
UNREAD = UnreadSchema()
WORDING_KEY = WordingKeySchema()
WORDING_CHANGE = WordingChangeSchema()
WORDING_PREVIEW = WordingPreviewSchema()
MESSAGE_WORDING = MessageWordingSchema()
# What a caller may get back as itself; anything else is a bug, logged with its trace.
EXPECTED = (ValidationFailed, NotFound, Forbidden)


class NotifyService(ServiceBase):
    name = "notify"
    db = Database(metadata, unit_of_work=NotifyUnitOfWork)
    mailer: Any = MailTransport()
    texter: Any = TextTransport()  # None while CASEWORK_NOTIFY_SMS_URL is unset: texts are off
    caller: Any = RpcCaller()  # a worker sees the Caller it provides

    @event_handler(OFFICE_REGISTERED)
    def record_office(self, events: list[IncomingEvent[OfficeRegistered]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_office)

    # Each of the two facts an acknowledgement needs is kept, then the acknowledgement tried:
    # also on a redelivered event, which may be the retry of a refused attempt.
    @event_handler(SUBMISSION_RECEIVED)
    def record_recipient(self, events: list[IncomingEvent[SubmissionReceived]]) -> Failures:
        failures = self.db.consume_batch(events, handlers.record_recipient)
        return handlers.acknowledge_each(self.db, self.mailer, events, failures, texter=self.texter)

    @event_handler(CASE_OPENED)
    def acknowledge_case(self, events: list[IncomingEvent[CaseOpened]]) -> Failures:
        failures = self.db.consume_batch(events, inactivity.record_case_opened)
        return handlers.acknowledge_each(self.db, self.mailer, events, failures, texter=self.texter)

    # A constituent stopped (or restarted) email from the office: no message about their
    # requests goes while they are opted out; the latest change wins.
    @event_handler(CONTACT_PREFERENCES_CHANGED)
    def record_preferences(
        self, events: list[IncomingEvent[ContactPreferencesChanged]]
    ) -> Failures:
        return self.db.consume_batch(events, preferences.record_preferences)

    # A phone replied STOP (or START) to the platform's number: no text goes to it from any
    # office until a START (each one skipped shows on its case as opted out).
    @event_handler(TEXT_OPT_OUT_CHANGED)
    def record_text_opt_out(self, events: list[IncomingEvent[TextOptOutChanged]]) -> Failures:
        return self.db.consume_batch(events, preferences.record_text_opt_out)

    # Nothing to keep: the code travels in the event only, and its delivery is the record.
    @event_handler(STATUS_CODE_REQUESTED)
    def mail_status_code(self, events: list[IncomingEvent[StatusCodeRequested]]) -> Failures:
        return handlers.mail_status_codes(self.db, self.mailer, events)

    # Reminders: each case's clocks, moved by what cases and agencies announce.
    @event_handler(CASE_ASSIGNED)
    def follow_assignment(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, inactivity.follow_assignment)

    # The bell: who works in the office, so an escalation reaches its supervisors.
    @event_handler(STAFF_MEMBER_ADDED)
    def record_colleague(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, notifications.record_colleague)

    # Documents a constituent sent from the status page: the case's assignee hears of them.
    @event_handler(DOCUMENTS_RECEIVED)
    def notify_documents(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, notifications.notify_documents)

    # Where each colleague's daily digest goes (notify alone hears it).
    @event_handler(STAFF_CONTACT_RECORDED)
    def record_contact(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, notifications.record_contact)

    # Reminders move, and the constituent is told (queued; the message sweep sends).
    @event_handler(CASE_STATUS_CHANGED)
    def follow_status(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, inactivity.follow_status)

    @event_handler(CASE_CLOSED)
    def finish_case(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, case_messages.finish_case)

    @event_handler(PUBLIC_NOTE_ADDED)
    def queue_public_note(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, inactivity.queue_public_note)

    @event_handler(INQUIRY_SENT)
    def schedule_follow_up(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, inactivity.schedule_follow_up)

    @event_handler(REPLY_LOGGED)
    def follow_reply(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, inactivity.follow_reply)

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
        firing.fire_within(
            self.db,
            lambda now, limit: offices_with_due_reminders(self.db, now, limit),
            lambda: next_due_reminder(self.db),
            utcnow,
            REMINDER_SWEEP_MS / 1000,
            firing.ahead_on(self.db, REMINDER_AHEAD_MS),
        )

    @timer(interval=MESSAGE_SWEEP_MS / 1000)
    def send_due_messages(self) -> None:
        case_messages.send_due_messages(
            self.db,
            self.mailer,
            lambda now, limit: offices_with_messages_due(self.db, now, limit),
            utcnow,
            texter=self.texter,
        )

    @timer(interval=DIGEST_CHECK_SECONDS)
    def send_digests(self) -> None:
        digests.send_digests(self.db, self.mailer, lambda: known_offices(self.db), utcnow)

    @rpc(expected_exceptions=EXPECTED)
    def list_deliveries(self, office_id: str, case_id: str) -> list[dict[str, Any]]:
        query = load_arguments(
            DeliveriesQuerySchema(), {"office_id": office_id, "case_id": case_id}
        )
        office = self._caller().office(query["office_id"])  # staff ask about their office only
        deliveries = handlers.list_deliveries(self.db, office, query["case_id"])
        return list(DeliverySchema(many=True).dump(deliveries))

    @rpc(expected_exceptions=EXPECTED)
    def bell(self, office_id: str, **options: Any) -> dict[str, Any]:
        """`bell(office_id, unread_only=False, limit=30)`: the signed-in person's unread
        count and latest notifications (`limit=0`: the count alone)."""
        query = load_arguments(BELL_QUERY, {"office_id": office_id, **options})
        with self._work(query["office_id"]) as (uow, person):
            unread, listed = notifications.bell(
                uow, person, unread_only=query["unread_only"], limit=query["limit"]
            )
        return dict(BELL.dump({"unread": unread, "notifications": listed}))

    @rpc(expected_exceptions=EXPECTED)
    def mark_notifications_read(
        self, office_id: str, notification_ids: list[str] | None = None
    ) -> dict[str, Any]:
        """Mark these of the signed-in person's notifications read (none given: all)."""
        query = load_arguments(
            MARK_READ, {"office_id": office_id, "notification_ids": notification_ids}
        )
        with self._work(query["office_id"]) as (uow, person):
            unread = notifications.mark_read(uow, person, query["notification_ids"])
        return dict(UNREAD.dump({"unread": unread}))

    @rpc(expected_exceptions=EXPECTED)
    def message_wording(self, office_id: str) -> list[dict[str, Any]]:
        """Every message in every language: the default wording and the office's own."""
        office = self._caller().office(
            load_arguments(OfficeRequest(), {"office_id": office_id})["office_id"]
        )
        with self.db.unit_of_work(office_id=office) as uow:
            return [_wording_out(item) for item in wording.list_wording(uow)]

    @rpc(expected_exceptions=EXPECTED)
    def save_message_wording(self, office_id: str, **change: Any) -> dict[str, Any]:
        """The office admin's own wording of a message; refused with each problem's line."""
        query = load_arguments(WORDING_CHANGE, {"office_id": office_id, **change})
        caller = self._caller()
        with self.db.unit_of_work(office_id=caller.office(office_id), actor=caller.actor) as uow:
            saved = wording.save_wording(
                uow,
                caller.actor,
                query["message"],
                query["language"],
                query["subject"],
                query["body"],
                query["text"],
            )
            uow.commit()
        return _wording_out(saved)

    @rpc(expected_exceptions=EXPECTED)
    def reset_message_wording(self, office_id: str, **key: Any) -> dict[str, Any]:
        """Back to the default wording of a message (office admin)."""
        query = load_arguments(WORDING_KEY, {"office_id": office_id, **key})
        caller = self._caller()
        with self.db.unit_of_work(office_id=caller.office(office_id), actor=caller.actor) as uow:
            reset = wording.reset_wording(uow, caller.actor, query["message"], query["language"])
            uow.commit()
        return _wording_out(reset)

    @rpc(expected_exceptions=EXPECTED)
    def preview_message_wording(self, office_id: str, **change: Any) -> dict[str, Any]:
        """A wording filled in for a sample constituent of the office, and its text as the
        phone shows it with its length; nothing is kept."""
        query = load_arguments(WORDING_CHANGE, {"office_id": office_id, **change})
        with self.db.unit_of_work(office_id=self._caller().office(office_id)) as uow:
            filled = wording.preview(
                uow,
                query["message"],
                query["language"],
                query["subject"],
                query["body"],
                query["text"],
            )
        return dict(WORDING_PREVIEW.dump(filled))

    def _caller(self) -> Caller:
        caller: Caller = self.caller
        return caller

    @contextmanager
    def _work(self, office_id: str) -> Iterator[tuple[Any, str]]:
        """The office's unit of work for the signed-in person asking, and who they are."""
        caller = self._caller()
        person = notifications.person(caller)
        with self.db.unit_of_work(office_id=caller.office(office_id), actor=caller.actor) as uow:
            yield uow, person


def _wording_out(item: wording.MessageWording) -> dict[str, Any]:
    own = item.own
    return dict(
        MESSAGE_WORDING.dump(
            {
                "message": item.message,
                "label": item.label,
                "language": item.language,
                "variables": item.fields,
                "default_subject": item.default_subject,
                "default_body": item.default_body,
                "subject": own.subject if own else None,
                "body": own.body if own else None,
                "text_variables": item.text_fields,
                "default_text": item.default_text,
                "text": own.text if own else None,
                "updated_at": own.updated_at if own else None,
                "updated_by": own.updated_by if own else None,
            }
        )
    )
