"""What agencies' service layer needs from storage and from the outside, as protocols:
`repository.py` and `adapters/` satisfy them with SQL, RPC and SMTP, `tests/fakes.py` with
dicts and lists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any, Protocol

from services.agencies.domain.consent import ReleaseRecord
from services.agencies.domain.inquiry import Inquiry, InquiryState
from services.agencies.domain.office import (
    CaseFacts,
    Contact,
    LiaisonSettings,
    Partner,
    Referral,
    TemplateVersion,
)
from services.agencies.domain.suggestions import CaseSuggestion


class Suggestions(Protocol):
    """The agency suggested for each of one office's cases."""

    def exists_for(self, case_id: str) -> bool: ...

    def add(self, suggestion: CaseSuggestion) -> CaseSuggestion: ...


class Contacts(Protocol):
    def list(self, agency_code: str | None = None) -> list[Contact]: ...

    def get(self, contact_id: str) -> Contact | None: ...

    def save(self, contact: Contact, at: datetime) -> bool: ...


class Partners(Protocol):
    def list(self) -> list[Partner]: ...

    def get(self, partner_id: str) -> Partner | None: ...

    def save(self, partner: Partner, at: datetime) -> bool: ...


class Settings(Protocol):
    def get(self) -> LiaisonSettings | None: ...

    def save(self, settings: LiaisonSettings, at: datetime) -> None: ...


class Templates(Protocol):
    def list(self) -> list[TemplateVersion]: ...

    def get(self, template_id: str) -> TemplateVersion | None: ...

    def latest_version(self, name: str) -> int: ...

    def add(self, template: TemplateVersion) -> None: ...

    def save_approval(self, template: TemplateVersion) -> None: ...


class ScheduleLike(Protocol):
    @property
    def due_on(self) -> date | None: ...

    @property
    def overdue_check_on(self) -> date | None: ...


class AttachmentLike(Protocol):
    @property
    def filename(self) -> str: ...

    @property
    def content_type(self) -> str: ...

    @property
    def content(self) -> bytes: ...


class Inquiries(Protocol):
    def get(self, inquiry_id: str, *, for_update: bool = False) -> Inquiry | None: ...

    def get_to_check(self, inquiry_id: str) -> Inquiry | None: ...

    def for_case(self, case_id: str) -> list[Inquiry]: ...

    def in_state(self, state: InquiryState) -> list[Inquiry]: ...

    def ever_sent(self) -> list[tuple[Inquiry, date | None]]: ...

    def add(self, inquiry: Inquiry, schedule: Any) -> Inquiry: ...

    def save(
        self, inquiry: Inquiry, schedule: Any, *, reply_attachments: dict[str, Any] | None = None
    ) -> None: ...

    def store_letter(self, inquiry_id: str, pdf: bytes) -> None: ...

    def letter(self, inquiry_id: str) -> bytes | None: ...


class Referrals(Protocol):
    def add(self, referral: Referral, letter: bytes | None = None) -> Referral: ...

    def for_case(self, case_id: str) -> list[Referral]: ...

    def letter(self, referral_id: str) -> tuple[Referral, bytes] | None: ...


class Releases(Protocol):
    def for_submission(self, submission_id: str) -> list[ReleaseRecord]: ...

    def signed(self, release: ReleaseRecord, constituent_id: str) -> None: ...

    def revoked(
        self,
        *,
        release_id: str,
        submission_id: str,
        constituent_id: str,
        agencies: tuple[str, ...],
        revoked_by: str,
        revoked_at: datetime,
    ) -> None: ...


class CaseProjections(Protocol):
    def get(self, case_id: str) -> CaseFacts | None: ...

    def save(self, case: CaseFacts) -> None: ...


class AgenciesWork(Protocol):
    """An agencies unit of work, real or fake."""

    office_id: str

    @property
    def suggestions(self) -> Suggestions: ...

    @property
    def contacts(self) -> Contacts: ...

    @property
    def partners(self) -> Partners: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def templates(self) -> Templates: ...

    @property
    def inquiries(self) -> Inquiries: ...

    @property
    def referrals(self) -> Referrals: ...

    @property
    def releases(self) -> Releases: ...

    @property
    def cases(self) -> CaseProjections: ...

    def track(self, aggregate: Any) -> Any: ...

    def audit(self, action: str, subject_type: str, subject_id: str) -> None: ...

    def commit(self) -> None: ...

    def after_commit(self, callback: Callable[[], None]) -> None: ...


class CaseParticulars(Protocol):
    """What a letter needs from the other services, asked as the acting staff member: the
    case (cases' `get_case`, the `CaseFile` contract), the constituent's particulars (intake's
    `letter_particulars`) and the signed release (intake's `release_pdf`)."""

    def case(self, office_id: str, case_id: str) -> dict[str, Any]: ...

    def particulars(
        self, office_id: str, submission_id: str, release_id: str | None
    ) -> dict[str, Any]: ...

    def release_document(self, office_id: str, release_id: str) -> tuple[str, str, bytes]:
        """(filename, content type, bytes) of the signed release."""
        ...


class Mailer(Protocol):
    """Sends one email as it is (Date and Message-ID already set)."""

    @property
    def sender_address(self) -> str: ...

    def send(self, message: EmailMessage) -> None: ...
