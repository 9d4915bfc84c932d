"""What notify's handlers may use of a unit of work: its repositories, real (`repository.py`)
or fake (`tests/fakes.py`). Every repository is scoped to the unit of work's office."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from services.chassis.errors import ChangedElsewhere
from services.chassis.uow import BaseUnitOfWork
from services.notify.domain.acknowledgements import OfficeSender, OpenedCase, Recipient
from services.notify.domain.delivery import Delivery
from services.notify.domain.digest import Addressee
from services.notify.domain.notifications import Assignment, Colleague, StaffNotification
from services.notify.domain.preferences import ContactPreference, TextOptOut
from services.notify.domain.reminders import DEFAULT_POLICY, Reminder, ReminderPolicy
from services.notify.domain.wording import Wording


class ReminderChangedElsewhere(ChangedElsewhere):
    """Another claimer or event moved the reminder since it was read: this change is dropped
    (the unit of work is rolled back and the work looked at again; an event's handler is run
    again)."""


class DeliveryChangedElsewhere(ChangedElsewhere):
    """Another worker created or moved the delivery between our read and our write: look
    again (nothing of this unit of work was kept)."""


class Offices(Protocol):
    def record(
        self,
        sender: OfficeSender,
        timezone: str = "America/New_York",
        policy: ReminderPolicy = DEFAULT_POLICY,
    ) -> None:
        """Keep (or replace) the office's name, reply address, time zone and when its
        reminders fall due."""
        ...

    def sender(self) -> OfficeSender | None: ...

    def schedule(self) -> tuple[str | None, ReminderPolicy]:
        """The office's time zone (None: not heard of yet) and reminder intervals."""
        ...


class Recipients(Protocol):
    def record(self, recipient: Recipient) -> None:
        """Keep (or replace) how to reach the constituent who sent one submission."""
        ...

    def get(self, submission_id: str) -> Recipient | None: ...


class ContactPreferences(Protocol):
    """One row per constituent of the office: their unsubscribe link's secret and opt-out."""

    def get(self, constituent_id: str) -> ContactPreference | None: ...

    def add_if_new(self, preference: ContactPreference) -> bool:
        """Keep a constituent notify has just heard of, with the events it recorded; False
        (nothing kept, nothing announced) if the office has their row already, written here
        or by another worker meanwhile."""
        ...

    def save(self, preference: ContactPreference) -> None:
        """Write the constituent's opt-out as of its `changed_at`, unless a later change is
        kept already (another worker's, meanwhile): the latest change wins."""
        ...

    def stop_texts(self, constituent_id: str, at: datetime) -> None:
        """Record that the SMS provider said at `at` they replied STOP (the latest kept)."""
        ...


class TextOptOuts(Protocol):
    """Phones that replied STOP or START to the platform's number: one row per phone, for
    every office (not scoped to the unit of work's office)."""

    def get(self, phone_number: str) -> TextOptOut | None: ...

    def record(self, opt_out: TextOptOut) -> None:
        """Keep the phone's reply, unless a later one is kept already."""
        ...


class OpenedCases(Protocol):
    def record(self, case: OpenedCase) -> None: ...

    def for_submission(self, submission_id: str) -> OpenedCase | None:
        """The (first) case opened for a submission."""
        ...

    def get(self, case_id: str) -> OpenedCase | None: ...


class Deliveries(Protocol):
    def add(self, delivery: Delivery) -> None:
        """Write a new delivery now; DeliveryChangedElsewhere if its idempotency key is taken."""
        ...

    def save(self, delivery: Delivery) -> None:
        """Write a delivery's new state, only if it is still as it was loaded (compare-and-set,
        so two workers can never both start or settle the same attempt); otherwise
        DeliveryChangedElsewhere."""
        ...

    def get(self, delivery_id: str) -> Delivery | None: ...

    def for_cause(self, occasion_id: str, kind: str) -> Delivery | None:
        """The delivery holding this idempotency key, if any (an acknowledgement's occasion is
        its submission; a status code's, the request's event id)."""
        ...

    def in_context(
        self, submission_id: str, kind: str
    ) -> tuple[OpenedCase | None, Recipient | None, Delivery | None]:
        """What a message about a submission is planned from, read at once: its first opened
        case (`OpenedCases.for_submission`), its recipient (`Recipients.get`) and the delivery
        of `kind` whose occasion is the submission (`for_cause`), each if any."""
        ...

    def claim_swept(self, now: datetime, limit: int) -> list[Delivery]:
        """The office's swept messages due at `now`, oldest first; another sweeper skips them
        while this unit of work lasts (PostgreSQL)."""
        ...

    def for_case(self, case_id: str) -> list[Delivery]:
        """Every delivery about one case, oldest first."""
        ...


