"""What a constituent submits, and the pure rules applied to it."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

# No 0/O, 1/I/L, U/V: codes are read out over the phone.
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
TRACKING_CODE = re.compile(rf"^[{TRACKING_ALPHABET}]{{4}}-[{TRACKING_ALPHABET}]{{4}}$")

CONSENT_TEXT_VERSION = "2026-11"


@dataclass(frozen=True)
class ConstituentDetails:
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    address: dict[str, str] | None
    preferred_language: str = "en"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class PrivacyConsent:
    signature_name: str
    agencies: tuple[str, ...]


@dataclass(frozen=True)
class SubmitRequest:
    constituent: ConstituentDetails
    category: str
    subject: str
    description: str
    channel: str = "web"
    agency: str | None = None
    urgent: bool = False
    urgency_reason: str | None = None
    privacy_release: PrivacyConsent | None = None


@dataclass(frozen=True)
class ConsentEvidence:
    ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class Receipt:
    submission_id: str
    tracking_code: str
    received_at: str
    status: str = "received"
    privacy_release_recorded: bool = False


def new_tracking_code() -> str:
    chars = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


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


def signature_matches(consent: PrivacyConsent, constituent: ConstituentDetails) -> bool:
    """An e-signature must be the constituent's own name (case and spacing aside)."""

    def fold(text: str) -> str:
        return " ".join(text.lower().split())

    return fold(consent.signature_name) == fold(constituent.display_name)
