"""Agencies' tables: the legislature-wide agency directory (seeded by a data migration), each
office's own liaison contacts, and the agency suggested for each new case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.chassis.db import UTCDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class Agency(Base):
    """Reference data shared by every office; changed only by migrations."""

    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    liaison_office: Mapped[str] = mapped_column(String(200))
    website_url: Mapped[str] = mapped_column(String(300))
    typical_response_days: Mapped[int] = mapped_column(Integer)


class AgencyCategory(Base):
    """Which agency an intake category is routed to: one agency per category at most."""

    __tablename__ = "agency_categories"

    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)


class LiaisonContact(Base):
    """A person at an agency one office deals with; other offices never see it."""

    __tablename__ = "liaison_contacts"
    __table_args__ = (Index("ix_liaison_contacts_office_agency", "office_id", "agency_code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AgencySuggestion(Base):
    """The agency suggested for a case when it opened; `agency_code` is None for no suggestion."""

    __tablename__ = "agency_suggestions"
    __table_args__ = (
        UniqueConstraint("office_id", "case_id", name="uq_agency_suggestions_office_case"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(64))
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"))
    reason: Mapped[str] = mapped_column(String(60))
    suggested_at: Mapped[datetime] = mapped_column(UTCDateTime)
