"""A privacy release: the written consent (Privacy Act of 1974, CASES Act) that lets an office
act for a constituent with named federal agencies. The identifiers agencies ask for and their
rules, the text a constituent signs (English and Spanish), and the Release aggregate: signed
online or filed on paper by staff, valid until it expires or is revoked."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Literal

from services.chassis.domain import Aggregate
from services.chassis.errors import Conflict, ValidationFailed
from services.contracts import (
    PRIVACY_RELEASE_REVOKED,
    PRIVACY_RELEASE_SIGNED,
    PrivacyReleaseRevoked,
    PrivacyReleaseSigned,
)

ReleaseKind = Literal["e_signed", "wet_signed"]
ReleaseState = Literal["valid", "expired", "revoked"]
RevokedBy = Literal["constituent", "staff"]
Language = Literal["en", "es"]

LANGUAGES: tuple[Language, ...] = ("en", "es")
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


# -- Identifiers -------------------------------------------------------------------------------


class IdentifierRefused(ValueError):
    """Why a value is not an identifier of its kind; the message never repeats the value."""


@dataclass(frozen=True)
class IdentifierRule:
    """What an agency identifier looks like. `normalise` returns its one written form (so the
    same number typed two ways is stored alike) or raises `IdentifierRefused`; `mask` shows
    it in a case file without revealing it."""

    kind: str
    expected: str  # what a valid one looks like, for the message that refuses one
    normalise: Callable[[str, date], str]
    visible_digits: int = 4

    def mask(self, normalised: str) -> str:
        """Every digit but the last `visible_digits` as a bullet; letters and dashes stay."""
        digits = sum(char.isdigit() for char in normalised)
        hidden = digits - self.visible_digits
        masked = []
        for char in normalised:
            if char.isdigit() and hidden > 0:
                masked.append("•")
                hidden -= 1
            else:
                masked.append(char)
        return "".join(masked)


def _compact(value: str) -> str:
    """Without spaces or dashes, upper-cased: how people type numbers is not the number."""
    return re.sub(r"[\s\-]", "", value).upper()


def _ssn(value: str, today: date) -> str:
    digits = _compact(value)
    if not re.fullmatch(r"[0-9]{9}", digits):
        raise IdentifierRefused("a Social Security number is 9 digits, like 123-45-6789")
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    # Numbers the SSA never issues (area 000, 666 or 900-999, group 00, serial 0000).
    if area in ("000", "666") or area.startswith("9") or group == "00" or serial == "0000":
        raise IdentifierRefused("this is not a Social Security number the SSA issues")
    return f"{area}-{group}-{serial}"


def _ssn_last4(value: str, today: date) -> str:
    digits = _compact(value)
    if not re.fullmatch(r"[0-9]{4}", digits):
        raise IdentifierRefused("4 digits: the last 4 of the Social Security number")
    return digits


def _date_of_birth(value: str, today: date) -> str:
    text = value.strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise IdentifierRefused("a date of birth is written year-month-day, like 1980-04-23")
    try:
        born = date.fromisoformat(text)
    except ValueError:
        raise IdentifierRefused("this is not a date in the calendar") from None
    if born >= today:
        raise IdentifierRefused("a date of birth must be in the past")
    if born.year <= 1900:
        raise IdentifierRefused("a date of birth must be after 1900")
    return born.isoformat()


def _claim_number(value: str, today: date) -> str:
    text = re.sub(r"\s", "", value).upper()
    if not re.fullmatch(r"[A-Z0-9-]{4,30}", text) or not re.search(r"[A-Z0-9]", text):
        raise IdentifierRefused("a claim or case number is 4 to 30 letters, digits or dashes")
    return text


def _receipt_number(value: str, today: date) -> str:
    text = _compact(value)
    if not re.fullmatch(r"[A-Z]{3}[0-9]{10}", text):
        raise IdentifierRefused(
            "a USCIS receipt number is 3 letters and 10 digits, like IOE0123456789"
        )
    return text


def _a_number(value: str, today: date) -> str:
    text = _compact(value)
    digits = text.removeprefix("A")
    if not re.fullmatch(r"[0-9]{8,9}", digits):
        raise IdentifierRefused("an A-Number is A and 8 or 9 digits, like A123456789")
    # USCIS forms: "if your A-Number has 8 digits, add a 0 before the first digit".
    return f"A{digits.zfill(9)}"


def _va_file_number(value: str, today: date) -> str:
    digits = _compact(value)
    if not re.fullmatch(r"[0-9]{8,9}", digits):
        raise IdentifierRefused("a VA file number is 8 or 9 digits")
    return digits


IDENTIFIER_KINDS: Mapping[str, IdentifierRule] = MappingProxyType(
    {
        rule.kind: rule
        for rule in (
            IdentifierRule("ssn", "9 digits", _ssn),
            IdentifierRule("ssn_last4", "4 digits", _ssn_last4),
            IdentifierRule("date_of_birth", "year-month-day", _date_of_birth, visible_digits=0),
            IdentifierRule("claim_number", "4 to 30 letters, digits or dashes", _claim_number),
            IdentifierRule("receipt_number", "3 letters and 10 digits", _receipt_number),
            IdentifierRule("a_number", "A and 8 or 9 digits", _a_number),
            IdentifierRule("va_file_number", "8 or 9 digits", _va_file_number),
        )
    }
)
IDENTIFIER_FIELD = "identifiers.{kind}"
KIND_NAME = re.compile(r"^[a-z0-9_]{1,40}$")


def validate_identifiers(
    raw: Mapping[str, str | None], *, today: date | None = None
) -> dict[str, str]:
    """The identifiers a constituent gave, normalised, in `IDENTIFIER_KINDS` order; empty ones
    dropped. Refused ones raise `ValidationFailed` with one entry per bad kind, keyed
    `identifiers.<kind>` (an unknown kind that is not even a name: `identifiers`); no message
    repeats what was typed. `today` (UTC by default) decides what "in the past" means."""
    today = today or datetime.now(UTC).date()
    problems: dict[str, list[str]] = {}
    given: dict[str, str] = {}
    for kind, value in raw.items():
        rule = IDENTIFIER_KINDS.get(kind)
        if rule is None:
            key = IDENTIFIER_FIELD.format(kind=kind) if KIND_NAME.match(kind) else "identifiers"
            problems.setdefault(key, []).append("not an identifier this form asks for")
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str) or len(value) > 100:
            problems[IDENTIFIER_FIELD.format(kind=kind)] = [rule.expected]
            continue
        try:
            given[kind] = rule.normalise(value, today)
        except IdentifierRefused as refused:
            problems[IDENTIFIER_FIELD.format(kind=kind)] = [str(refused)]
    if problems:
        raise ValidationFailed("some identifiers are not valid", fields=problems)
    return {kind: given[kind] for kind in IDENTIFIER_KINDS if kind in given}


def mask_identifiers(identifiers: Mapping[str, str]) -> dict[str, str]:
    """Normalised identifiers as a case file may show them: "ssn" -> "•••-••-6789"."""
    return {kind: IDENTIFIER_KINDS[kind].mask(value) for kind, value in identifiers.items()}


# -- The text a constituent signs --------------------------------------------------------------

PLACEHOLDERS = ("office_name", "constituent_name", "agencies", "expires_on")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


@dataclass(frozen=True)
class ReleaseTextTemplate:
    """A release's wording in one language and version; `{office_name}`, `{constituent_name}`,
    `{agencies}` and `{expires_on}` are filled in for each constituent. A text that leaves
    any out would not say who may do what until when, so it is refused."""

    version: str
    language: Language
    body: str

    def __post_init__(self) -> None:
        problems: dict[str, list[str]] = {}
        if self.language not in LANGUAGES:
            problems["language"] = ["a release text is in English (en) or Spanish (es)"]
        if not self.version.strip():
            problems["version"] = ["a release text needs a version"]
        missing = [name for name in PLACEHOLDERS if "{" + name + "}" not in self.body]
        if missing:
            problems["body"] = [
                "a release text must name " + ", ".join("{" + name + "}" for name in missing)
            ]
        if problems:
            raise ValidationFailed("this release text cannot be used", fields=problems)


@dataclass(frozen=True)
class RenderedReleaseText:
    """The exact text a constituent is shown and signs; `sha256` (hex, of its UTF-8) is the
    evidence of which text that was."""

    version: str
    language: Language
    text: str
    sha256: str


RELEASE_TEXT_VERSION = "2026-12"

_RELEASE_TEXT_EN = """\
I, {constituent_name}, ask {office_name} to help me with my request to the following federal \
agencies: {agencies}.

