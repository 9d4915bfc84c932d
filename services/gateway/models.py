"""Gateway's tables: the offices (tenants) and the staff who work in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.chassis.db import UTCDateTime, new_metadata
from services.gateway.domain.staff import ROLES


class Base(DeclarativeBase):
    metadata = new_metadata()


class Office(Base):
    """A member office: the tenant every other service scopes its data by."""

    __tablename__ = "offices"

    office_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    reply_to_email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Dates on the staff pages are shown in the office's time zone (an IANA name).
    timezone: Mapped[str] = mapped_column(
        String(64), default="America/New_York", server_default="America/New_York"
    )
    # The office admin's choice: everyone signs in with a second factor (TOTP).
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # When the office's reminders fall due (its admin's settings; notify schedules by them).
    first_contact_business_days: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    follow_up_every_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    check_in_every_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    no_activity_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    # Its own hours for messages to constituents (both NULL: the legislature's).
    sending_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sending_until: Mapped[int | None] = mapped_column(Integer, nullable=True)


class User(Base):
    """A staff member of one office; the identity that staff login will authenticate."""

    __tablename__ = "users"
    __table_args__ = (
        # One account per person and office; emails are stored normalised (lower case).
        UniqueConstraint("office_id", "email", name="uq_users_office_email"),
        CheckConstraint(f"role IN ({', '.join(repr(role) for role in ROLES)})", name="role"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(ForeignKey("offices.office_id"), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An argon2 hash once the staff member sets a password; NULL means they cannot log in.
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Failed logins in a row since the last good one; the fifth locks the account a while.
    # Request categories they specialise in, as a JSON list (routing reads them from the
    # announcement; here they are only shown and edited).
    specialties: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The base32 TOTP secret once they enrolled an authenticator app; NULL without one.
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)


class StaffSession(Base):
    """A signed-in browser: the cookie holds the office and a random id, this row its SHA-256.
    Office data, so the tenant wall holds it: a session is looked up in its office's unit of
    work, and one office's session can never be read in another's."""

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    office_id: Mapped[str] = mapped_column(ForeignKey("offices.office_id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    client_address: Mapped[str | None] = mapped_column(String(64), default=None)
    # Password checked, second factor still to come: "totp" (enter a code) or "enrol" (the
    # office requires one and they have none yet). Such a session opens no page but that step.
    pending: Mapped[str | None] = mapped_column(String(10), default=None)


class ApiToken(Base):
    """An integration's credential, acting as the staff member it was issued to; only its
    SHA-256 is kept (the token is shown once)."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(ForeignKey("offices.office_id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class PlatformAdmin(Base):
    """Legislature IT: manages offices and watches the platform; belongs to no office and reads
    no case content."""

    __tablename__ = "platform_admins"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class PlatformSession(Base):
    __tablename__ = "platform_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    admin_id: Mapped[str] = mapped_column(ForeignKey("platform_admins.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    client_address: Mapped[str | None] = mapped_column(String(64), default=None)
