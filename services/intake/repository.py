"""All of intake's SQL: offices, constituents and submissions of the unit of work's office.

Every query is scoped by `uow.office_id` here, never by an office id a caller passes. The
statements a submission runs are built once, so SQLAlchemy compiles and cache-keys them once
(this took intake from 131 to 248 submissions/s, docs/performance.md): bare `Table.insert()`
and `update()` run with parameter dicts, selects with `bindparam`s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam, exists, select

from services.chassis.db import insert_on_conflict
from services.chassis.errors import ChangedElsewhere
from services.intake.domain.attachments import StoredAttachment
from services.intake.domain.constituents import Constituent
from services.intake.domain.public_status import (
    PublicUpdateView,
    RequestOwner,
    StatusCode,
    SubmissionOwner,
)
from services.intake.domain.release_texts import ReleaseTextVersion
from services.intake.domain.releases import Release
from services.intake.domain.submissions import (
    EarlierSubmission,
    PortalOffice,
    Receipt,
    Submission,
)
from services.intake.domain.surveys import Survey
from services.intake.domain.unsubscribe import ContactPreferences, UnsubscribeLink
from services.intake.models import Base

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

    from services.chassis.uow import UnitOfWork

OFFICES = Base.metadata.tables["offices"]
CONSTITUENTS = Base.metadata.tables["constituents"]
SUBMISSIONS = Base.metadata.tables["submissions"]
RELEASES = Base.metadata.tables["privacy_releases"]

OFFICE_EXISTS = select(OFFICES.c.office_id).where(OFFICES.c.office_id == bindparam("office_id"))

_CONSTITUENT = (
    CONSTITUENTS.c.id,
    CONSTITUENTS.c.first_name,
    CONSTITUENTS.c.last_name,
    CONSTITUENTS.c.email,
    CONSTITUENTS.c.phone,
    CONSTITUENTS.c.address,
    CONSTITUENTS.c.preferred_language,
    CONSTITUENTS.c.created_at,
    CONSTITUENTS.c.preferred_channel,
)
CONSTITUENT_BY_EMAIL = select(*_CONSTITUENT).where(
    CONSTITUENTS.c.office_id == bindparam("office_id"),
    CONSTITUENTS.c.email_normalised == bindparam("email"),
)
CONSTITUENT_BY_PHONE = select(*_CONSTITUENT).where(
    CONSTITUENTS.c.office_id == bindparam("office_id"),
    CONSTITUENTS.c.phone_normalised == bindparam("phone"),
)
INSERT_CONSTITUENT = CONSTITUENTS.insert()
# The SET columns come from the parameter dict (always the same keys), as for an insert.
UPDATE_CONSTITUENT = CONSTITUENTS.update().where(
    CONSTITUENTS.c.id == bindparam("constituent_id"),
    CONSTITUENTS.c.office_id == bindparam("constituent_office_id"),
)

INSERT_SUBMISSION = SUBMISSIONS.insert()
INSERT_RELEASE = RELEASES.insert()
# One round trip answers a retry: the first receipt, its fingerprint, and whether it had a
# release.
EARLIER_SUBMISSION = select(
    SUBMISSIONS.c.id,
    SUBMISSIONS.c.tracking_code,
    SUBMISSIONS.c.received_at,
    SUBMISSIONS.c.request_fingerprint,
    exists()
    .where(
        RELEASES.c.submission_id == SUBMISSIONS.c.id,
        RELEASES.c.office_id == SUBMISSIONS.c.office_id,
    )
    .label("released"),
).where(
    SUBMISSIONS.c.office_id == bindparam("office_id"),
    SUBMISSIONS.c.idempotency_key == bindparam("key"),
)

# Offices are registered rarely and never removed: remember the ones seen, per database.
_known_offices: WeakKeyDictionary[object, set[str]] = WeakKeyDictionary()


class OfficeRepository:
    """Intake's projection of the offices gateway registers: who it accepts work for."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def accepts_work(self) -> bool:
        session = self._uow.session
        known = _known_offices.setdefault(session.get_bind(), set())
        office_id = self._uow.office_id
        if office_id in known:
            return True
        if session.execute(OFFICE_EXISTS, {"office_id": office_id}).first() is None:
            return False
        known.add(office_id)
        return True

    def record(self, name: str, registered_at: datetime) -> None:
        """Add the office, or rename it (it keeps the time it was first registered)."""
        statement = insert_on_conflict(self._uow.dialect, OFFICES).values(
            office_id=self._uow.office_id, name=name, registered_at=registered_at
        )
        self._uow.session.execute(
            statement.on_conflict_do_update(
                index_elements=[OFFICES.c.office_id], set_={"name": statement.excluded.name}
            )
        )


