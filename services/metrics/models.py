"""Metrics' read models: office daily counts (facts appended by events, folded into daily
totals by the roll-up), which caseworker holds each case, and when each submission was received
and acknowledged.

No event handler updates a row that events about other submissions or cases also write: under
load, a shared counter row serialises every worker on its lock.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Index, Integer, SmallInteger, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.chassis.db import BigId, UTCDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class OfficeEventFact(Base):
    """One counted event: its office, UTC day and the counter it moves. Appended by the event's
    handler in the transaction that claims the event, never updated; the roll-up adds it to
    `OfficeDailyStats` and deletes it in one transaction."""

    __tablename__ = "office_event_facts"
    __table_args__ = (
        CheckConstraint("received + opened + assigned + acknowledged = 1", name="one_event"),
        Index("ix_office_event_facts_office_id_day", "office_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    office_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    received: Mapped[int] = mapped_column(SmallInteger)
    opened: Mapped[int] = mapped_column(SmallInteger)
    assigned: Mapped[int] = mapped_column(SmallInteger)
    acknowledged: Mapped[int] = mapped_column(SmallInteger)


class OfficeDailyStats(Base):
    """Folded totals, one row per office and UTC day, written only by the roll-up (one at a
    time). An office's counts are these totals plus its facts not folded yet."""

    __tablename__ = "office_daily_stats"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    received: Mapped[int] = mapped_column(Integer)
    opened: Mapped[int] = mapped_column(Integer)
    assigned: Mapped[int] = mapped_column(Integer)
    acknowledged: Mapped[int] = mapped_column(Integer)


class CaseAssignment(Base):
    """Who holds each case now, written only by that case's assignment events; caseloads are
    counted from these rows. The name is staff's display name, shown on the dashboard."""

    __tablename__ = "case_assignments"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    caseworker_id: Mapped[str] = mapped_column(String(64))
    caseworker_name: Mapped[str] = mapped_column(String(200))
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
