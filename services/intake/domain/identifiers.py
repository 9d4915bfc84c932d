"""The identifiers agencies ask for before they act on a release (a Social Security number or
its last four, a date of birth, a claim, receipt, A- or VA file number): each kind's rule,
checked and normalised as typed, and masked for anything but the sealed copy."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import MappingProxyType

from services.chassis.errors import ValidationFailed


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


def _a_number(value: str, today: date) -> str:
    text = _compact(value)
    digits = text.removeprefix("A")
    if not re.fullmatch(r"[0-9]{8,9}", digits):
        raise IdentifierRefused("an A-Number is A and 8 or 9 digits, like A123456789")
    # USCIS forms: "if your A-Number has 8 digits, add a 0 before the first digit".
    return f"A{digits.zfill(9)}"


def _compact_and_matching(pattern: str, refusal: str) -> Callable[[str, date], str]:
    """The rule of an identifier whose written form is just what was typed, compacted, when
    it has `pattern`'s shape."""

    def normalise(value: str, today: date) -> str:
        text = _compact(value)
        if not re.fullmatch(pattern, text):
            raise IdentifierRefused(refusal)
        return text

    return normalise


_ssn_last4 = _compact_and_matching(
    r"[0-9]{4}", "4 digits: the last 4 of the Social Security number"
)
_receipt_number = _compact_and_matching(
    r"[A-Z]{3}[0-9]{10}", "a USCIS receipt number is 3 letters and 10 digits, like IOE0123456789"
)
_va_file_number = _compact_and_matching(r"[0-9]{8,9}", "a VA file number is 8 or 9 digits")


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
