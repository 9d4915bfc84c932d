"""Intake's unit of work: one office's transaction with its repositories, and the interface
handlers rely on (which the real unit of work and the tests' fake both provide)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from services.chassis.uow import UnitOfWork
from services.intake.adapters import (
    AttachmentRepository,
    ConstituentRepository,
    OfficePortalRepository,
    OfficeRepository,
    PublicStatusRepository,
    ReleaseRepository,
    ReleaseSecrets,
    SubmissionRepository,
    SurveyRepository,
    TextReplyRepository,
    UnsubscribeRepository,
)
from services.intake.domain.attachments import StoredAttachment
from services.intake.domain.constituents import Constituent, KnownConstituents
from services.intake.domain.documents import DocumentsSent
from services.intake.domain.public_status import PublicUpdateView, StatusCode, SubmissionOwner
from services.intake.domain.release_texts import ReleaseTextVersion
from services.intake.domain.releases import Release
from services.intake.domain.submissions import EarlierSubmission, PortalOffice, Submission
from services.intake.domain.surveys import Survey
from services.intake.domain.text_replies import TextReply
from services.intake.domain.unsubscribe import ContactPreferences, UnsubscribeLink


class IntakeUnitOfWork(UnitOfWork):
    def open_repositories(self) -> None:
        self.offices = OfficeRepository(self)
        self.constituents = ConstituentRepository(self)
        self.submissions = SubmissionRepository(self)
        self.attachments = AttachmentRepository(self)
        self.portal = OfficePortalRepository(self)
        self.releases = ReleaseRepository(self)
        self.status = PublicStatusRepository(self)
        self.surveys = SurveyRepository(self)
        self.unsubscribe = UnsubscribeRepository(self)
        self.text_replies = TextReplyRepository(self)


class Offices(Protocol):
    def accepts_work(self) -> bool: ...

    def record(self, name: str, registered_at: datetime) -> None: ...


class Constituents(KnownConstituents, Protocol):
    def save(self, constituent: Constituent) -> None: ...


class Submissions(Protocol):
    def with_idempotency_key(self, key: str) -> EarlierSubmission | None: ...

    def add(self, submission: Submission) -> None: ...


class Attachments(Protocol):
    def add_all(
        self, submission_id: str, attachments: Sequence[StoredAttachment], received_at: datetime
    ) -> None: ...

    def add_sent(self, sent: DocumentsSent) -> None: ...

    def get(self, attachment_id: str) -> StoredAttachment | None: ...


class Portal(Protocol):
    """The office as the portal shows it, its own release wording, and its data key."""

    @property
    def office_id(self) -> str: ...

    def portal(self) -> PortalOffice | None: ...

    def own_release_text(self, language: str) -> tuple[str, str] | None: ...

    def release_text_history(self) -> list[ReleaseTextVersion]: ...

    def add_release_text(self, text: ReleaseTextVersion) -> None: ...

    def wrapped_key(self) -> tuple[bytes, str] | None: ...

    def add_wrapped_key(self, wrapped: bytes, master_key_id: str, created_at: Any) -> bool: ...


class Releases(Protocol):
    def add(
        self,
        release: Release,
        *,
        sealed_identifiers: bytes | None = None,
        signed_text: str | None = None,
        scan: StoredAttachment | None = None,
    ) -> None: ...

    def get(self, release_id: str) -> Release | None: ...

    def of_submission(self, submission_id: str) -> list[Release]: ...

    def secrets(self, release_id: str) -> ReleaseSecrets | None: ...

    def save_revocation(self, release: Release) -> None: ...


class Status(Protocol):
    def owner_by_tracking_code(self, tracking_code: str) -> SubmissionOwner | None: ...

    def owner(self, submission_id: str) -> SubmissionOwner | None: ...

    def case_of(self, submission_id: str) -> Any: ...

    def updates(self, submission_id: str) -> list[PublicUpdateView]: ...

    def case_opened(
        self, *, submission_id: str, case_id: str, reference: str, status: str, at: datetime
    ) -> None: ...

    def submission_of_case(self, case_id: str) -> str | None: ...

    def case_changed(
        self, case_id: str, *, status: str, at: datetime, result: str | None = None
    ) -> None: ...

    def add_update(self, update_id: str, submission_id: str, update: PublicUpdateView) -> None: ...

    def live_codes(self, submission_id: str, now: datetime) -> list[StatusCode]: ...

    def add_code(self, code: StatusCode) -> None: ...

    def save_code(self, code: StatusCode) -> None: ...


class Surveys(Protocol):
    def offer(self, survey: Survey) -> None: ...

    def by_digest(self, token_sha256: str) -> Survey | None: ...

    def save_rating(self, survey: Survey) -> None: ...

    def language_of_case(self, case_id: str) -> str | None: ...


class Unsubscribe(Protocol):
    def offer(self, link: UnsubscribeLink) -> None: ...

    def by_digest(self, token_sha256: str) -> UnsubscribeLink | None: ...

    def preferences(self, constituent_id: str) -> ContactPreferences | None: ...

    def save_preferences(self, preferences: ContactPreferences) -> None: ...


class TextReplies(Protocol):
    def take(self, reply: TextReply) -> bool: ...


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

    @property
    def attachments(self) -> Attachments: ...

    @property
    def portal(self) -> Portal: ...

    @property
    def releases(self) -> Releases: ...

    @property
    def status(self) -> Status: ...

    @property
    def surveys(self) -> Surveys: ...

    @property
    def unsubscribe(self) -> Unsubscribe: ...

    @property
    def text_replies(self) -> TextReplies: ...

    def audit(self, action: str, subject_type: str, subject_id: str) -> None: ...

    def commit(self) -> None: ...