class ConstituentRepository:
    """The office's constituents, found by normalised email or phone (`KnownConstituents`)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._loaded: set[str] = set()

    def with_email(self, email_normalised: str) -> Constituent | None:
        return self._first(CONSTITUENT_BY_EMAIL, {"email": email_normalised})

    def with_phone(self, phone_normalised: str) -> Constituent | None:
        return self._first(CONSTITUENT_BY_PHONE, {"phone": phone_normalised})

    def _first(self, statement: Any, params: dict[str, str]) -> Constituent | None:
        row = self._uow.session.execute(
            statement, {"office_id": self._uow.office_id, **params}
        ).first()
        if row is None:
            return None
        self._loaded.add(row.id)
        # The selected columns are the aggregate's fields, by name.
        return self._uow.track(Constituent(**row._mapping))

    def save(self, constituent: Constituent) -> None:
        """Insert a new constituent, or write back the contact details of a loaded one."""
        self._uow.track(constituent)
        contact = dict(
            phone=constituent.phone,
            phone_normalised=constituent.phone_normalised,
            address=constituent.address,
            preferred_language=constituent.preferred_language,
            preferred_channel=constituent.preferred_channel,
        )
        if constituent.id in self._loaded:
            self._uow.session.execute(
                UPDATE_CONSTITUENT,
                dict(
                    contact,
                    constituent_id=constituent.id,
                    constituent_office_id=self._uow.office_id,
                ),
            )
            return
        self._uow.session.execute(
            INSERT_CONSTITUENT,
            dict(
                contact,
                id=constituent.id,
                office_id=self._uow.office_id,
                first_name=constituent.first_name,
                last_name=constituent.last_name,
                email=constituent.email,
                email_normalised=constituent.email_normalised,
                created_at=constituent.created_at,
            ),
        )
        self._loaded.add(constituent.id)


class SubmissionRepository:
    """The office's submissions and the privacy releases signed with them."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def with_idempotency_key(self, key: str) -> EarlierSubmission | None:
        row = self._uow.session.execute(
            EARLIER_SUBMISSION, {"office_id": self._uow.office_id, "key": key}
        ).first()
        if row is None:
            return None
        return EarlierSubmission(
            receipt=Receipt(
                submission_id=row.id,
                tracking_code=row.tracking_code,
                received_at=row.received_at.isoformat(),
                privacy_release_recorded=bool(row.released),
            ),
            request_fingerprint=row.request_fingerprint,
        )

    def add(self, submission: Submission) -> None:
        """Store a new submission and its release; its recorded event goes out on commit."""
        self._uow.track(submission)
        session = self._uow.session
        office_id = self._uow.office_id
        request = submission.request
        idempotency = submission.idempotency
        session.execute(
            INSERT_SUBMISSION,
            dict(
                id=submission.id,
                office_id=office_id,
                tracking_code=submission.tracking_code,
                constituent_id=submission.constituent_id,
                channel=request.channel,
                category=request.category,
                agency_hint=request.agency,
                subject=request.subject,
                description=request.description,
                urgent=request.urgent,
                urgency_reason=request.urgency_reason,
                idempotency_key=idempotency.key if idempotency else None,
                request_fingerprint=idempotency.fingerprint if idempotency else None,
                received_at=submission.received_at,
            ),
        )


ATTACHMENTS = Base.metadata.tables["attachments"]
OFFICE_KEYS = Base.metadata.tables["office_keys"]
RELEASE_TEXTS = Base.metadata.tables["release_texts"]
PUBLIC_CASES = Base.metadata.tables["public_cases"]
PUBLIC_UPDATES = Base.metadata.tables["public_updates"]
STATUS_CODES = Base.metadata.tables["status_codes"]

