"""Intake's repositories without a database, for handler tests that run in milliseconds.

Rows live in `FakeDatabase.rows` (one dict per table); what a unit of work writes is staged
and applied on commit, so a unit of work that fails leaves nothing behind, as a real one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.chassis.fakes import FakeDatabase, FakeUnitOfWork
from services.intake.domain.constituents import Constituent
from services.intake.domain.submissions import EarlierSubmission, Submission


class FakeIntakeUnitOfWork(FakeUnitOfWork):
    def open_repositories(self) -> None:
        self._staged: list[Callable[[], None]] = []
        self.offices = FakeOffices(self)
        self.constituents = FakeConstituents(self)
        self.submissions = FakeSubmissions(self)

    def table(self, name: str) -> dict[Any, Any]:
        return self.database.rows.setdefault(name, {})  # type: ignore[no-any-return]

    def stage(self, write: Callable[[], None]) -> None:
        self._staged.append(write)

    def commit(self) -> None:
        staged, self._staged = self._staged, []
        for write in staged:
            write()
        super().commit()

    def rollback(self) -> None:
        self._staged = []
        super().rollback()


def intake_database() -> FakeDatabase[FakeIntakeUnitOfWork]:
    return FakeDatabase(FakeIntakeUnitOfWork, service="intake")


class FakeOffices:
    def __init__(self, uow: FakeIntakeUnitOfWork) -> None:
        self._uow = uow

    def accepts_work(self) -> bool:
        return self._uow.office_id in self._uow.table("offices")

    def record(self, name: str, registered_at: datetime) -> None:
        offices = self._uow.table("offices")
        office_id = self._uow.office_id
        first = offices.get(office_id, {}).get("registered_at", registered_at)
        self._uow.stage(
            lambda: offices.__setitem__(office_id, {"name": name, "registered_at": first})
        )


class FakeConstituents:
    """Keyed by (office, id); a lookup sees the unit of work's office only."""

    def __init__(self, uow: FakeIntakeUnitOfWork) -> None:
        self._uow = uow

    def _find(self, matches: Callable[[Constituent], bool]) -> Constituent | None:
        for (office_id, _), stored in self._uow.table("constituents").items():
            if office_id == self._uow.office_id and matches(stored):
                return self._uow.track(copy.deepcopy(stored))
        return None

    def with_email(self, email_normalised: str) -> Constituent | None:
        return self._find(lambda stored: stored.email_normalised == email_normalised)

    def with_phone(self, phone_normalised: str) -> Constituent | None:
        return self._find(lambda stored: stored.phone_normalised == phone_normalised)

    def save(self, constituent: Constituent) -> None:
        self._uow.track(constituent)
        rows = self._uow.table("constituents")
        key = (self._uow.office_id, constituent.id)
        kept = copy.deepcopy(constituent)
        self._uow.stage(lambda: rows.__setitem__(key, kept))


class FakeSubmissions:
    """Keyed by (office, id); the Idempotency-Key is unique within an office."""

    def __init__(self, uow: FakeIntakeUnitOfWork) -> None:
        self._uow = uow

    def with_idempotency_key(self, key: str) -> EarlierSubmission | None:
        for (office_id, _), stored in self._uow.table("submissions").items():
            idempotency = stored.idempotency
            if office_id == self._uow.office_id and idempotency and idempotency.key == key:
                return EarlierSubmission(stored.receipt, idempotency.fingerprint)
        return None

    def add(self, submission: Submission) -> None:
        self._uow.track(submission)
        rows = self._uow.table("submissions")
        key = (self._uow.office_id, submission.id)
        self._uow.stage(lambda: rows.__setitem__(key, submission))
