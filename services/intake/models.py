"""Intake's tables: offices it accepts work for, constituents, submissions, privacy releases,
surveys, unsubscribe links and the opt-outs replied to texts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.chassis.db import UTCDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class Office(Base):
    """Projection of `gateway.office_registered`: the tenants intake accepts submissions for."""

    __tablename__ = "offices"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # How long a privacy release signed for this office holds (the CASES Act leaves it to the
    # office; a year is the common choice).
    release_valid_days: Mapped[int] = mapped_column(Integer, server_default="365")


class Constituent(Base):
    __tablename__ = "constituents"
    __table_args__ = (
        Index("ix_constituents_office_email", "office_id", "email_normalised"),
        Index("ix_constituents_office_phone", "office_id", "phone_normalised"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    email_normalised: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    phone_normalised: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[dict[str, str] | None] = mapped_column(JSON)
    preferred_language: Mapped[str] = mapped_column(String(5))
    preferred_channel: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Since when they take no email about their requests from the office (None: they do),
    # chosen through the unsubscribe link in an email or by asking staff.
    email_opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("office_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64), index=True)
    tracking_code: Mapped[str] = mapped_column(String(9), unique=True)
    constituent_id: Mapped[str] = mapped_column(ForeignKey("constituents.id"))
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))
    agency_hint: Mapped[str | None] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean)
    urgency_reason: Mapped[str | None] = mapped_column(String(500))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    # SHA-256 (hex) of the canonical body first sent with `idempotency_key`.
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PrivacyRelease(Base):
    """Written consent (Privacy Act) with the evidence of an electronic signature, or a
    wet-signed scan filed by staff; its scope (agencies), expiry and revocation.

    `identifiers` is AES-GCM ciphertext under the office's data key (`office_keys`): the
    agency identifiers the constituent gave. `identifier_kinds` names which were given."""

    __tablename__ = "privacy_releases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64), index=True)
    constituent_id: Mapped[str] = mapped_column(ForeignKey("constituents.id"), index=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"))
    signature_name: Mapped[str] = mapped_column(String(200))
    agencies: Mapped[list[str]] = mapped_column(JSON)
    consent_text_version: Mapped[str] = mapped_column(String(20))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signer_ip: Mapped[str | None] = mapped_column(String(45))
    signer_user_agent: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(12), server_default="e_signed")
    language: Mapped[str] = mapped_column(String(5), server_default="en")
    # The exact release text the constituent was shown and signed, and its SHA-256 (hex).
    signed_text: Mapped[str | None] = mapped_column(Text)
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identifiers: Mapped[bytes | None] = mapped_column(LargeBinary)
    identifier_kinds: Mapped[list[str] | None] = mapped_column(JSON)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(12))
    revoked_by_user: Mapped[str | None] = mapped_column(String(64))
    revocation_reason: Mapped[str | None] = mapped_column(String(500))
    # A wet-signed release: the scan staff filed (the e-signed one is rendered on demand).
    scan: Mapped[bytes | None] = mapped_column(LargeBinary)
    scan_content_type: Mapped[str | None] = mapped_column(String(40))
    scan_filename: Mapped[str | None] = mapped_column(String(200))


class OfficeKey(Base):
    """The office's data key, wrapped (AES-GCM) by the installation's master key: what
    encrypts its constituents' agency identifiers."""

    __tablename__ = "office_keys"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    # Which master key wrapped it (rotation re-wraps data keys, never re-encrypts data).
    master_key_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReleaseText(Base):
    """An office's own wording of the release, per language and version (offices without
    one use the installation's default text). Rows are only added: the latest is the text the
    portal shows, and a signed release names the version it was signed under."""

    __tablename__ = "release_texts"
    __table_args__ = (PrimaryKeyConstraint("office_id", "language", "version"),)

    office_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5))
    version: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The office admin who saved it (their user id, as audit rows name them); None for a
    # version kept before admins edited the text in the staff app.
    created_by: Mapped[str | None] = mapped_column(String(100))


class Attachment(Base):
    """A file a constituent sent with a request (PDF, JPEG or PNG, type checked by content)."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PublicCase(Base):
    """Projection of cases' events for the public status page: the state of a request in
    words a constituent understands (no RPC at page time: it works while cases is down)."""

    __tablename__ = "public_cases"

    submission_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(36), unique=True)
    reference: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(30))
    result: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PublicUpdate(Base):
    """One entry of a request's public timeline: opened, a status change, closed, or an
    update a caseworker wrote for the constituent. Internal notes never get here."""

    __tablename__ = "public_updates"
    __table_args__ = (Index("ix_public_updates_office_submission", "office_id", "submission_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the cause's event or note id
    office_id: Mapped[str] = mapped_column(String(64))
    submission_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(30))
    text: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What a request for documents asks for, one a line (None for any other update).
    documents: Mapped[str | None] = mapped_column(Text)


class StatusCode(Base):
    """A one-time code mailed to a constituent to open their request's status page (only its
    hash is kept; it expires within minutes and allows a few tries)."""

    __tablename__ = "status_codes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))
    submission_id: Mapped[str] = mapped_column(String(36), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Survey(Base):
    """A closure message's satisfaction survey: the SHA-256 of its links' secret (notify keeps
    the secret) and the constituent's latest rating, 1 to 5, once they click one."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("office_id", "token_sha256"),)

    survey_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(Integer)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UnsubscribeLink(Base):
    """The unsubscribe link every email to a constituent of the office carries: the SHA-256 of
    its secret (notify keeps the secret), one per constituent. What they choose through it is
    kept on the constituent (`constituents.email_opted_out_at`)."""

    __tablename__ = "unsubscribe_links"
    __table_args__ = (
        PrimaryKeyConstraint("office_id", "constituent_id"),
        UniqueConstraint("office_id", "token_sha256"),
    )

    office_id: Mapped[str] = mapped_column(String(64))
    constituent_id: Mapped[str] = mapped_column(String(36))
    token_sha256: Mapped[str] = mapped_column(String(64))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TextReply(Base):
    """An opt-out or opt-in replied to the platform's sending number, taken once by the
    provider's id for it (the webhook called again with it changes nothing). Its tenant is the
    platform (`vocabulary.PLATFORM_TENANT`): the reply is to no one office. Neither the number
    nor the message is kept (the event carries the number to notify)."""

    __tablename__ = "text_replies"
    __table_args__ = (PrimaryKeyConstraint("office_id", "message_sid"),)

    office_id: Mapped[str] = mapped_column(String(64))
    message_sid: Mapped[str] = mapped_column(String(34))
    kind: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