INSERT_ATTACHMENT = ATTACHMENTS.insert()
_ATTACHMENT_META = (
    ATTACHMENTS.c.id,
    ATTACHMENTS.c.filename,
    ATTACHMENTS.c.content_type,
    ATTACHMENTS.c.size_bytes,
    ATTACHMENTS.c.sha256,
)
ATTACHMENT_BY_ID = select(*_ATTACHMENT_META, ATTACHMENTS.c.content).where(
    ATTACHMENTS.c.office_id == bindparam("office_id"), ATTACHMENTS.c.id == bindparam("id")
)

OFFICE_PORTAL = select(OFFICES.c.name, OFFICES.c.release_valid_days).where(
    OFFICES.c.office_id == bindparam("office_id")
)
OFFICE_KEY = select(OFFICE_KEYS.c.wrapped_key, OFFICE_KEYS.c.master_key_id).where(
    OFFICE_KEYS.c.office_id == bindparam("office_id")
)
LATEST_RELEASE_TEXT = (
    select(RELEASE_TEXTS.c.version, RELEASE_TEXTS.c.text)
    .where(
        RELEASE_TEXTS.c.office_id == bindparam("office_id"),
        RELEASE_TEXTS.c.language == bindparam("language"),
    )
    .order_by(RELEASE_TEXTS.c.created_at.desc())
    .limit(1)
)
RELEASE_TEXT_HISTORY = (
    select(
        RELEASE_TEXTS.c.version,
        RELEASE_TEXTS.c.language,
        RELEASE_TEXTS.c.text,
        RELEASE_TEXTS.c.created_at,
        RELEASE_TEXTS.c.created_by,
    )
    .where(RELEASE_TEXTS.c.office_id == bindparam("office_id"))
    .order_by(RELEASE_TEXTS.c.language, RELEASE_TEXTS.c.created_at.desc())
)
INSERT_RELEASE_TEXT = RELEASE_TEXTS.insert()

_RELEASE = (
    RELEASES.c.id,
    RELEASES.c.submission_id,
    RELEASES.c.constituent_id,
    RELEASES.c.kind,
    RELEASES.c.agencies,
    RELEASES.c.signature_name,
    RELEASES.c.language,
    RELEASES.c.consent_text_version,
    RELEASES.c.text_sha256,
    RELEASES.c.signed_at,
    RELEASES.c.expires_at,
    RELEASES.c.signer_ip,
    RELEASES.c.signer_user_agent,
    RELEASES.c.identifier_kinds,
    RELEASES.c.revoked_at,
    RELEASES.c.revoked_by,
    RELEASES.c.revoked_by_user,
    RELEASES.c.revocation_reason,
)
RELEASE_BY_ID = select(*_RELEASE).where(
    RELEASES.c.office_id == bindparam("office_id"), RELEASES.c.id == bindparam("id")
)
RELEASES_OF_SUBMISSION = (
    select(*_RELEASE)
    .where(
        RELEASES.c.office_id == bindparam("office_id"),
        RELEASES.c.submission_id == bindparam("submission_id"),
    )
    .order_by(RELEASES.c.signed_at.desc())
)
RELEASE_SECRETS = select(
    RELEASES.c.identifiers,
    RELEASES.c.signed_text,
    RELEASES.c.scan,
    RELEASES.c.scan_content_type,
    RELEASES.c.scan_filename,
).where(RELEASES.c.office_id == bindparam("office_id"), RELEASES.c.id == bindparam("id"))
REVOKE_RELEASE = RELEASES.update().where(
    RELEASES.c.office_id == bindparam("release_office_id"), RELEASES.c.id == bindparam("release_id")
)

SUBMISSION_OWNER = (
    select(
        SUBMISSIONS.c.id,
        SUBMISSIONS.c.tracking_code,
        SUBMISSIONS.c.subject,
        SUBMISSIONS.c.category,
        SUBMISSIONS.c.description,
        SUBMISSIONS.c.received_at,
        SUBMISSIONS.c.constituent_id,
        CONSTITUENTS.c.first_name,
        CONSTITUENTS.c.last_name,
        CONSTITUENTS.c.email,
        CONSTITUENTS.c.phone,
        CONSTITUENTS.c.address,
        CONSTITUENTS.c.preferred_language,
    )
    .join(CONSTITUENTS, CONSTITUENTS.c.id == SUBMISSIONS.c.constituent_id)
    .where(SUBMISSIONS.c.office_id == bindparam("office_id"))
)
SUBMISSION_BY_TRACKING = SUBMISSION_OWNER.where(
    SUBMISSIONS.c.tracking_code == bindparam("tracking_code")
)
SUBMISSION_BY_ID = SUBMISSION_OWNER.where(SUBMISSIONS.c.id == bindparam("submission_id"))