Under the Privacy Act of 1974 (5 U.S.C. 552a(b)), I authorize {office_name} and its staff to \
receive information and records about me and my request from these agencies, and to discuss \
my request with them. I authorize these agencies to release that information to {office_name}.

The office will use this information only to help me with this request. It will not share my \
information with anyone other than the agencies named above.

This release is valid until {expires_on}, unless I revoke it earlier. I can revoke it at any \
time by telling {office_name} in writing, by letter or email, or online where I signed it. \
Revoking it does not undo anything done before the office received my revocation.

Signing this release is voluntary. If I do not sign it, the office may not be able to get \
information about my request from the agencies.

A copy of this release, on paper or electronic, is as valid as the original.

By typing my full name and submitting this form, I sign this release electronically. My \
electronic signature has the same legal effect as my signature on paper."""

_RELEASE_TEXT_ES = """\
Yo, {constituent_name}, solicito la ayuda de {office_name} con mi trámite ante las siguientes \
agencias federales: {agencies}.

Conforme a la Ley de Privacidad de 1974 (5 U.S.C. 552a(b)), autorizo a {office_name} y a su \
personal a recibir de estas agencias información y documentos sobre mí y sobre mi trámite, y \
a hablar con ellas sobre mi trámite. Autorizo a estas agencias a entregar esa información a \
{office_name}.

