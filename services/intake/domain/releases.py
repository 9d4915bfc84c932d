"""A privacy release: the written consent (Privacy Act of 1974, CASES Act) that lets an office
act for a constituent with named federal agencies. The Release aggregate: signed online or
filed on paper by staff, valid until it expires or is revoked. The identifiers agencies ask for
are identifiers.py's, the text a constituent signs signed_text.py's; their names are
importable from here as before."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from services.chassis.domain import Aggregate
from services.chassis.errors import Conflict, ValidationFailed
from services.contracts import (
    PRIVACY_RELEASE_REVOKED,
    PRIVACY_RELEASE_SIGNED,
    PrivacyReleaseRevoked,
    PrivacyReleaseSigned,
)
from services.intake.domain.identifiers import IDENTIFIER_KINDS
from services.intake.domain.signed_text import LANGUAGES, Language, RenderedReleaseText, format_date

ReleaseKind = Literal["e_signed", "wet_signed"]
ReleaseState = Literal["valid", "expired", "revoked"]
RevokedBy = Literal["constituent", "staff"]

MAX_AGENCIES = 10
# The contract's pattern for an agency code (`services.contracts.payloads.AGENCY_CODES`).
AGENCY_CODE = re.compile(r"^[A-Z][A-Z0-9-]{1,19}$")
USER_AGENT_KEPT = 300
IP_KEPT = 45  # the longest IPv6 text form
REASON_LENGTH = (3, 500)
# A release stored before releases expired: the year most offices give one.
LEGACY_VALID_DAYS = 365
WET_SIGNED_TEXT_VERSION = "paper"
# No place is more than 14 hours ahead of UTC: a paper signed "today" in Guam is not "future".
LATEST_UTC_OFFSET = timedelta(hours=14)


# -- The release -------------------------------------------------------------------------------


def signature_is_name(signature: str, name: str) -> bool:
    """An e-signature must be the constituent's own name, case and spacing aside (and how an
    accent was typed: 'José' precomposed or with a combining accent)."""

    def fold(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return bool(fold(signature)) and fold(signature) == fold(name)


@dataclass
class Release(Aggregate):
    """A constituent's privacy release for one submission: which agencies it covers, the
    evidence of its signature, until when it holds, and its revocation if any.

    `text_sha256` and `signature_name` are None for a wet-signed release (the scan is the
    evidence). Never holds the identifiers themselves: only which kinds were given."""

    id: str
    submission_id: str
    constituent_id: str
    kind: ReleaseKind
    agencies: tuple[str, ...]
    signature_name: str | None
    language: Language
    text_version: str
    text_sha256: str | None
    signed_at: datetime
    expires_at: datetime
    signer_ip: str | None = None
    signer_user_agent: str | None = None
    identifier_kinds: tuple[str, ...] = ()
    revoked_at: datetime | None = None
    revoked_by: RevokedBy | None = None
    revoked_by_user: str | None = None
    revocation_reason: str | None = None
    filed_by: str | None = None

    @classmethod
    def e_sign(
        cls,
        *,
        submission_id: str,
        constituent_id: str,
        signature_name: str,
        constituent_display_name: str,
        agencies: Iterable[str],
        identifier_kinds: Iterable[str],
        text: RenderedReleaseText,
        signer_ip: str | None,
        signer_user_agent: str | None,
        signed_at: datetime,
        valid_days: int,
    ) -> Release:
        """A release the constituent signed online by typing their name under `text`;
        records PRIVACY_RELEASE_SIGNED. It holds `valid_days` from `signed_at`."""
        _require_aware(signed_at, "signed_at")
        _require_valid_days(valid_days)
        problems: dict[str, list[str]] = {}
        if not signature_is_name(signature_name, constituent_display_name):
            problems["signature_name"] = ["type your full name exactly as you gave it above"]
        scope = _scope(agencies, problems)
        kinds = _identifier_kinds(identifier_kinds, problems)
        if problems:
            raise ValidationFailed("the privacy release cannot be signed", fields=problems)
        release = cls(
            id=str(uuid.uuid4()),
            submission_id=submission_id,
            constituent_id=constituent_id,
            kind="e_signed",
            agencies=scope,
            signature_name=" ".join(signature_name.split()),
            language=text.language,
            text_version=text.version,
            text_sha256=text.sha256,
            signed_at=signed_at,
            expires_at=signed_at + timedelta(days=valid_days),
            signer_ip=(signer_ip or "").strip()[:IP_KEPT] or None,
            signer_user_agent=(signer_user_agent or "").strip()[:USER_AGENT_KEPT] or None,
            identifier_kinds=kinds,
        )
        release._record_signed()
        return release

    @classmethod
    def file_wet_signed(
        cls,
        *,
        submission_id: str,
        constituent_id: str,
        agencies: Iterable[str],
        signed_on: date,
        filed_at: datetime,
        valid_days: int,
        filed_by: str,
        identifier_kinds: Iterable[str] = (),
        language: Language = "en",
    ) -> Release:
        """A release signed on paper that staff filed; records PRIVACY_RELEASE_SIGNED.

        Only the day of the signature is known: it counts from midnight UTC of `signed_on`
        and holds until midnight UTC `valid_days` later."""
        _require_aware(filed_at, "filed_at")
        _require_valid_days(valid_days)
        problems: dict[str, list[str]] = {}
        signed_at = datetime.combine(signed_on, time(0), tzinfo=UTC)
        expires_at = signed_at + timedelta(days=valid_days)
        if signed_on > (filed_at.astimezone(UTC) + LATEST_UTC_OFFSET).date():
            problems["signed_on"] = ["the date of the signature cannot be in the future"]
        elif expires_at <= filed_at:
            problems["signed_on"] = [
                f"a release signed on this date expired on "
                f"{format_date(expires_at.date(), 'en')}; ask the constituent to sign a new one"
            ]
        scope = _scope(agencies, problems)
        kinds = _identifier_kinds(identifier_kinds, problems)
        if language not in LANGUAGES:
            problems["language"] = ["English (en) or Spanish (es)"]
        if problems:
            raise ValidationFailed("the privacy release cannot be filed", fields=problems)
        release = cls(
            id=str(uuid.uuid4()),
            submission_id=submission_id,
            constituent_id=constituent_id,
            kind="wet_signed",
            agencies=scope,
            signature_name=None,
            language=language,
            text_version=WET_SIGNED_TEXT_VERSION,
            text_sha256=None,
            signed_at=signed_at,
            expires_at=expires_at,
            identifier_kinds=kinds,
            filed_by=filed_by,
        )
        release._record_signed()
        return release

    @classmethod
    def restore(
        cls,
        *,
        id: str,
        submission_id: str,
        constituent_id: str,
        kind: ReleaseKind,
        agencies: Iterable[str],
        signature_name: str | None,
        language: Language,
        text_version: str,
        text_sha256: str | None,
        signed_at: datetime,
        expires_at: datetime | None,
        signer_ip: str | None = None,
        signer_user_agent: str | None = None,
        identifier_kinds: Iterable[str] | None = None,
        revoked_at: datetime | None = None,
        revoked_by: RevokedBy | None = None,
        revoked_by_user: str | None = None,
        revocation_reason: str | None = None,
        filed_by: str | None = None,
    ) -> Release:
        """A release as a repository stored it; records nothing. One written before releases
        expired (no `expires_at`) holds `LEGACY_VALID_DAYS` from its signature."""
        return cls(
            id=id,
            submission_id=submission_id,
            constituent_id=constituent_id,
            kind=kind,
            agencies=tuple(agencies),
            signature_name=signature_name,
            language=language,
            text_version=text_version,
            text_sha256=text_sha256,
            signed_at=signed_at,
            expires_at=expires_at or signed_at + timedelta(days=LEGACY_VALID_DAYS),
            signer_ip=signer_ip,
            signer_user_agent=signer_user_agent,
            identifier_kinds=tuple(identifier_kinds or ()),
            revoked_at=revoked_at,
            revoked_by=revoked_by,
            revoked_by_user=revoked_by_user,
            revocation_reason=revocation_reason,
            filed_by=filed_by,
        )

    def revoke(
        self, *, by: RevokedBy, user_id: str | None, reason: str | None, at: datetime
    ) -> None:
        """Withdraw the release from `at` on; records PRIVACY_RELEASE_REVOKED. Staff say why
        (the reason stays in intake); a release is revoked once."""
        _require_aware(at, "at")
        if self.revoked_at is not None:
            raise Conflict("this privacy release was already revoked")
        problems: dict[str, list[str]] = {}
        if by not in ("constituent", "staff"):
            problems["revoked_by"] = ["the constituent or staff"]
        if by == "staff" and not user_id:
            problems["user_id"] = ["staff revoking a release must be named"]
        why = " ".join((reason or "").split()) or None
        shortest, longest = REASON_LENGTH
        if by == "staff" and (why is None or len(why) < shortest):
            problems["reason"] = [f"say why the release is revoked ({shortest} characters or more)"]
        elif why is not None and len(why) > longest:
            problems["reason"] = [f"at most {longest} characters"]
        if problems:
            raise ValidationFailed("the privacy release cannot be revoked", fields=problems)
        self.revoked_at = at
        self.revoked_by = by
        self.revoked_by_user = user_id if by == "staff" else None
        self.revocation_reason = why
        self.record(
            PRIVACY_RELEASE_REVOKED,
            PrivacyReleaseRevoked(
                release_id=self.id,
                submission_id=self.submission_id,
                constituent_id=self.constituent_id,
                agencies=self.agencies,
                revoked_by=by,
                revoked_at=at,
            ),
        )

    def state(self, at: datetime) -> ReleaseState:
        """What the release was at `at`: revoked from its revocation on, expired from its
        expiry on, valid otherwise."""
        if self.revoked_at is not None and at >= self.revoked_at:
            return "revoked"
        if at >= self.expires_at:
            return "expired"
        return "valid"

    def covers(self, agency_code: str, at: datetime) -> bool:
        """Whether the office may rely on this release with `agency_code` at `at`."""
        return agency_code in self.agencies and self.state(at) == "valid"

    def _record_signed(self) -> None:
        self.record(
            PRIVACY_RELEASE_SIGNED,
            PrivacyReleaseSigned(
                release_id=self.id,
                submission_id=self.submission_id,
                constituent_id=self.constituent_id,
                agencies=self.agencies,
                kind=self.kind,
                signed_at=self.signed_at,
                expires_at=self.expires_at,
            ),
        )


def _scope(agencies: Iterable[str], problems: dict[str, list[str]]) -> tuple[str, ...]:
    """The agency codes, each once, in the order given."""
    scope = tuple(dict.fromkeys(code.strip().upper() for code in agencies))
    if not scope:
        problems["agencies"] = ["name at least one agency"]
    elif len(scope) > MAX_AGENCIES:
        problems["agencies"] = [f"at most {MAX_AGENCIES} agencies in one release"]
    elif not all(AGENCY_CODE.match(code) for code in scope):
        problems["agencies"] = ["not an agency this office works with"]
    return scope


def _identifier_kinds(kinds: Iterable[str], problems: dict[str, list[str]]) -> tuple[str, ...]:
    given = set(kinds)
    if given - IDENTIFIER_KINDS.keys():
        problems["identifier_kinds"] = ["not an identifier this form asks for"]
    return tuple(kind for kind in IDENTIFIER_KINDS if kind in given)


def _require_aware(moment: datetime, name: str) -> None:
    # A programming error, not a user's: every clock in this codebase is timezone-aware.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _require_valid_days(valid_days: int) -> None:
    if valid_days < 1:
        raise ValueError("a release is valid for at least a day")