PUBLIC_CASE = select(PUBLIC_CASES.c.reference, PUBLIC_CASES.c.status, PUBLIC_CASES.c.result).where(
    PUBLIC_CASES.c.office_id == bindparam("office_id"),
    PUBLIC_CASES.c.submission_id == bindparam("submission_id"),
)
SUBMISSION_OF_CASE = select(PUBLIC_CASES.c.submission_id).where(
    PUBLIC_CASES.c.office_id == bindparam("office_id"),
    PUBLIC_CASES.c.case_id == bindparam("case_id"),
)
UPDATE_PUBLIC_CASE = PUBLIC_CASES.update().where(
    PUBLIC_CASES.c.office_id == bindparam("case_office_id"),
    PUBLIC_CASES.c.case_id == bindparam("the_case_id"),
)
PUBLIC_UPDATES_OF = (
    select(
        PUBLIC_UPDATES.c.kind,
        PUBLIC_UPDATES.c.status,
        PUBLIC_UPDATES.c.text,
        PUBLIC_UPDATES.c.occurred_at,
        PUBLIC_UPDATES.c.documents,
    )
    .where(
        PUBLIC_UPDATES.c.office_id == bindparam("office_id"),
        PUBLIC_UPDATES.c.submission_id == bindparam("submission_id"),
    )
    .order_by(PUBLIC_UPDATES.c.occurred_at, PUBLIC_UPDATES.c.id)
)

_STATUS_CODE = (
    STATUS_CODES.c.id,
    STATUS_CODES.c.submission_id,
    STATUS_CODES.c.code_sha256,
    STATUS_CODES.c.expires_at,
    STATUS_CODES.c.attempts,
    STATUS_CODES.c.used_at,
)
LIVE_STATUS_CODES = (
    select(*_STATUS_CODE)
    .where(
        STATUS_CODES.c.office_id == bindparam("office_id"),
        STATUS_CODES.c.submission_id == bindparam("submission_id"),
        STATUS_CODES.c.expires_at > bindparam("now"),
    )
    .order_by(STATUS_CODES.c.expires_at.desc())
)
UPDATE_STATUS_CODE = STATUS_CODES.update().where(
    STATUS_CODES.c.office_id == bindparam("code_office_id"),
    STATUS_CODES.c.id == bindparam("code_id"),
)


@dataclass(frozen=True)
class ReleaseSecrets:
    """What only an audited read may see: the sealed identifiers and a wet-signed scan."""

    sealed_identifiers: bytes | None
    signed_text: str | None
    scan: bytes | None
    scan_content_type: str | None
    scan_filename: str | None


