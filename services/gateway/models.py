"""Gateway's tables: the offices (tenants) and the staff who work in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
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
