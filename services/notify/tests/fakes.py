"""Fakes for notify's fast tests: a mail transport that keeps what it was given, and a unit of
work whose repositories keep one office's rows in memory (writes land on commit only)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from services.chassis.fakes import FakeDatabase, FakeUnitOfWork
from services.notify.domain.acknowledgements import (
    OfficeSender,
    OpenedCase,
    OutgoingEmail,
    Recipient,
)
from services.notify.domain.delivery import Delivery
from services.notify.domain.digest import Addressee
from services.notify.domain.notifications import Assignment, Colleague, StaffNotification
from services.notify.domain.preferences import ContactPreference
from services.notify.domain.reminders import DEFAULT_POLICY, Reminder, ReminderPolicy
from services.notify.domain.wording import Wording
from services.notify.ports import DeliveryChangedElsewhere, NotifyWork, ReminderChangedElsewhere
from services.notify.tests.fake_opt_outs import FakeTextOptOuts


class WorkerKilled(BaseException):
    """Stands in for SIGKILL mid-send: nothing after it runs."""


class FakeMailer:
    sender_address = "casework@localhost"
    longest_send_seconds = 10.0

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self.attempts = 0
        self._next_failures: list[BaseException] = []

    def fail_next(self, *failures: BaseException) -> None:
        self._next_failures.extend(failures)

    def send(self, email: OutgoingEmail) -> None:
        self.attempts += 1
        if self._next_failures:
            raise self._next_failures.pop(0)
        self.sent.append(email)


class _Table:
    """One table of one office, keyed like the real one. Writes are staged on the unit of work
    (it sees them at once, others once it commits), as a transaction would have them."""

    def __init__(self, uow: FakeNotifyUnitOfWork, name: str) -> None:
        self._uow = uow
        tables = uow.database.rows.setdefault(name, {})
        self._committed: dict[Any, Any] = tables.setdefault(uow.office_id, {})
        self._pending: dict[Any, Any] = {}

    @property
    def rows(self) -> dict[Any, Any]:
        return {**self._committed, **self._pending}

    def stage(self, key: Any, value: Any) -> None:
        self._pending[key] = value
        self._uow.staged.append(lambda: self._committed.__setitem__(key, value))


class FakeOffices(_Table):
    def record(
        self,
        sender: OfficeSender,
        timezone: str = "America/New_York",
        policy: ReminderPolicy = DEFAULT_POLICY,
    ) -> None:
        self.stage("office", sender)
        self.stage("timezone", timezone)
        self.stage("policy", policy)

    def sender(self) -> OfficeSender | None:
        sender = self.rows.get("office")
        if sender is None:
            return None
        return dataclasses.replace(sender, wording_version=self.rows.get("wording_version"))

    def next_wording_version(self) -> bool:
        if "office" not in self.rows:
            return False
        self.stage("wording_version", str(uuid.uuid4()))
        return True

    def schedule(self) -> tuple[str | None, ReminderPolicy]:
        return self.rows.get("timezone"), self.rows.get("policy", DEFAULT_POLICY)


class FakeWordings(_Table):
    def all(self) -> list[Wording]:
        return list(self.rows.values())

    def get(self, message: str, language: str) -> Wording | None:
        return self.rows.get((message, language))  # type: ignore[no-any-return]

    def save(self, wording: Wording) -> bool:
        if not self._offices().next_wording_version():
            return False
        self.stage((wording.message, wording.language), wording)
        return True

    def _offices(self) -> FakeOffices:
        offices = self._uow.offices
        assert isinstance(offices, FakeOffices)
        return offices

    def forget(self, message: str, language: str) -> bool:
        if (message, language) not in self.rows:
            return False
        self._pending.pop((message, language), None)
        self._uow.staged.append(lambda: self._committed.pop((message, language), None))
        self._offices().next_wording_version()
        return True


class FakeRecipients(_Table):
    def record(self, recipient: Recipient) -> None:
        self.stage(recipient.submission_id, recipient)

    def get(self, submission_id: str) -> Recipient | None:
        return self.rows.get(submission_id)  # type: ignore[no-any-return]


class FakeContactPreferences(_Table):
    """Keeps copies; the row is made once, and only a later change is written over it."""

    def get(self, constituent_id: str) -> ContactPreference | None:
        stored = self.rows.get(constituent_id)
        return self._uow.track(dataclasses.replace(stored)) if stored else None

    def add_if_new(self, preference: ContactPreference) -> bool:
        if preference.constituent_id in self.rows:
            preference.pull_events()
            return False
        self.stage(preference.constituent_id, dataclasses.replace(preference))
        self._uow.track(preference)
        return True

    def save(self, preference: ContactPreference) -> None:
        stored = self.rows.get(preference.constituent_id)
        at = preference.changed_at
        if stored is None or at is None:
            return
        if stored.changed_at is None or stored.changed_at < at:
            self.stage(preference.constituent_id, dataclasses.replace(preference))

    def stop_texts(self, constituent_id: str, at: datetime) -> None:
        stored = self.rows.get(constituent_id)
        if stored is not None and (stored.texts_stopped_at is None or stored.texts_stopped_at < at):
            self.stage(constituent_id, dataclasses.replace(stored, texts_stopped_at=at))


class FakeOpenedCases(_Table):
    def record(self, case: OpenedCase) -> None:
        self.stage(case.case_id, case)

    def for_submission(self, submission_id: str) -> OpenedCase | None:
        cases = [case for case in self.rows.values() if case.submission_id == submission_id]
        return min(cases, key=lambda case: case.opened_at) if cases else None

    def get(self, case_id: str) -> OpenedCase | None:
        return self.rows.get(case_id)


class FakeDeliveries(_Table):
    """Keeps copies, as a database would: what a handler changes counts once saved."""

    def __init__(self, uow: FakeNotifyUnitOfWork, name: str) -> None:
        super().__init__(uow, name)
        self._loaded: dict[str, tuple[str, int]] = {}

    def add(self, delivery: Delivery) -> None:
        taken = {row.idempotency_key for row in self.rows.values()}
        if delivery.idempotency_key in taken or delivery.delivery_id in self.rows:
            raise DeliveryChangedElsewhere("idempotency key taken")
        self._write(delivery)

    def save(self, delivery: Delivery) -> None:
        stored = self.rows.get(delivery.delivery_id)
        if stored is None or (stored.status.value, stored.attempts) != self._loaded.get(
            delivery.delivery_id
        ):
            raise DeliveryChangedElsewhere("moved on elsewhere")
        self._write(delivery)

    def get(self, delivery_id: str) -> Delivery | None:
        stored = self.rows.get(delivery_id)
        return self._hand_out(stored) if stored else None

    def for_cause(self, occasion_id: str, kind: str) -> Delivery | None:
        for stored in self.rows.values():
            if stored.idempotency_key == (occasion_id, kind):
                return self._hand_out(stored)
        return None

    def in_context(
        self, submission_id: str, kind: str
    ) -> tuple[OpenedCase | None, Recipient | None, Delivery | None]:
        uow = self._uow
        return (
            uow.cases.for_submission(submission_id),
            uow.recipients.get(submission_id),
            self.for_cause(submission_id, kind),
        )

    def claim_swept(self, now: datetime, limit: int) -> list[Delivery]:
        due = [row for row in self.rows.values() if row.send_after and row.send_after <= now]
        due.sort(key=lambda row: row.send_after or now)
        return [self._hand_out(row) for row in due[:limit]]

    def for_case(self, case_id: str) -> list[Delivery]:
        found = [row for row in self.rows.values() if row.case_id == case_id]
        found.sort(key=lambda row: (row.created_at, row.delivery_id))
        return [self._hand_out(row) for row in found]

    def _write(self, delivery: Delivery) -> None:
        self.stage(delivery.delivery_id, dataclasses.replace(delivery))
        self._loaded[delivery.delivery_id] = (delivery.status.value, delivery.attempts)
        self._uow.track(delivery)

    def _hand_out(self, stored: Delivery) -> Delivery:
        delivery = dataclasses.replace(stored)
        self._loaded[delivery.delivery_id] = (delivery.status.value, delivery.attempts)
        return self._uow.track(delivery)


class FakeReminders(_Table):
    """Keeps copies; a save must find the row as it was loaded (compare-and-set)."""

    def __init__(self, uow: FakeNotifyUnitOfWork, name: str) -> None:
        super().__init__(uow, name)
        self._loaded: dict[str, tuple[str, int]] = {}

    def by_key(self, cancel_key: str) -> Reminder | None:
        found = next((row for row in self.rows.values() if row.cancel_key == cancel_key), None)
        return self._hand_out(found) if found else None

    def pending_for_case(self, case_id: str) -> list[Reminder]:
        return [r for r in self.for_case(case_id) if r.pending]

    def for_case(self, case_id: str) -> list[Reminder]:
        found = sorted(
            (row for row in self.rows.values() if row.case_id == case_id),
            key=lambda row: (row.due_at, row.reminder_id),
        )
        return [self._hand_out(row) for row in found]

    def claim_due(self, now: datetime, limit: int) -> list[Reminder]:
        due = sorted((row for row in self.rows.values() if row.is_due(now)), key=lambda r: r.due_at)
        return [self._hand_out(row) for row in due[:limit]]

    def add_if_new(self, reminder: Reminder) -> bool:
        if any(row.cancel_key == reminder.cancel_key for row in self.rows.values()):
            return False
        self._write(reminder)
        return True

    def add_later(self, reminder: Reminder) -> None:
        self.add_if_new(reminder)

    def save(self, reminder: Reminder) -> None:
        stored = self.rows.get(reminder.reminder_id)
        if stored is None or (stored.state.value, stored.occurrence) != self._loaded.get(
            reminder.reminder_id
        ):
            raise ReminderChangedElsewhere("moved on elsewhere")
        self._write(reminder)

    def save_fired(self, fired: list[Reminder]) -> None:
        for reminder in fired:
            self.save(reminder)

    def _write(self, reminder: Reminder) -> None:
        self.stage(reminder.reminder_id, dataclasses.replace(reminder))
        self._loaded[reminder.reminder_id] = (reminder.state.value, reminder.occurrence)
        self._uow.track(reminder)

    def _hand_out(self, stored: Reminder) -> Reminder:
        reminder = dataclasses.replace(stored)
        self._loaded[reminder.reminder_id] = (reminder.state.value, reminder.occurrence)
        return self._uow.track(reminder)


class FakeStaff(_Table):
    """Each member, with their address under the key ("email", user id) and the day of their
    last digest under ("digest", user id)."""

    def record(self, colleague: Colleague, at: datetime) -> None:
        self.stage(colleague.user_id, colleague)

    def roster(self) -> list[Colleague]:
        return [row for row in self.rows.values() if isinstance(row, Colleague)]

    def record_contact(self, user_id: str, email: str) -> bool:
        if user_id not in self.rows:
            return False
        self.stage(("email", user_id), email)
        return True

    def digest_due(self, day: date) -> list[Addressee]:
        return [
            Addressee(c.user_id, c.display_name, self.rows[("email", c.user_id)])
            for c in sorted(self.roster(), key=lambda c: c.user_id)
            if c.active and ("email", c.user_id) in self.rows and self._not_yet(c.user_id, day)
        ]

    def claim_digest(self, user_id: str, day: date) -> bool:
        if not self._not_yet(user_id, day):
            return False
        self.stage(("digest", user_id), day)
        return True

    def _not_yet(self, user_id: str, day: date) -> bool:
        sent = self.rows.get(("digest", user_id))
        return sent is None or sent < day


class FakeAssignments(_Table):
    def record(self, assignment: Assignment) -> None:
        kept = self.rows.get(assignment.case_id)
        if kept is None or assignment.assigned_at >= kept.assigned_at:
            self.stage(assignment.case_id, assignment)

    def assignees(self, case_ids: Sequence[str]) -> dict[str, str]:
        return {
            case_id: self.rows[case_id].caseworker_id
            for case_id in case_ids
            if case_id in self.rows
        }


class FakeNotifications(_Table):
    """Keyed by (person, cause) like the real table's unique key."""

    def add_all(self, notifications: Sequence[StaffNotification]) -> None:
        for notification in notifications:
            key = (notification.user_id, notification.cause)
            if key not in self.rows:
                self.stage(key, dataclasses.replace(notification))

    def for_person(self, user_id: str, *, unread_only: bool, limit: int) -> list[StaffNotification]:
        mine = [
            dataclasses.replace(row)
            for row in self.rows.values()
            if row.user_id == user_id and (row.unread or not unread_only)
        ]
        mine.sort(key=lambda row: row.notification_id)
        mine.sort(key=lambda row: row.created_at, reverse=True)
        return mine[:limit]

    def unread_count(self, user_id: str) -> int:
        return sum(1 for row in self.rows.values() if row.user_id == user_id and row.unread)

    def mark_read(self, user_id: str, notification_ids: Sequence[str] | None, at: datetime) -> int:
        changed = 0
        for key, row in self.rows.items():
            wanted = notification_ids is None or row.notification_id in notification_ids
            if row.user_id == user_id and row.unread and wanted:
                self.stage(key, dataclasses.replace(row, read_at=at))
                changed += 1
        return changed


class FakeNotifyUnitOfWork(FakeUnitOfWork, NotifyWork):
    def open_repositories(self) -> None:
        self.staged: list[Callable[[], None]] = []
        self.offices = FakeOffices(self, "offices")
        self.recipients = FakeRecipients(self, "recipients")
        self.preferences = FakeContactPreferences(self, "contact_preferences")
        self.text_opt_outs = FakeTextOptOuts(self)
        self.cases = FakeOpenedCases(self, "opened_cases")
        self.deliveries = FakeDeliveries(self, "deliveries")
        self.reminders = FakeReminders(self, "reminders")
        self.staff = FakeStaff(self, "staff")
        self.assignments = FakeAssignments(self, "case_assignees")
        self.notifications = FakeNotifications(self, "staff_notifications")
        self.wording = FakeWordings(self, "message_wording")

    def commit(self) -> None:
        staged, self.staged = self.staged, []
        for write in staged:
            write()
        super().commit()

    def rollback(self) -> None:
        self.staged = []
        super().rollback()


def fake_database() -> FakeDatabase[FakeNotifyUnitOfWork]:
    return FakeDatabase(FakeNotifyUnitOfWork, service="notify")