class AttachmentRepository:
    """The files constituents sent with their requests (bytes kept in intake's database)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def add_all(
        self, submission_id: str, attachments: Sequence[StoredAttachment], received_at: datetime
    ) -> None:
        if not attachments:
            return
        office_id = self._uow.office_id
        self._uow.session.execute(
            INSERT_ATTACHMENT,
            [
                dict(
                    id=item.id,
                    office_id=office_id,
                    submission_id=submission_id,
                    filename=item.filename,
                    content_type=item.content_type,
                    size_bytes=item.size_bytes,
                    sha256=item.sha256,
                    content=item.content,
                    received_at=received_at,
                )
                for item in attachments
            ],
        )

    def get(self, attachment_id: str) -> StoredAttachment | None:
        row = self._uow.session.execute(
            ATTACHMENT_BY_ID, {"office_id": self._uow.office_id, "id": attachment_id}
        ).first()
        if row is None:
            return None
        return StoredAttachment(**row._mapping)


class OfficePortalRepository:
    """What the portal shows of an office, the release text it uses, and its data key."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def office_id(self) -> str:
        return self._uow.office_id

    def portal(self) -> PortalOffice | None:
        row = self._uow.session.execute(OFFICE_PORTAL, {"office_id": self._uow.office_id}).first()
        if row is None:
            return None
        return PortalOffice(self._uow.office_id, row.name, row.release_valid_days)

    def own_release_text(self, language: str) -> tuple[str, str] | None:
        """The office's own wording of the release in `language` (version, text), if any."""
        row = self._uow.session.execute(
            LATEST_RELEASE_TEXT, {"office_id": self._uow.office_id, "language": language}
        ).first()
        return (row.version, row.text) if row else None

    def release_text_history(self) -> list[ReleaseTextVersion]:
        """Every version of the office's own release texts, by language, newest first."""
        rows = self._uow.session.execute(RELEASE_TEXT_HISTORY, {"office_id": self._uow.office_id})
        return [
            ReleaseTextVersion(
                version=row.version,
                language="es" if row.language == "es" else "en",
                text=row.text,
                created_at=row.created_at,
                created_by=row.created_by,
            )
            for row in rows
        ]

    def add_release_text(self, text: ReleaseTextVersion) -> None:
        """A new version; one of the same office, language and version (a save at the same
        moment) fails on the primary key, and the caller tries again."""
        self._uow.session.execute(
            INSERT_RELEASE_TEXT,
            {
                "office_id": self._uow.office_id,
                "language": text.language,
                "version": text.version,
                "text": text.text,
                "created_at": text.created_at,
                "created_by": text.created_by,
            },
        )

    def wrapped_key(self) -> tuple[bytes, str] | None:
        row = self._uow.session.execute(OFFICE_KEY, {"office_id": self._uow.office_id}).first()
        return (bytes(row.wrapped_key), row.master_key_id) if row else None

    def add_wrapped_key(self, wrapped: bytes, master_key_id: str, created_at: datetime) -> bool:
        """Store the office's first data key; False when another transaction stored one first
        (the caller then reads that one)."""
        statement = (
            insert_on_conflict(self._uow.dialect, OFFICE_KEYS)
            .values(
                office_id=self._uow.office_id,
                wrapped_key=wrapped,
                master_key_id=master_key_id,
                created_at=created_at,
            )
            .on_conflict_do_nothing(index_elements=[OFFICE_KEYS.c.office_id])
        )
        result = cast("CursorResult[Any]", self._uow.session.execute(statement))
        return bool(result.rowcount)


