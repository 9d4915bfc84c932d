"""Intake's SQL for the privacy release and what it rests on: the office's portal settings,
data keys and release texts, the releases themselves (their sealed identifiers read only
through `ReleaseSecrets`), and the files constituents send."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import bindparam, select

from services.chassis.db import insert_on_conflict
from services.chassis.repository import OfficeScopedRepository
from services.intake.adapters.submissions import OFFICES, RELEASES
from services.intake.domain.attachments import StoredAttachment
from services.intake.domain.documents import DocumentsSent
from services.intake.domain.release_texts import ReleaseTextVersion
from services.intake.domain.releases import Release
from services.intake.domain.submissions import (
    PortalOffice,
)
from services.intake.models import Base

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

INSERT_RELEASE = RELEASES.insert()

ATTACHMENTS = Base.metadata.tables["attachments"]

OFFICE_KEYS = Base.metadata.tables["office_keys"]

RELEASE_TEXTS = Base.metadata.tables["release_texts"]

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


@dataclass(frozen=True)
class ReleaseSecrets:
    """What only an audited read may see: the sealed identifiers and a wet-signed scan."""

    sealed_identifiers: bytes | None
    signed_text: str | None
    scan: bytes | None
    scan_content_type: str | None
    scan_filename: str | None


class AttachmentRepository(OfficeScopedRepository):
    """The files constituents sent with their requests (bytes kept in intake's database)."""

    def add_all(
        self, submission_id: str, attachments: Sequence[StoredAttachment], received_at: datetime
    ) -> None:
        if not attachments:
            return
        self._session.execute(
            INSERT_ATTACHMENT,
            [
                self._params(
                    id=item.id,
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

    def add_sent(self, sent: DocumentsSent) -> None:
        """Files a constituent sent for their case from the status page: kept as the
        request's attachments are, announced when the unit of work commits."""
        self.add_all(sent.submission_id, sent.attachments, sent.sent_at)
        self._uow.track(sent)

    def get(self, attachment_id: str) -> StoredAttachment | None:
        row = self._row(ATTACHMENT_BY_ID, id=attachment_id)
        if row is None:
            return None
        return StoredAttachment(**row._mapping)


class OfficePortalRepository(OfficeScopedRepository):
    """What the portal shows of an office, the release text it uses, and its data key."""

    @property
    def office_id(self) -> str:
        return self._office_id

    def portal(self) -> PortalOffice | None:
        row = self._row(OFFICE_PORTAL)
        if row is None:
            return None
        return PortalOffice(self._office_id, row.name, row.release_valid_days)

    def own_release_text(self, language: str) -> tuple[str, str] | None:
        """The office's own wording of the release in `language` (version, text), if any."""
        row = self._row(LATEST_RELEASE_TEXT, language=language)
        return (row.version, row.text) if row else None

    def release_text_history(self) -> list[ReleaseTextVersion]:
        """Every version of the office's own release texts, by language, newest first."""
        rows = self._rows(RELEASE_TEXT_HISTORY)
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
        self._session.execute(
            INSERT_RELEASE_TEXT,
            self._params(
                language=text.language,
                version=text.version,
                text=text.text,
                created_at=text.created_at,
                created_by=text.created_by,
            ),
        )

    def wrapped_key(self) -> tuple[bytes, str] | None:
        row = self._row(OFFICE_KEY)
        return (bytes(row.wrapped_key), row.master_key_id) if row else None

    def add_wrapped_key(self, wrapped: bytes, master_key_id: str, created_at: datetime) -> bool:
        """Store the office's first data key; False when another transaction stored one first
        (the caller then reads that one)."""
        statement = (
            insert_on_conflict(self._uow.dialect, OFFICE_KEYS)
            .values(
                office_id=self._office_id,
                wrapped_key=wrapped,
                master_key_id=master_key_id,
                created_at=created_at,
            )
            .on_conflict_do_nothing(index_elements=[OFFICE_KEYS.c.office_id])
        )
        result = cast("CursorResult[Any]", self._session.execute(statement))
        return bool(result.rowcount)


class ReleaseRepository(OfficeScopedRepository):
    """The office's privacy releases: scope, evidence, expiry, revocation, and the sealed
    identifiers and scans (read only through `secrets`, which callers audit)."""

    def add(
        self,
        release: Release,
        *,
        sealed_identifiers: bytes | None = None,
        signed_text: str | None = None,
        scan: StoredAttachment | None = None,
    ) -> None:
        self._uow.track(release)
        self._session.execute(
            INSERT_RELEASE,
            self._params(
                id=release.id,
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
        row = self._row(RELEASE_BY_ID, id=release_id)
        return self._uow.track(release_from_row(row)) if row else None

    def of_submission(self, submission_id: str) -> list[Release]:
        rows = self._rows(RELEASES_OF_SUBMISSION, submission_id=submission_id)
        return [self._uow.track(release_from_row(row)) for row in rows]

    def secrets(self, release_id: str) -> ReleaseSecrets | None:
        row = self._row(RELEASE_SECRETS, id=release_id)
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
        self._session.execute(
            REVOKE_RELEASE,
            dict(
                release_office_id=self._office_id,
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