La oficina usará esta información solamente para ayudarme con este trámite. No compartirá mi \
información con nadie más que las agencias aquí nombradas.

Esta autorización es válida hasta el {expires_on}, salvo que yo la revoque antes. Puedo \
revocarla en cualquier momento avisando por escrito a {office_name}, por carta o por correo \
electrónico, o en línea donde la firmé. La revocación no anula lo que se haya hecho antes de \
que la oficina la reciba.

Firmar esta autorización es voluntario. Si no la firmo, es posible que la oficina no pueda \
obtener de las agencias información sobre mi trámite.

Una copia de esta autorización, en papel o electrónica, tiene la misma validez que el original.

Al escribir mi nombre completo y enviar este formulario, firmo esta autorización \
electrónicamente. Mi firma electrónica tiene el mismo efecto legal que mi firma en papel."""

DEFAULT_RELEASE_TEXTS: Mapping[Language, ReleaseTextTemplate] = MappingProxyType(
    {
        "en": ReleaseTextTemplate(RELEASE_TEXT_VERSION, "en", _RELEASE_TEXT_EN),
        "es": ReleaseTextTemplate(RELEASE_TEXT_VERSION, "es", _RELEASE_TEXT_ES),
    }
)

_MONTHS: Mapping[Language, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}


def format_date(day: date, language: Language) -> str:
    """'December 3, 2027' or '3 de diciembre de 2027', whatever the machine's locale."""
    month = _MONTHS[language][day.month - 1]
    if language == "es":
        return f"{day.day} de {month} de {day.year}"
    return f"{month} {day.day}, {day.year}"


def join_names(names: Sequence[str], language: Language) -> str:
    """'A, B, and C' (the serial comma of US forms) or 'A, B y C' ('e' before an i sound:
    'Seguro Social e Inmigración')."""
    items = [name.strip() for name in names if name.strip()]
    if len(items) <= 1:
        return "".join(items)
    head, last = items[:-1], items[-1]
    if language == "es":
        return f"{', '.join(head)} {_spanish_and(last)} {last}"
    if len(items) == 2:
        return f"{head[0]} and {last}"
    return f"{', '.join(head)}, and {last}"


def _spanish_and(next_word: str) -> str:
    bare = "".join(
        char for char in unicodedata.normalize("NFD", next_word.lower()) if char.isalpha()
    )
    # "hie", "hia"... start with a consonant sound ("agua y hielo"): they keep "y".
    if bare.startswith("i") or (bare.startswith("hi") and bare[2:3] not in tuple("aeiou")):
        return "e"
    return "y"


def render_release_text(
    template: ReleaseTextTemplate,
    *,
    office_name: str,
    constituent_name: str,
    agency_names: Sequence[str],
    expires_on: date,
) -> RenderedReleaseText:
    """The template filled in for one constituent, and the SHA-256 of exactly that text.

    One pass over the four placeholders only: braces a name happens to contain are left as
    they are, and an office's own text cannot reach anything else (unlike `str.format`)."""
    values = {
        "office_name": " ".join(office_name.split()),
        "constituent_name": " ".join(constituent_name.split()),
        "agencies": join_names(agency_names, template.language),
        "expires_on": format_date(expires_on, template.language),
    }
    text = _PLACEHOLDER.sub(lambda match: values[match.group(1)], template.body)
    return RenderedReleaseText(
        version=template.version,
        language=template.language,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


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
