"""Metrics' read models: office daily counts (facts appended by events, folded into daily
totals by the roll-up), which caseworker holds each case and where it stands, each case's
latest outcome, and when each submission was received and acknowledged.

No event handler updates a row that events about other submissions or cases also write: under
load, a shared counter row serialises every worker on its lock.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
)
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
        CheckConstraint(
            "received + opened + assigned + acknowledged + closures = 1", name="one_event"
        ),
        CheckConstraint("seconds_to_close >= 0", name="seconds_to_close_not_negative"),
        Index("ix_office_event_facts_office_id_day", "office_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    office_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    received: Mapped[int] = mapped_column(SmallInteger)
    opened: Mapped[int] = mapped_column(SmallInteger)
    assigned: Mapped[int] = mapped_column(SmallInteger)
    acknowledged: Mapped[int] = mapped_column(SmallInteger)
    closures: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    seconds_to_close: Mapped[int] = mapped_column(BigInteger, server_default="0")


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
    closures: Mapped[int] = mapped_column(Integer, server_default="0")
    seconds_to_close: Mapped[int] = mapped_column(BigInteger, server_default="0")


class CaseAssignment(Base):
    """Who holds each case now, written only by that case's assignment events; caseloads are
    counted from these rows. The name is staff's display name, shown on the dashboard."""

    __tablename__ = "case_assignments"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    caseworker_id: Mapped[str] = mapped_column(String(64))
    caseworker_name: Mapped[str] = mapped_column(String(200))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseLifecycle(Base):
    """Where each case stands, as its latest status change (or closure) told, written only by
    that case's events; a case with no row has only been opened, so it is being worked. The
    caseload leaves out held cases whose row says finished."""

    __tablename__ = "case_lifecycles"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    finished: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseOutcome(Base):
    """Each closed case's outcome, as its latest closure told (one row per case, so a case
    closed twice counts once). Results, amounts and times only: the outcome's free text and
    the constituent stay in cases."""

    __tablename__ = "case_outcomes"
    __table_args__ = (
        # The median time to close is read by rank along this index.
        Index("ix_case_outcomes_office_id_seconds_to_close", "office_id", "seconds_to_close"),
    )

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    result: Mapped[str] = mapped_column(String(32))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    day: Mapped[date] = mapped_column(Date)
    seconds_to_close: Mapped[int] = mapped_column(BigInteger)


class CaseOutcomeObtained(Base):
    """What a case's latest closure says the office obtained, one row per thing obtained."""

    __tablename__ = "case_outcome_obtained"
    __table_args__ = (
        ForeignKeyConstraint(
            ["office_id", "case_id"],
            ["case_outcomes.office_id", "case_outcomes.case_id"],
        ),
    )

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    obtained: Mapped[str] = mapped_column(String(32), primary_key=True)


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


class SatisfactionRating(Base):
    """Each rated case's latest rating from its closure message's survey, 1 to 5 (one row per
    case: a constituent who corrects a slip counts once)."""

    __tablename__ = "satisfaction_ratings"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime)
