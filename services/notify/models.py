"""Notify's tables: who to write to, which offices they write from, and every delivery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.chassis.db import UTCDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class Office(Base):
    """Projection of `gateway.office_registered`: the name and reply address mail goes out with."""

    __tablename__ = "offices"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    reply_to_email: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Recipient(Base):
    """Projection of `intake.submission_received`: how to reach the constituent who asked."""

    __tablename__ = "recipients"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    constituent_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    preferred_language: Mapped[str] = mapped_column(String(5))
    tracking_code: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OpenedCase(Base):
    """Projection of `cases.case_opened`: the case an acknowledgement is about."""

    __tablename__ = "opened_cases"
    __table_args__ = (Index("ix_opened_cases_office_submission", "office_id", "submission_id"),)

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(40))
    tracking_code: Mapped[str] = mapped_column(String(20))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Delivery(Base):
    """One message to one recipient for one cause, and the state of sending it.

    The unique key on (recipient, cause) is the idempotency key: it is committed before the
    mail server is contacted, so a replayed event can never send a second message.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint(
            "office_id", "submission_id", "kind", name="uq_deliveries_recipient_cause"
        ),
        Index("ix_deliveries_office_case", "office_id", "case_id"),
    )

    delivery_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))
    submission_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempt_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(100))
    skip_reason: Mapped[str | None] = mapped_column(String(100))
    message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
