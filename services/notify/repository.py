"""Notify's SQL: the office, recipient and case projections, each repository scoped to its unit
of work's office (reminders, deliveries, contact preferences, wording and the staff side are in
`adapters/`), and the unit of work that opens them all.
Statements are built once at import (and the upserts once per dialect), then executed with
parameter dicts."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import RowMapping, bindparam, select

from services.chassis.db import office_rows, utcnow
from services.chassis.uow import UnitOfWork
from services.notify.adapters.base import Repository, projected
from services.notify.adapters.deliveries import DeliveryRepository
from services.notify.adapters.preferences import ContactPreferenceRepository
from services.notify.adapters.reminders import ReminderRepository
from services.notify.adapters.staff import (
    AssignmentRepository,
    NotificationRepository,
    StaffRepository,
)
from services.notify.adapters.text_opt_outs import TextOptOutRepository
from services.notify.adapters.wording import WordingRepository
from services.notify.domain.acknowledgements import OfficeSender, OpenedCase, Recipient
from services.notify.domain.reminders import DEFAULT_POLICY, ReminderPolicy
from services.notify.models import offices, opened_cases, recipients
from services.notify.ports import NotifyWork

# The office's admin's settings notify schedules and sends by, as gateway announces them.
SCHEDULE = (
    "first_contact_business_days",
    "follow_up_every_days",
    "check_in_every_days",
    "no_activity_days",
    "sending_from",
    "sending_until",
)
# One row says both who sends an office's messages and when its reminders fall due.
OFFICE = select(
    offices.c.name,
    offices.c.reply_to_email,
    offices.c.wording_version,
    offices.c.timezone,
    *(offices.c[name] for name in SCHEDULE),
).where(offices.c.office_id == bindparam("office_id"))
RECIPIENT = office_rows(recipients, "submission_id")
CASE_BY_ID = office_rows(opened_cases, "case_id")
CASE_FOR_SUBMISSION = (
    office_rows(opened_cases, "submission_id").order_by(opened_cases.c.opened_at).limit(1)
)


# Where a transaction keeps the office rows it read, on its session: every event of a batch
# has a unit of work of its own, and they are mostly the same office's.
OFFICES_READ = "notify_offices_read"


class OfficeRepository(Repository):
    """The office's projection, read once per transaction (one row, its sender and its
    schedule): an event's reminders, its quiet-case escalation and its message all ask for
    it, and so does every other event of a batch of the same office. A change made in the
    transaction (an announcement, a new wording version) is read afresh."""

    def record(
        self,
        sender: OfficeSender,
        timezone: str = "America/New_York",
        policy: ReminderPolicy = DEFAULT_POLICY,
    ) -> None:
        self.forget()
        values = {
            "name": sender.name,
            "reply_to_email": sender.reply_to_email,
            "timezone": timezone,
            "updated_at": utcnow(),
            **{name: getattr(policy, name) for name in SCHEDULE},
        }
        # The office's wording version is notify's own: an announcement leaves it as it is.
        self._upsert(offices, ("office_id",), values, kept=("wording_version",))

    def forget(self) -> None:
        """The row changed: read it again when next asked."""
        self._read_rows().pop(self._office_id, None)

    def schedule(self) -> tuple[str | None, ReminderPolicy]:
        row = self._office()
        if row is None:
            return None, DEFAULT_POLICY
        return str(row["timezone"]), ReminderPolicy(**{name: row[name] for name in SCHEDULE})

    def sender(self) -> OfficeSender | None:
        row = self._office()
        return projected(OfficeSender, row) if row else None

    def _office(self) -> RowMapping | None:
        read = self._read_rows()
        office_id = self._office_id
        if office_id not in read:
            read[office_id] = self._one(OFFICE)
        return read[office_id]

    def _read_rows(self) -> dict[str, RowMapping | None]:
        return self._uow.session.info.setdefault(OFFICES_READ, {})  # type: ignore[no-any-return]


class RecipientRepository(Repository):
    def record(self, recipient: Recipient) -> None:
        self._upsert(recipients, ("office_id", "submission_id"), dataclasses.asdict(recipient))

    def get(self, submission_id: str) -> Recipient | None:
        return self._one_projected(Recipient, RECIPIENT, submission_id=submission_id)


class OpenedCaseRepository(Repository):
    def record(self, case: OpenedCase) -> None:
        self._upsert(opened_cases, ("office_id", "case_id"), dataclasses.asdict(case))

    def for_submission(self, submission_id: str) -> OpenedCase | None:
        return self._one_projected(OpenedCase, CASE_FOR_SUBMISSION, submission_id=submission_id)

    def get(self, case_id: str) -> OpenedCase | None:
        return self._one_projected(OpenedCase, CASE_BY_ID, case_id=case_id)


class NotifyUnitOfWork(UnitOfWork, NotifyWork):
    """Notify's unit of work: one office's projections, deliveries and reminders."""

    def open_repositories(self) -> None:
        self.offices = OfficeRepository(self)
        self.recipients = RecipientRepository(self)
        self.preferences = ContactPreferenceRepository(self)
        self.text_opt_outs = TextOptOutRepository(self)
        self.cases = OpenedCaseRepository(self)
        self.deliveries = DeliveryRepository(self)
        self.wording = WordingRepository(self, on_new_version=self.offices.forget)
        self.reminders = self._reminders = ReminderRepository(self)
        self.staff = StaffRepository(self)
        self.assignments = AssignmentRepository(self)
        self.notifications = NotificationRepository(self)

    def flush(self) -> None:
        """The reminders staged for one statement (`ReminderRepository.add_later`)."""
        self._reminders.flush()


KNOWN_OFFICES = select(offices.c.office_id).order_by(offices.c.office_id)


def known_offices(db: Any) -> list[str]:
    """Every office notify has heard of (platform work: their ids only), for the digest."""
    with db.platform_work() as session:
        return [row.office_id for row in session.execute(KNOWN_OFFICES)]