class Reminders(Protocol):
    def by_key(self, cancel_key: str) -> Reminder | None: ...

    def pending_for_case(self, case_id: str) -> list[Reminder]: ...

    def for_case(self, case_id: str) -> list[Reminder]:
        """Every reminder of one case, by due time."""
        ...

    def claim_due(self, now: datetime, limit: int) -> list[Reminder]:
        """Up to `limit` pending reminders due at `now`, oldest first; on PostgreSQL locked
        for this unit of work, skipping those another claimer holds."""
        ...

    def add_if_new(self, reminder: Reminder) -> bool:
        """Write a new reminder unless its cancel key is taken (another transaction committed
        it since this one looked): False then, and `by_key` answers with the row holding it."""
        ...

    def add_later(self, reminder: Reminder) -> None:
        """`add_if_new` for a caller that needs no answer: it may be written with others in
        one statement before the unit of work next reads reminders or finishes; `by_key`
        answers with it meanwhile, or, once written, with the row holding its key."""
        ...

    def save(self, reminder: Reminder) -> None:
        """Write its new state if it is still as loaded; else ReminderChangedElsewhere."""
        ...

    def save_fired(self, fired: list[Reminder]) -> None:
        """`save` for each reminder a claim fired, in as few statements as the database
        allows; ReminderChangedElsewhere if any of them moved."""
        ...


class Staff(Protocol):
    def record(self, colleague: Colleague, at: datetime) -> None:
        """Keep (or replace) a staff member as gateway announced them."""
        ...

    def roster(self) -> list[Colleague]: ...

    def record_contact(self, user_id: str, email: str) -> bool:
        """Keep where the member's own mail goes; False if they are not on the roster yet."""
        ...

    def digest_due(self, day: date) -> list[Addressee]:
        """Active members with an address who have not been sent `day`'s digest."""
        ...

    def claim_digest(self, user_id: str, day: date) -> bool:
        """Mark `day`'s digest as theirs to send; False if it was marked already (here or by
        another notify instance)."""
        ...


class Assignments(Protocol):
    def record(self, assignment: Assignment) -> None:
        """Keep who the case was given to, unless a later assignment is already kept."""
        ...

    def assignees(self, case_ids: Sequence[str]) -> dict[str, str]:
        """case id -> who it was last given to, for those of `case_ids` given to anyone."""
        ...


class Notifications(Protocol):
    def add_all(self, notifications: Sequence[StaffNotification]) -> None:
        """Write new notifications (one per person and cause; a second is skipped)."""
        ...

    def for_person(self, user_id: str, *, unread_only: bool, limit: int) -> list[StaffNotification]:
        """A person's notifications, newest first."""
        ...

    def unread_count(self, user_id: str) -> int: ...

    def mark_read(self, user_id: str, notification_ids: Sequence[str] | None, at: datetime) -> int:
        """Mark these (or all) of the person's unread notifications read; how many changed."""
        ...


class OfficeWordings(Protocol):
    """An office's own wording of its messages (domain/wording.py)."""

    def all(self) -> list[Wording]: ...

    def get(self, message: str, language: str) -> Wording | None: ...

    def save(self, wording: Wording) -> bool:
        """Keep an office's wording of a message and move its version on; False (nothing kept)
        if notify has not heard of the office."""
        ...

    def forget(self, message: str, language: str) -> bool:
        """Back to the default wording; False if the office had none of its own."""
        ...


class NotifyWork(BaseUnitOfWork):
    """A unit of work as notify's handlers see it; `NotifyUnitOfWork` and the fake one of the
    tests both are one (their other base gives the transaction)."""

    offices: Offices
    recipients: Recipients
    preferences: ContactPreferences
    text_opt_outs: TextOptOuts
    cases: OpenedCases
    deliveries: Deliveries
    reminders: Reminders
    staff: Staff
    assignments: Assignments
    notifications: Notifications
    wording: OfficeWordings

    def audit(self, action: str, subject_type: str, subject_id: str) -> None: ...
