"""Cases' tables: cases, their timeline and attachments, the privacy releases of their
submissions, the agencies their letters went to, the office roster used for routing (with the
assignments of openings not yet committed), and the per-office counters that number case
references. Only the repositories (adapters/) and the migrations use them; the rest of the
service works with the domain's `Case`, `PrivacyRelease` and `AgencyInquiry`."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.chassis.db import BigId, UTCDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # The second wall behind the inbox: a submission redelivered under a new event id
        # still cannot become a second case.
        UniqueConstraint("office_id", "submission_id", name="uq_cases_office_submission"),
        UniqueConstraint("office_id", "reference", name="uq_cases_office_reference"),
        Index("ix_cases_office_opened", "office_id", "opened_at"),
        Index("ix_cases_office_status", "office_id", "status"),
        # Also each member's open caseload, counted per opening by routing (adapters/rotation.py)
        # from the index alone: their cases in the four unfinished statuses, not their history.
        Index("ix_cases_office_assignee_status", "office_id", "assigned_to_id", "status"),
        Index("ix_cases_office_due", "office_id", "due_on"),
        Index("ix_cases_office_priority", "office_id", "priority"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(20))
    submission_id: Mapped[str] = mapped_column(String(36))
    tracking_code: Mapped[str] = mapped_column(String(20))
    constituent_id: Mapped[str] = mapped_column(String(36))
    # First and last name as intake joined them (100 characters each).
    constituent_name: Mapped[str] = mapped_column(String(250))
    subject: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    agency_hint: Mapped[str | None] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(30))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_to_id: Mapped[str | None] = mapped_column(String(64))
    assigned_to_name: Mapped[str | None] = mapped_column(String(200))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agency_code: Mapped[str | None] = mapped_column(String(20))
    agency_name: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(10), server_default=text("'normal'"))
    # A JSON array of the case's tags, sorted: `["appeal", "ssa"]`. The queue filters on
    # `"tag"` inside it (a tag is lower-case words, so never holds a quote): one office's
    # cases are read by their office index, and 10,000 short strings scan in milliseconds.
    tags: Mapped[str] = mapped_column(Text, server_default=text("'[]'"))
    due_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_result: Mapped[str | None] = mapped_column(String(30))
    # A JSON array of what was obtained (the contracts' CASE_OBTAINED words).
    outcome_obtained: Mapped[str | None] = mapped_column(String(200))
    outcome_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    outcome_currency: Mapped[str | None] = mapped_column(String(3))
    outcome_text: Mapped[str | None] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(String(320))
    preferred_language: Mapped[str] = mapped_column(String(5), server_default=text("'en'"))
    channel: Mapped[str | None] = mapped_column(String(20))


class TimelineEntryRow(Base):
    """What happened to a case, in order; summaries hold no sensitive identifiers."""

    __tablename__ = "case_timeline"
    __table_args__ = (Index("ix_case_timeline_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    office_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(String(300))
    # Who wrote it (None: the system), with their name as the roster had it then.
    author_id: Mapped[str | None] = mapped_column(String(64))
    author_name: Mapped[str | None] = mapped_column(String(200))
    visibility: Mapped[str] = mapped_column(String(10), server_default=text("'internal'"))
    # What a person wrote: a note, a call's record, a reason, an outcome's text.
    body: Mapped[str | None] = mapped_column(Text)


class CaseAttachmentRow(Base):
    """A file the constituent sent with the request, as intake described it (intake keeps
    the bytes)."""

    __tablename__ = "case_attachments"

    # Keyed by the case too: a file id is intake's, and a case must open whatever another
    # submission claimed (the key's prefix reads a case's files).
    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    attachment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))


class PrivacyReleaseRow(Base):
    """Projection of intake's `privacy_release_signed` and `privacy_release_revoked`: a
    release of a submission, kept by submission (its case may not be opened yet), joined to
    the case when it is read. The signing columns are empty while only its revocation is
    known (the two events travel on two queues)."""

    __tablename__ = "privacy_releases"
    __table_args__ = (Index("ix_privacy_releases_office_submission", "office_id", "submission_id"),)

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    release_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36))
    # A JSON array of agency codes: `["SSA", "VA"]`.
    agencies: Mapped[str] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(12))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(12))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AgencyInquiryRow(Base):
    """Projection of agencies' inquiry events: which agency a case's letter went to, its due
    date now, and when its sending and final reply were heard of (domain/inquiries.py)."""

    __tablename__ = "agency_inquiries"
    __table_args__ = (Index("ix_agency_inquiries_office_case", "office_id", "case_id"),)

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    inquiry_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    agency_code: Mapped[str] = mapped_column(String(20))
    agency_name: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffMemberRow(Base):
    """Projection of `gateway.staff_member_added`: who in an office can take cases."""

    __tablename__ = "staff_members"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # When gateway said so: an older event delivered late must not undo a newer role change.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # False once gateway deactivated them: they keep their cases and get no new ones.
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    # A JSON array of the request categories they specialise in, sorted: `["tax", "veterans"]`.
    # Routing looks for `"veterans"` inside it (a category is a lower-case word, never holding
    # a quote) among the office's few staff rows, read by the primary key's office prefix.
    specialties: Mapped[str] = mapped_column(Text, server_default=text("'[]'"))


class PendingAssignmentRow(Base):
    """A case an opening gave a member on PostgreSQL, whose turn was committed apart
    (adapters/rotation.py), while the case itself is not committed yet: it counts in the
    member's open caseload until the opening's transaction removes it with the case's insert."""

    __tablename__ = "pending_assignments"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReferenceCounterRow(Base):
    """The last reference number an office used in a year."""

    __tablename__ = "case_reference_counters"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)
