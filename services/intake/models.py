"""Intake's tables: offices it accepts work for, constituents, submissions, privacy releases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


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
    """Written consent (Privacy Act) with the evidence of an electronic signature."""

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
