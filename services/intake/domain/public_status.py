"""What a constituent may see of their request on the public status page, and how they prove
it is theirs: a one-time code mailed to them, or (with no email) their last name and ZIP.

The page is fed by intake's projection of cases' events, so it answers while cases is down.
Only what is meant for the public gets here: the status, the result, and the updates a
caseworker wrote for the constituent; internal notes and reasons never leave cases.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.chassis.domain import Aggregate
from services.chassis.errors import ValidationFailed
from services.contracts import STATUS_CODE_REQUESTED, StatusCodeRequested

CODE_VALID_FOR = timedelta(minutes=15)
CODE_ATTEMPTS = 5
# A request may have this many codes sent within CODE_VALID_FOR (a lost email, a typo).
CODES_PER_WINDOW = 3

WRONG_CODE = "that code is not right, or it has expired; ask for a new one"
NOT_MATCHED = "the last name or ZIP code does not match this request"


@dataclass(frozen=True)
class PublicUpdateView:
    kind: str  # received | opened | status | closed | note | documents | sent
    occurred_at: datetime
    status: str | None = None
    text: str | None = None
    # A request for documents (kind `documents`): what to send, one a line; the files the
    # constituent sent from the status page (kind `sent`): their names, one a line.
    documents: str | None = None

    @property
    def requested(self) -> list[str]:
        """The documents a request asks for (or the files sent), in order."""
        return [line for line in (self.documents or "").splitlines() if line.strip()]


def outstanding_documents(status: str, updates: list[PublicUpdateView]) -> list[str]:
    """What the office is waiting for from the constituent: the latest request's list while
    the case waits on them and they have not sent anything since, nothing otherwise."""
    if status != "waiting_on_constituent":
        return []
    requests = [update for update in updates if update.kind == "documents"]
    if not requests:
        return []
    latest = max(requests, key=lambda update: update.occurred_at)
    if any(u.kind == "sent" and u.occurred_at >= latest.occurred_at for u in updates):
        return []
    return latest.requested


@dataclass(frozen=True)
class ReleaseView:
    release_id: str
    kind: str
    agencies: tuple[str, ...]
    signed_at: datetime
    expires_at: datetime
    state: str
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class PublicStatus:
    tracking_code: str
    subject: str
    category: str
    received_at: datetime
    status: str  # "received" until cases opens it, then the case's status
    language: str
    reference: str | None = None
    result: str | None = None
    updates: list[PublicUpdateView] = field(default_factory=list)
    releases: list[ReleaseView] = field(default_factory=list)


@dataclass(frozen=True)
class StatusCodeSent:
    method: str  # "email" (a code was mailed) or "name_and_zip" (no email: ask for those)
    masked_email: str | None = None


@dataclass(frozen=True)
class RequestOwner:
    """What a submission knows of who sent it, to check a status request against."""

    submission_id: str
    tracking_code: str
    email: str | None
    last_name: str
    postal_code: str | None
    language: str


@dataclass(frozen=True)
class SubmissionOwner:
    """A submission with its constituent, as the status page and the release need them."""

    owner: RequestOwner
    constituent_id: str
    display_name: str
    subject: str
    category: str
    received_at: datetime
    address: dict[str, str]
    phone: str | None
    # What the constituent wrote about their request (a letter to an agency may quote it).
    description: str = ""


def mask_email(email: str) -> str:
    """`m•••@example.org`: enough for the constituent to recognise, little for anyone else."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def code_digest(submission_id: str, code: str) -> str:
    return hashlib.sha256(f"{submission_id}:{code}".encode()).hexdigest()


@dataclass
class StatusCode(Aggregate):
    """A one-time code for one request: kept only as a hash, good for a few tries within
    minutes, used once."""

    id: str
    submission_id: str
    code_sha256: str
    expires_at: datetime
    attempts: int = 0
    used_at: datetime | None = None

    @classmethod
    def issue(
        cls, owner: RequestOwner, *, now: datetime, sent_recently: int
    ) -> tuple[StatusCode, StatusCodeSent]:
        """A new code mailed to the owner (recorded as STATUS_CODE_REQUESTED for notify).

        Too many codes within the window is refused, so the page cannot be used to flood a
        constituent's mailbox."""
        if owner.email is None:
            raise ValueError("a request without email is checked by last name and ZIP")
        if sent_recently >= CODES_PER_WINDOW:
            raise ValidationFailed(
                "we already sent several codes; use the latest one or try again in 15 minutes",
                fields={"tracking_code": ["too many codes requested; try again later"]},
            )
        code = f"{secrets.randbelow(1_000_000):06d}"
        issued = cls(
            id=str(uuid.uuid4()),
            submission_id=owner.submission_id,
            code_sha256=code_digest(owner.submission_id, code),
            expires_at=now + CODE_VALID_FOR,
        )
        issued.record(
            STATUS_CODE_REQUESTED,
            StatusCodeRequested(
                submission_id=owner.submission_id,
                tracking_code=owner.tracking_code,
                contact_email=owner.email,
                preferred_language=owner.language,
                code=code,
                expires_at=issued.expires_at,
            ),
        )
        return issued, StatusCodeSent("email", mask_email(owner.email))

    def try_code(self, code: str, *, now: datetime) -> bool:
        """Whether `code` opens the request; every try counts, a right one uses the code up."""
        if self.used_at is not None or now >= self.expires_at or self.attempts >= CODE_ATTEMPTS:
            return False
        self.attempts += 1
        digest = code_digest(self.submission_id, code.strip())
        if not hmac.compare_digest(digest, self.code_sha256):
            return False
        self.used_at = now
        return True


def fold(text: str) -> str:
    """Case, accents and spacing aside: 'Núñez ' matches 'nunez'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def owner_matches(owner: RequestOwner, last_name: str, postal_code: str) -> bool:
    """Last name and the first five characters of the ZIP, for a request sent without email."""
    if owner.email is not None or not owner.postal_code:
        return False
    same_name = hmac.compare_digest(fold(owner.last_name), fold(last_name))
    zip_given = postal_code.replace(" ", "")[:5].upper()
    same_zip = hmac.compare_digest(owner.postal_code.replace(" ", "")[:5].upper(), zip_given)
    return same_name and same_zip


def check_name_and_zip(owner: RequestOwner, last_name: str, postal_code: str) -> str:
    if not owner_matches(owner, last_name, postal_code):
        raise ValidationFailed(NOT_MATCHED, fields={"last_name": [NOT_MATCHED]})
    return owner.submission_id
