"""What a constituent submits, the Submission that accepting it creates, and the rules applied
to it: tracking codes, the e-signature of a privacy release, idempotent retries."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.chassis.domain import Aggregate
from services.chassis.errors import CaseworkError
from services.contracts import SUBMISSION_RECEIVED, SubmissionReceived
from services.intake.domain.attachments import StoredAttachment, Upload
from services.intake.domain.constituents import Constituent, ConstituentDetails, e164_phone

# No 0/O, 1/I/L, U/V: codes are read out over the phone.
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
TRACKING_CODE = re.compile(rf"^[{TRACKING_ALPHABET}]{{4}}-[{TRACKING_ALPHABET}]{{4}}$")


@dataclass(frozen=True)
class PortalOffice:
    """What the public portal shows of an office, and how long its releases hold."""

    office_id: str
    name: str
    release_valid_days: int = 365


@dataclass(frozen=True)
class PrivacyConsent:
    """A release as the constituent signed it: typed name, agencies, the identifiers they gave
    (validated, not yet sealed), and which text they were shown (version, its SHA-256)."""

    signature_name: str
    agencies: tuple[str, ...]
    identifiers: Mapping[str, str] = field(default_factory=dict)
    language: str = "en"
    text_version: str | None = None
    text_sha256: str | None = None


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
    attachments: tuple[Upload, ...] = ()


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


class IdempotencyKeyReused(CaseworkError):
    """Stripe's convention: a key names one request; sending another body with it is an error,
    never a silent replay of the first answer."""

    code = "idempotency_key_reused"
    status = 422


@dataclass(frozen=True)
class Idempotency:
    """A client's Idempotency-Key and the fingerprint of the request it was sent with."""

    key: str
    fingerprint: str

    @classmethod
    def of(cls, key: str, body: Mapping[str, Any]) -> Idempotency:
        return cls(key, request_fingerprint(body))


def request_fingerprint(body: Mapping[str, Any]) -> str:
    """SHA-256 of the request body in canonical JSON: key order and spacing do not count."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class EarlierSubmission:
    """What a submission stored under an Idempotency-Key answers a retry with."""

    receipt: Receipt
    request_fingerprint: str | None

    def replayed_for(self, idempotency: Idempotency) -> Receipt:
        """The first receipt for a true retry; refused when the key comes with another body.

        A submission stored before fingerprints were kept has none: its retry is trusted.
        """
        if self.request_fingerprint not in (None, idempotency.fingerprint):
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used for a different request; "
                "send a new key for a new request",
                fields={"Idempotency-Key": ["already used for a different request"]},
            )
        return self.receipt


@dataclass
class Submission(Aggregate):
    """A request for help, accepted for an office: tracking code, release, announcement."""

    id: str
    tracking_code: str
    constituent_id: str
    request: SubmitRequest
    received_at: datetime
    idempotency: Idempotency | None = None
    attachments: tuple[StoredAttachment, ...] = ()

    @classmethod
    def accept(
        cls,
        request: SubmitRequest,
        constituent: Constituent,
        *,
        received_at: datetime,
        idempotency: Idempotency | None = None,
        attachments: tuple[StoredAttachment, ...] = (),
    ) -> Submission:
        """Accept `request` from `constituent`; records SUBMISSION_RECEIVED (no description:
        events carry what consumers need, the text stays here; attachments by id and hash).
        A release signed with it is its own aggregate (`Release`), recorded beside it."""
        submission = cls(
            id=str(uuid.uuid4()),
            tracking_code=new_tracking_code(),
            constituent_id=constituent.id,
            request=request,
            received_at=received_at,
            idempotency=idempotency,
            attachments=attachments,
        )
        submission.record(
            SUBMISSION_RECEIVED,
            SubmissionReceived(
                submission_id=submission.id,
                tracking_code=submission.tracking_code,
                constituent_id=constituent.id,
                constituent_name=request.constituent.display_name,
                contact_email=constituent.email,
                preferred_language=constituent.preferred_language,
                channel=request.channel,
                category=request.category,
                agency_hint=request.agency,
                subject=request.subject,
                urgent=request.urgent,
                privacy_release_signed=request.privacy_release is not None,
                received_at=received_at,
                attachments=tuple(item.payload for item in attachments),
                preferred_channel=constituent.preferred_channel,
                contact_phone=e164_phone(constituent.phone),
            ),
        )
        return submission

    @property
    def receipt(self) -> Receipt:
        return Receipt(
            submission_id=self.id,
            tracking_code=self.tracking_code,
            received_at=self.received_at.isoformat(),
            privacy_release_recorded=self.request.privacy_release is not None,
        )


def new_tracking_code() -> str:
    chars = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def signature_matches(consent: PrivacyConsent, constituent: ConstituentDetails) -> bool:
    """An e-signature must be the constituent's own name (case and spacing aside)."""

    def fold(text: str) -> str:
        return " ".join(text.lower().split())

    return fold(consent.signature_name) == fold(constituent.display_name)
