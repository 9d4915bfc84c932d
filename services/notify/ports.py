"""What notify's handlers may use of a unit of work: its repositories, real (`repository.py`)
or fake (`tests/fakes.py`). Every repository is scoped to the unit of work's office."""

from __future__ import annotations

from typing import Protocol

from services.chassis.uow import BaseUnitOfWork
from services.notify.domain.acknowledgements import OfficeSender, OpenedCase, Recipient
from services.notify.domain.delivery import Delivery


class DeliveryChangedElsewhere(Exception):
    """Another worker created or moved the delivery between our read and our write: look
    again (nothing of this unit of work was kept)."""


class Offices(Protocol):
    def record(self, sender: OfficeSender) -> None:
        """Keep (or replace) the office's name and reply address."""
        ...

    def sender(self) -> OfficeSender | None: ...


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


class NotifyWork(BaseUnitOfWork):
    """A unit of work as notify's handlers see it; `NotifyUnitOfWork` and the fake one of the
    tests both are one (their other base gives the transaction)."""

    offices: Offices
    recipients: Recipients
    cases: OpenedCases
    deliveries: Deliveries
