"""Agencies' tables: the legislature-wide agency directory (seeded by data migrations, kept by
platform admins since), each office's liaison contacts, partners, letter templates and liaison
settings, the office's inquiries to agencies with their replies, the projections of releases and
cases that the consent gate and the response clocks read, and the agency suggested for each new
case."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.chassis.db import UTCDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class Agency(Base):
    """Reference data shared by every office: the response target the agency works to and the
    privacy releases it accepts. Platform admins change it (platform work)."""

    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    liaison_office: Mapped[str] = mapped_column(String(200))
    website_url: Mapped[str] = mapped_column(String(300))
    # Days the agency takes to answer a congressional inquiry, counted as `day_basis` says.
    response_days: Mapped[int] = mapped_column(Integer)
    day_basis: Mapped[str] = mapped_column(String(10), server_default="calendar")
    interim_every_days: Mapped[int | None] = mapped_column(Integer)
    signature_rule: Mapped[str] = mapped_column(String(10), server_default="any")
    sole_recipient: Mapped[bool] = mapped_column(Boolean, server_default="1")
    release_valid_days: Mapped[int | None] = mapped_column(Integer)
    new_release_after_closure: Mapped[bool] = mapped_column(Boolean, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, server_default="1")


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
    programme: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default="1")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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


class PartnerOrganisation(Base):
    """A local organisation an office refers constituents to (legal aid, a food bank)."""

    __tablename__ = "partner_organisations"
    __table_args__ = (Index("ix_partner_organisations_office_name", "office_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    website_url: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OfficeLiaisonSettings(Base):
    """One office's liaison settings: its time zone and holidays (the clocks count in them),
    letterhead, redaction rules and which roles' letters need a supervisor's approval."""

    __tablename__ = "office_liaison_settings"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    holiday_country: Mapped[str] = mapped_column(String(8))
    holiday_subdivision: Mapped[str | None] = mapped_column(String(16))
    office_name: Mapped[str] = mapped_column(String(200))
    member_name: Mapped[str] = mapped_column(String(200))
    letterhead_address: Mapped[str] = mapped_column(Text)  # one line per line
    letterhead_phone: Mapped[str] = mapped_column(String(40))
    letterhead_email: Mapped[str] = mapped_column(String(254))
    mask_ssn: Mapped[bool] = mapped_column(Boolean)
    include_public_notes: Mapped[bool] = mapped_column(Boolean)
    approval_roles: Mapped[str] = mapped_column(String(200))  # comma-separated roles
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AgencyOverride(Base):
    """An office's own response target for one agency (what its liaison actually agreed)."""

    __tablename__ = "agency_overrides"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), primary_key=True)
    response_days: Mapped[int] = mapped_column(Integer)
    day_basis: Mapped[str] = mapped_column(String(10))


class LetterTemplate(Base):
    """One version of one of an office's letter templates; saving makes a new version."""

    __tablename__ = "letter_templates"
    __table_args__ = (
        UniqueConstraint(
            "office_id", "name", "version", name="uq_letter_templates_office_name_version"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    requires_approval: Mapped[bool] = mapped_column(Boolean)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PrivacyReleaseRow(Base):
    """Agencies' copy of a privacy release, as intake announced it (ids, scope and dates: the
    identifiers stay in intake). The consent gate reads it."""

    __tablename__ = "privacy_releases"
    __table_args__ = (Index("ix_privacy_releases_office_submission", "office_id", "submission_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))
    submission_id: Mapped[str] = mapped_column(String(64))
    constituent_id: Mapped[str] = mapped_column(String(64))
    agencies: Mapped[str] = mapped_column(String(300))  # comma-separated codes
    kind: Mapped[str] = mapped_column(String(20))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(20))


class CaseProjection(Base):
    """What agencies knows of a case from cases' events: where it came from, where it stands."""

    __tablename__ = "case_projections"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reference: Mapped[str] = mapped_column(String(40))
    submission_id: Mapped[str | None] = mapped_column(String(64))
    constituent_id: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(40))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InquiryRow(Base):
    """A letter to an agency's liaison office and its clock. `due_on` and `overdue_check_on`
    (the day the next overdue level can be reached) are kept for the overdue scan."""

    __tablename__ = "inquiries"
    __table_args__ = (
        Index("ix_inquiries_office_case", "office_id", "case_id"),
        Index("ix_inquiries_office_state", "office_id", "state"),
        Index("ix_inquiries_overdue_scan", "state", "overdue_check_on"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(40))
    agency_code: Mapped[str] = mapped_column(String(20))
    agency_name: Mapped[str] = mapped_column(String(200))
    contact_id: Mapped[str | None] = mapped_column(String(36))
    template_id: Mapped[str | None] = mapped_column(String(36))
    template_version: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    release_id: Mapped[str | None] = mapped_column(String(36))
    drafted_by: Mapped[str] = mapped_column(String(100))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    needs_approval: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(10))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_on: Mapped[date | None] = mapped_column(Date)
    response_days: Mapped[int | None] = mapped_column(Integer)
    day_basis: Mapped[str | None] = mapped_column(String(10))
    interim_every_days: Mapped[int | None] = mapped_column(Integer)
    pauses: Mapped[list[Any]] = mapped_column(JSON)
    extensions: Mapped[list[Any]] = mapped_column(JSON)
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    overdue_level: Mapped[str | None] = mapped_column(String(10))
    overdue_check_on: Mapped[date | None] = mapped_column(Date)
    message_id: Mapped[str | None] = mapped_column(String(200))
    letter_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    withdrawn_reason: Mapped[str | None] = mapped_column(String(500))
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InquiryReplyRow(Base):
    """An agency's reply to an inquiry, as staff logged it (with the scan, if any)."""

    __tablename__ = "inquiry_replies"
    __table_args__ = (Index("ix_inquiry_replies_office_inquiry", "office_id", "inquiry_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))
    inquiry_id: Mapped[str] = mapped_column(ForeignKey("inquiries.id"))
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    logged_by: Mapped[str] = mapped_column(String(100))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attachment_filename: Mapped[str | None] = mapped_column(String(200))
    attachment_content_type: Mapped[str | None] = mapped_column(String(100))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)


class Referral(Base):
    """A case referred to one of the office's partner organisations."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_office_case", "office_id", "case_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(40))
    partner_id: Mapped[str] = mapped_column(String(36))
    partner_name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text)
    with_letter: Mapped[bool] = mapped_column(Boolean)
    referred_by: Mapped[str] = mapped_column(String(100))
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The referral letter as written (kept, so a later download is the letter sent then).
    letter_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
