"""What notify's handlers may use of a unit of work: its repositories, real (`repository.py`)
or fake (`tests/fakes.py`). Every repository is scoped to the unit of work's office."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.chassis.uow import BaseUnitOfWork
from services.notify.domain.acknowledgements import OfficeSender, OpenedCase, Recipient
from services.notify.domain.delivery import Delivery
from services.notify.domain.reminders import Reminder


class ReminderChangedElsewhere(Exception):
    """Another claimer or event moved the reminder since it was read: this change is dropped
    (the unit of work is rolled back and the work looked at again)."""


class DeliveryChangedElsewhere(Exception):
    """Another worker created or moved the delivery between our read and our write: look
    again (nothing of this unit of work was kept)."""


class Offices(Protocol):
    def record(self, sender: OfficeSender, timezone: str = "America/New_York") -> None:
        """Keep (or replace) the office's name, reply address and time zone."""
        ...

    def sender(self) -> OfficeSender | None: ...

    def timezone(self) -> str | None: ...


class Recipients(Protocol):
    def record(self, recipient: Recipient) -> None:
        """Keep (or replace) how to reach the constituent who sent one submission."""
        ...

    def get(self, submission_id: str) -> Recipient | None: ...


class OpenedCases(Protocol):
    def record(self, case: OpenedCase) -> None: ...

    def for_submission(self, submission_id: str) -> OpenedCase | None:
        """The (first) case opened for a submission."""
        ...


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

    def add(self, reminder: Reminder) -> None:
        """Write a new reminder; ReminderChangedElsewhere if its cancel key is taken."""
        ...

    def save(self, reminder: Reminder) -> None:
        """Write its new state if it is still as loaded; else ReminderChangedElsewhere."""
        ...

    def save_fired(self, fired: list[Reminder]) -> None:
        """`save` for each reminder a claim fired, in as few statements as the database
        allows; ReminderChangedElsewhere if any of them moved."""
        ...


class NotifyWork(BaseUnitOfWork):
    """A unit of work as notify's handlers see it; `NotifyUnitOfWork` and the fake one of the
    tests both are one (their other base gives the transaction)."""

    offices: Offices
    recipients: Recipients
    cases: OpenedCases
    deliveries: Deliveries
    reminders: Reminders
