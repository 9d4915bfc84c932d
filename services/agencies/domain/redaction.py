"""What leaves the office redacted: SSNs masked to their last four (in fields and in any free
text), and public notes left out when the office says so."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.agencies.domain.letter_fields import Lines, Notes, digits_of, text_of

SSN_MASKED = "SSN masked to its last four"
NOTES_LEFT_OUT = "public notes left out"


@dataclass(frozen=True)
class Redaction:
    """The office's rules for what leaves it: SSNs masked to their last four (in fields and
    in any free text), and whether public notes may appear in a letter."""

    mask_ssn: bool = True
    include_public_notes: bool = True


# 123-45-6789, 123 45 6789, 123.45.6789: the same separator twice, not inside a longer number.
_SEPARATED_SSN = re.compile(r"(?<!\d)(?<!\d-)(\d{3})([- .])(\d{2})\2(\d{4})(?!\d)(?!-\d)")
# 123456789 is only clearly an SSN when labelled as one ("SSN 123456789", "Social Security
# number: 123456789"); a bare nine-digit number may be a receipt or file number.
_LABELLED_SSN = re.compile(
    r"(?i)(\b(?:ssn|ss\s?#|ss\s?no|soc(?:ial)?\.?\s*sec(?:urity)?)\b[^\d\n]{0,30}?)"
    r"(?<!\d)(\d{3})(\d{2})(\d{4})(?!\d)"
)


def mask_ssns(text: str, known_ssn: str = "") -> str:
    """`text` with every SSN printed as XXX-XX-1234: the constituent's own wherever it
    appears (claim and file numbers are often built on it), and anything written like one."""
    digits = digits_of(known_ssn)
    if len(digits) == 9:
        own = re.compile(rf"(?<!\d){digits[:3]}[- .]?{digits[3:5]}[- .]?{digits[5:]}(?!\d)")
        text = own.sub(f"XXX-XX-{digits[5:]}", text)
    text = _SEPARATED_SSN.sub(lambda match: f"XXX-XX-{match.group(4)}", text)
    return _LABELLED_SSN.sub(lambda match: f"{match.group(1)}XXX-XX-{match.group(4)}", text)


def _redacted(value: Any, known_ssn: str) -> Any:
    """The value with SSNs masked, its shape (dicts, lists, dates) kept."""
    if isinstance(value, Mapping):
        return {key: _redacted(item, known_ssn) for key, item in value.items()}
    if isinstance(value, Lines):
        return type(value)(_redacted(item, known_ssn) for item in value)
    if isinstance(value, list | tuple):
        return type(value)(_redacted(item, known_ssn) for item in value)
    if isinstance(value, str):
        return mask_ssns(value, known_ssn)
    return value


def redacted_context(context: Mapping[str, Any], *, mask_ssn: bool, notes: bool) -> dict[str, Any]:
    known = text_of(context.get("identifiers", {}).get("ssn"))
    result = dict(context)
    if not notes and isinstance(result.get("case"), Mapping):
        result["case"] = {**result["case"], "public_notes": Notes()}
    return _redacted(result, known) if mask_ssn else result
