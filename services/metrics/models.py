"""Metrics' read models: office daily counters, open caseload per caseworker, which caseworker
holds each case, and when each submission was received and acknowledged."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.chassis.db import UTCDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class OfficeDailyStats(Base):
    """One row per office and UTC day; counters only ever grow, by SQL upserts."""

    __tablename__ = "office_daily_stats"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    received: Mapped[int] = mapped_column(Integer)
    opened: Mapped[int] = mapped_column(Integer)
    assigned: Mapped[int] = mapped_column(Integer)
    acknowledged: Mapped[int] = mapped_column(Integer)


class CaseworkerCaseload(Base):
    """A caseworker's open cases. The name is staff's display name, shown on the dashboard."""

    __tablename__ = "caseworker_caseloads"
    __table_args__ = (CheckConstraint("open_cases >= 0", name="open_cases_not_negative"),)

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    caseworker_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    open_cases: Mapped[int] = mapped_column(Integer)


class CaseAssignment(Base):
    """Who holds each case now, so a reassignment moves the case between caseloads."""

    __tablename__ = "case_assignments"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    caseworker_id: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AcknowledgementTiming(Base):
    """When a submission was received and first acknowledged. Ids and times only: no names or
    contact details. Events arrive in any order, so every column but the key may be empty."""

    __tablename__ = "acknowledgement_timings"
    __table_args__ = (Index("ix_acknowledgement_timings_acknowledged_at", "acknowledged_at"),)

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
