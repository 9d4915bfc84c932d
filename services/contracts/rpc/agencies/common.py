"""What agencies' contracts share: the vocabularies their fields take (agency codes, day bases,
signature rules, inquiry states and channels, reply and partner kinds, roles), the tolerant
`Answer`, and the fields and clean-ups strict requests are built from."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

# An agency's code as the directory keys it: upper case, e.g. SSA, DOS-PPT.
AGENCY_CODE_PATTERN = r"^[A-Z][A-Z0-9-]{1,19}\Z"
DAY_BASES = ("business", "calendar")
SIGNATURE_RULES = ("any", "wet_only")
INQUIRY_STATES = ("draft", "awaiting_approval", "approved", "sent", "answered", "withdrawn")
INQUIRY_CHANNELS = ("email", "fax", "portal", "post")
REPLY_KINDS = ("interim", "final")
PARTNER_KINDS = (
    "legal_aid",
    "food_bank",
    "veterans_service",
    "community",
    "health",
    "housing",
    "other",
)


ID_LENGTH = validate.Length(1, 64)
UUID_LENGTH = validate.Length(36, 36)
CSV_MAX_CHARS = 2_000_000
ROLE_NAMES = ("office_admin", "supervisor", "caseworker", "read_only")


class Answer(Schema):
    class Meta:
        unknown = EXCLUDE


def agency_code_field(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(AGENCY_CODE_PATTERN, error="use the agency's code, e.g. SSA"),
        **kwargs,
    )


def optional_text(maximum: int) -> fields.String:
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=maximum))


def blank_to_none(data: Any, names: tuple[str, ...]) -> Any:
    if not isinstance(data, dict):
        return data
    cleaned = dict(data)
    for name in names:
        value = cleaned.get(name)
        if isinstance(value, str):
            cleaned[name] = value.strip() or None
    return cleaned


def upper_code(data: Any, name: str = "agency_code") -> Any:
    if isinstance(data, dict) and isinstance(data.get(name), str):
        return {**data, name: data[name].strip().upper()}
    return data


def time_zone(value: str) -> None:
    """An IANA time zone name (the office's deadlines are counted in it)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("not a time zone, e.g. America/Chicago") from None