class ReleaseRepository:
    """The office's privacy releases: scope, evidence, expiry, revocation, and the sealed
    identifiers and scans (read only through `secrets`, which callers audit)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def add(
        self,
        release: Release,
        *,
        sealed_identifiers: bytes | None = None,
        signed_text: str | None = None,
        scan: StoredAttachment | None = None,
    ) -> None:
        self._uow.track(release)
        self._uow.session.execute(
            INSERT_RELEASE,
            dict(
                id=release.id,
                office_id=self._uow.office_id,
                constituent_id=release.constituent_id,
                submission_id=release.submission_id,
                kind=release.kind,
                signature_name=release.signature_name or "",
                agencies=list(release.agencies),
                language=release.language,
                consent_text_version=release.text_version,
                signed_text=signed_text,
                text_sha256=release.text_sha256,
                signed_at=release.signed_at,
                expires_at=release.expires_at,
                signer_ip=release.signer_ip,
                signer_user_agent=release.signer_user_agent,
                identifiers=sealed_identifiers,
                identifier_kinds=list(release.identifier_kinds),
                scan=scan.content if scan else None,
                scan_content_type=scan.content_type if scan else None,
                scan_filename=scan.filename if scan else None,
            ),
        )

    def get(self, release_id: str) -> Release | None:
        row = self._uow.session.execute(
            RELEASE_BY_ID, {"office_id": self._uow.office_id, "id": release_id}
        ).first()
        return self._uow.track(release_from_row(row)) if row else None

    def of_submission(self, submission_id: str) -> list[Release]:
        rows = self._uow.session.execute(
            RELEASES_OF_SUBMISSION,
            {"office_id": self._uow.office_id, "submission_id": submission_id},
        ).all()
        return [self._uow.track(release_from_row(row)) for row in rows]

    def secrets(self, release_id: str) -> ReleaseSecrets | None:
        row = self._uow.session.execute(
            RELEASE_SECRETS, {"office_id": self._uow.office_id, "id": release_id}
        ).first()
        if row is None:
            return None
        return ReleaseSecrets(
            sealed_identifiers=bytes(row.identifiers) if row.identifiers else None,
            signed_text=row.signed_text,
            scan=bytes(row.scan) if row.scan else None,
            scan_content_type=row.scan_content_type,
            scan_filename=row.scan_filename,
        )

    def save_revocation(self, release: Release) -> None:
        self._uow.session.execute(
            REVOKE_RELEASE,
            dict(
                release_office_id=self._uow.office_id,
                release_id=release.id,
                revoked_at=release.revoked_at,
                revoked_by=release.revoked_by,
                revoked_by_user=release.revoked_by_user,
                revocation_reason=release.revocation_reason,
            ),
        )


def release_from_row(row: Any) -> Release:
    return Release.restore(
        id=row.id,
        submission_id=row.submission_id,
        constituent_id=row.constituent_id,
        kind=row.kind,
        agencies=tuple(row.agencies or ()),
        signature_name=row.signature_name or None,
        language=row.language,
        text_version=row.consent_text_version,
        text_sha256=row.text_sha256,
        signed_at=row.signed_at,
        expires_at=row.expires_at,
        signer_ip=row.signer_ip,
        signer_user_agent=row.signer_user_agent,
        identifier_kinds=row.identifier_kinds,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        revoked_by_user=row.revoked_by_user,
        revocation_reason=row.revocation_reason,
    )


class PublicStatusRepository:
    """Intake's projection of cases for the status page, and the one-time codes that open it."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def owner_by_tracking_code(self, tracking_code: str) -> SubmissionOwner | None:
        return self._owner(SUBMISSION_BY_TRACKING, {"tracking_code": tracking_code})

    def owner(self, submission_id: str) -> SubmissionOwner | None:
        return self._owner(SUBMISSION_BY_ID, {"submission_id": submission_id})

    def _owner(self, statement: Any, params: dict[str, str]) -> SubmissionOwner | None:
        row = self._uow.session.execute(
            statement, {"office_id": self._uow.office_id, **params}
        ).first()
        if row is None:
            return None
        address = row.address or {}
        return SubmissionOwner(
            owner=RequestOwner(
                submission_id=row.id,
                tracking_code=row.tracking_code,
                email=row.email,
                last_name=row.last_name,
                postal_code=address.get("postal_code"),
                language=row.preferred_language,
            ),
            constituent_id=row.constituent_id,
            display_name=f"{row.first_name} {row.last_name}".strip(),
            subject=row.subject,
            category=row.category,
            received_at=row.received_at,
            address=dict(address),
            phone=row.phone,
            description=row.description,
        )

    def case_of(self, submission_id: str) -> Any:
        return self._uow.session.execute(
            PUBLIC_CASE, {"office_id": self._uow.office_id, "submission_id": submission_id}
        ).first()

    def updates(self, submission_id: str) -> list[PublicUpdateView]:
        rows = self._uow.session.execute(
            PUBLIC_UPDATES_OF, {"office_id": self._uow.office_id, "submission_id": submission_id}
        ).all()
        return [PublicUpdateView(**row._mapping) for row in rows]

    def case_opened(
        self, *, submission_id: str, case_id: str, reference: str, status: str, at: datetime
    ) -> None:
        statement = insert_on_conflict(self._uow.dialect, PUBLIC_CASES).values(
            submission_id=submission_id,
            office_id=self._uow.office_id,
            case_id=case_id,
            reference=reference,
            status=status,
            updated_at=at,
        )
        self._uow.session.execute(
            statement.on_conflict_do_nothing(index_elements=[PUBLIC_CASES.c.submission_id])
        )

    def submission_of_case(self, case_id: str) -> str | None:
        return self._uow.session.execute(
            SUBMISSION_OF_CASE, {"office_id": self._uow.office_id, "case_id": case_id}
        ).scalar()

    def case_changed(
        self, case_id: str, *, status: str, at: datetime, result: str | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status, "updated_at": at}
        if result is not None:
            values["result"] = result
        self._uow.session.execute(
            UPDATE_PUBLIC_CASE.values(**values),
            {"case_office_id": self._uow.office_id, "the_case_id": case_id},
        )

    def add_update(
        self,
        update_id: str,
        submission_id: str,
        update: PublicUpdateView,
    ) -> None:
        statement = insert_on_conflict(self._uow.dialect, PUBLIC_UPDATES).values(
            id=update_id,
            office_id=self._uow.office_id,
            submission_id=submission_id,
            kind=update.kind,
            status=update.status,
            text=update.text,
            occurred_at=update.occurred_at,
            documents=update.documents,
        )
        self._uow.session.execute(
            statement.on_conflict_do_nothing(index_elements=[PUBLIC_UPDATES.c.id])
        )

    def live_codes(self, submission_id: str, now: datetime) -> list[StatusCode]:
        rows = self._uow.session.execute(
            LIVE_STATUS_CODES,
            {"office_id": self._uow.office_id, "submission_id": submission_id, "now": now},
        ).all()
        return [StatusCode(**row._mapping) for row in rows]

    def add_code(self, code: StatusCode) -> None:
        self._uow.track(code)
        self._uow.session.execute(
            STATUS_CODES.insert(),
            dict(
                id=code.id,
                office_id=self._uow.office_id,
                submission_id=code.submission_id,
                code_sha256=code.code_sha256,
                expires_at=code.expires_at,
                attempts=code.attempts,
            ),
        )

    def save_code(self, code: StatusCode) -> None:
        self._uow.session.execute(
            UPDATE_STATUS_CODE,
            dict(
                code_office_id=self._uow.office_id,
                code_id=code.id,
                attempts=code.attempts,
                used_at=code.used_at,
            ),
        )


