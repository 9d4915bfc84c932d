"""A constituent of an office, and the rule that matches a returning one instead of
duplicating them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.chassis.domain import Aggregate


@dataclass(frozen=True)
class ConstituentDetails:
    """Who a submission says it is from, as they typed it this time."""

    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    address: dict[str, str] | None
    preferred_language: str = "en"
    # How they would rather hear from the office: "email", "phone", "post" or "sms" (text
    # messages to their phone); None: any.
    preferred_channel: str | None = None

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def normalise_email(email: str | None) -> str | None:
    if not email:
        return None
    return email.strip().lower()


def normalise_phone(phone: str | None) -> str | None:
    """Digits only, US country code dropped: '(202) 555-0134' and '+1 202 555 0134' match."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits or None


def e164_phone(phone: str | None) -> str | None:
    """The number as a text message provider takes it: `+` and country code, then digits
    ('(202) 555-0134' is `+12025550134`); a 10-digit number is taken as North American. None
    for what cannot be a full international number (too short, too long)."""
    digits = normalise_phone(phone)
    if digits is None:
        return None
    if len(digits) == 10:
        return f"+1{digits}"
    if 11 <= len(digits) <= 15 and not digits.startswith("0"):
        return f"+{digits}"
    return None


@dataclass
class Constituent(Aggregate):
    """A person an office works for; one record however many times they write in."""

    id: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    address: dict[str, str] | None
    preferred_language: str
    created_at: datetime
    preferred_channel: str | None = None

    @classmethod
    def register(cls, details: ConstituentDetails, now: datetime) -> Constituent:
        return cls(
            id=str(uuid.uuid4()),
            first_name=details.first_name,
            last_name=details.last_name,
            email=details.email,
            phone=details.phone,
            address=details.address,
            preferred_language=details.preferred_language,
            created_at=now,
            preferred_channel=details.preferred_channel,
        )

    @property
    def email_normalised(self) -> str | None:
        return normalise_email(self.email)

    @property
    def phone_normalised(self) -> str | None:
        return normalise_phone(self.phone)

    def returns_with(self, details: ConstituentDetails) -> None:
        """Keep the freshest contact details a returning constituent gave us. The email they
        were matched by (or the one on file) stays; so does their name as first recorded."""
        self.preferred_language = details.preferred_language
        if details.preferred_channel:
            self.preferred_channel = details.preferred_channel
        if normalise_phone(details.phone):
            self.phone = details.phone
        if details.address:
            self.address = details.address


class KnownConstituents(Protocol):
    """The constituents of one office, looked up by their normalised contact details."""

    def with_email(self, email_normalised: str) -> Constituent | None: ...

    def with_phone(self, phone_normalised: str) -> Constituent | None: ...


def match_or_register(
    details: ConstituentDetails, known: KnownConstituents, now: datetime
) -> Constituent:
    """A returning constituent is found by email, else by phone (among the office's own
    constituents only), and updated; anyone else is registered as new."""
    email = normalise_email(details.email)
    phone = normalise_phone(details.phone)
    existing = known.with_email(email) if email else None
    if existing is None and phone:
        existing = known.with_phone(phone)
    if existing is None:
        return Constituent.register(details, now)
    existing.returns_with(details)
    return existing
