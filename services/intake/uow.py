"""Intake's unit of work: one office's transaction with its repositories, and the interface
handlers rely on (which the real unit of work and the tests' fake both provide)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.chassis.uow import UnitOfWork
from services.intake.domain.constituents import Constituent, KnownConstituents
from services.intake.domain.submissions import EarlierSubmission, Submission
from services.intake.repository import (
    ConstituentRepository,
    OfficeRepository,
    SubmissionRepository,
)


class IntakeUnitOfWork(UnitOfWork):
    def open_repositories(self) -> None:
        self.offices = OfficeRepository(self)
        self.constituents = ConstituentRepository(self)
        self.submissions = SubmissionRepository(self)


class Offices(Protocol):
    def accepts_work(self) -> bool: ...

    def record(self, name: str, registered_at: datetime) -> None: ...


class Constituents(KnownConstituents, Protocol):
    def save(self, constituent: Constituent) -> None: ...


class Submissions(Protocol):
    def with_idempotency_key(self, key: str) -> EarlierSubmission | None: ...

    def add(self, submission: Submission) -> None: ...


class IntakeWork(Protocol):
    """What a handler may use of a unit of work (the caller commits)."""

    @property
    def office_id(self) -> str: ...

    @property
    def offices(self) -> Offices: ...

    @property
    def constituents(self) -> Constituents: ...

    @property
    def submissions(self) -> Submissions: ...