SURVEYS = Base.metadata.tables["surveys"]
_SURVEY = (
    SURVEYS.c.survey_id,
    SURVEYS.c.case_id,
    SURVEYS.c.token_sha256,
    SURVEYS.c.offered_at,
    SURVEYS.c.rating,
    SURVEYS.c.rated_at,
)
SURVEY_BY_DIGEST = select(*_SURVEY).where(
    SURVEYS.c.office_id == bindparam("office_id"),
    SURVEYS.c.token_sha256 == bindparam("token_sha256"),
)
RATE_SURVEY = SURVEYS.update().where(
    SURVEYS.c.office_id == bindparam("survey_office_id"),
    SURVEYS.c.survey_id == bindparam("the_survey_id"),
)
LANGUAGE_OF_CASE = (
    select(CONSTITUENTS.c.preferred_language)
    .select_from(PUBLIC_CASES)
    .join(SUBMISSIONS, SUBMISSIONS.c.id == PUBLIC_CASES.c.submission_id)
    .join(CONSTITUENTS, CONSTITUENTS.c.id == SUBMISSIONS.c.constituent_id)
    .where(
        PUBLIC_CASES.c.office_id == bindparam("office_id"),
        PUBLIC_CASES.c.case_id == bindparam("case_id"),
    )
)


class SurveyRepository:
    """The satisfaction surveys of one office's closure messages, known by their links'
    digests."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def offer(self, survey: Survey) -> None:
        """Keep a survey notify offered; one already kept (a replayed event) stays as it is."""
        statement = insert_on_conflict(self._uow.dialect, SURVEYS).values(
            survey_id=survey.survey_id,
            office_id=self._uow.office_id,
            case_id=survey.case_id,
            token_sha256=survey.token_sha256,
            offered_at=survey.offered_at,
        )
        self._uow.session.execute(
            statement.on_conflict_do_nothing(index_elements=[SURVEYS.c.survey_id])
        )

    def by_digest(self, token_sha256: str) -> Survey | None:
        row = self._uow.session.execute(
            SURVEY_BY_DIGEST, {"office_id": self._uow.office_id, "token_sha256": token_sha256}
        ).first()
        if row is None:
            return None
        return self._uow.track(Survey(**row._mapping))

    def save_rating(self, survey: Survey) -> None:
        self._uow.session.execute(
            RATE_SURVEY,
            {
                "survey_office_id": self._uow.office_id,
                "the_survey_id": survey.survey_id,
                "rating": survey.rating,
                "rated_at": survey.rated_at,
            },
        )

    def language_of_case(self, case_id: str) -> str | None:
        """The constituent's language, for the survey page (None for a case intake has not
        seen opened)."""
        return cast(
            "str | None",
            self._uow.session.execute(
                LANGUAGE_OF_CASE, {"office_id": self._uow.office_id, "case_id": case_id}
            ).scalar(),
        )


UNSUBSCRIBE_LINKS = Base.metadata.tables["unsubscribe_links"]
UNSUBSCRIBE_LINK_BY_DIGEST = select(
    UNSUBSCRIBE_LINKS.c.constituent_id,
    UNSUBSCRIBE_LINKS.c.token_sha256,
    UNSUBSCRIBE_LINKS.c.offered_at,
).where(
    UNSUBSCRIBE_LINKS.c.office_id == bindparam("office_id"),
    UNSUBSCRIBE_LINKS.c.token_sha256 == bindparam("token_sha256"),
)
CONTACT_PREFERENCES = select(
    CONSTITUENTS.c.id.label("constituent_id"),
    CONSTITUENTS.c.preferred_language.label("language"),
    CONSTITUENTS.c.email_opted_out_at,
).where(
    CONSTITUENTS.c.office_id == bindparam("office_id"),
    CONSTITUENTS.c.id == bindparam("constituent_id"),
)
# A choice is written over the one it was made against (compare-and-set): of two clicks at
# once, the second finds the first's and changes nothing.
_PREFERENCES_OF = (
    CONSTITUENTS.c.office_id == bindparam("constituent_office_id"),
    CONSTITUENTS.c.id == bindparam("the_constituent_id"),
)
STOP_EMAIL = CONSTITUENTS.update().where(
    *_PREFERENCES_OF, CONSTITUENTS.c.email_opted_out_at.is_(None)
)
RESUME_EMAIL = CONSTITUENTS.update().where(
    *_PREFERENCES_OF, CONSTITUENTS.c.email_opted_out_at.isnot(None)
)


class UnsubscribeRepository:
    """The office's unsubscribe links, known by their digests, and its constituents' contact
    preferences (kept on `constituents`)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def offer(self, link: UnsubscribeLink) -> None:
        """Keep the link notify offered for a constituent. The same offer again (a replayed
        event) changes nothing; a later one for the same constituent, with another secret,
        replaces it (notify makes one per constituent, so only a notify that lost its secret
        would): the links in their newest emails are the ones that work."""
        statement = insert_on_conflict(self._uow.dialect, UNSUBSCRIBE_LINKS).values(
            office_id=self._uow.office_id,
            constituent_id=link.constituent_id,
            token_sha256=link.token_sha256,
            offered_at=link.offered_at,
        )
        self._uow.session.execute(
            statement.on_conflict_do_update(
                index_elements=[UNSUBSCRIBE_LINKS.c.office_id, UNSUBSCRIBE_LINKS.c.constituent_id],
                set_={
                    "token_sha256": statement.excluded.token_sha256,
                    "offered_at": statement.excluded.offered_at,
                },
                where=UNSUBSCRIBE_LINKS.c.offered_at < statement.excluded.offered_at,
            )
        )

    def by_digest(self, token_sha256: str) -> UnsubscribeLink | None:
        row = self._uow.session.execute(
            UNSUBSCRIBE_LINK_BY_DIGEST,
            {"office_id": self._uow.office_id, "token_sha256": token_sha256},
        ).first()
        return UnsubscribeLink(**row._mapping) if row else None

    def preferences(self, constituent_id: str) -> ContactPreferences | None:
        row = self._uow.session.execute(
            CONTACT_PREFERENCES,
            {"office_id": self._uow.office_id, "constituent_id": constituent_id},
        ).first()
        if row is None:
            return None
        return self._uow.track(ContactPreferences(**row._mapping))

    def save_preferences(self, preferences: ContactPreferences) -> None:
        """Write the constituent's choice over the one read: ChangedElsewhere when another
        request changed it in between (the caller reads it again, and finds it made)."""
        statement = RESUME_EMAIL if preferences.email_opted_out_at is None else STOP_EMAIL
        result = cast(
            "CursorResult[Any]",
            self._uow.session.execute(
                statement,
                {
                    "constituent_office_id": self._uow.office_id,
                    "the_constituent_id": preferences.constituent_id,
                    "email_opted_out_at": preferences.email_opted_out_at,
                },
            ),
        )
        if result.rowcount != 1:
            raise ChangedElsewhere(
                f"constituent {preferences.constituent_id}'s preferences moved elsewhere"
            )
