"""The one way every service reads what comes in: strict schemas, the office id, text that can
be stored and sent, and argument loading with one error format."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from services.chassis.errors import ValidationFailed
from services.contracts.vocabulary import OFFICE_ID_PATTERN

OFFICE_ID = re.compile(OFFICE_ID_PATTERN)

# Characters no text we keep may hold: C0/C1 controls (NUL cannot be stored by PostgreSQL) and
# lone UTF-16 surrogates (cannot be encoded as UTF-8, so neither stored nor sent). The
# bidirectional embeddings, overrides and isolates that make "evil" display as "live" have no
# place in a name or a subject: they are stripped (pages also isolate user text on display).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_STRIP_BIDI = {ord(character): None for character in BIDI_CONTROLS}


def is_office_id(value: str) -> bool:
    return bool(OFFICE_ID.match(value))


class StrictSchema(Schema):
    """Unknown fields are refused, never silently dropped."""

    class Meta:
        unknown = RAISE


class OfficeId(fields.String):
    """An office id of the shape gateway registers."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", True)
        rule = validate.Regexp(OFFICE_ID_PATTERN, error="not an office id")
        super().__init__(validate=rule, **kwargs)


def strip_bidi_controls(value: str) -> str:
    return value.translate(_STRIP_BIDI)


# One pass in C instead of a Python loop over every character of a long description.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_WHITESPACE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def unstorable_character(value: str, *, multiline: bool) -> str | None:
    """Why `value` cannot be stored or sent as it is, or None when it can."""
    if _LONE_SURROGATE.search(value):
        return "contains a character that is not valid Unicode (a lone surrogate)"
    if (_CONTROL_BUT_WHITESPACE if multiline else _CONTROL).search(value):
        return "contains a control character"
    return None


class Text(fields.String):
    """Text a person typed: a single line unless `multiline=True` (newlines and tabs kept).

    Refuses what a consumer would reject later (lone surrogates, control characters), so a
    request is refused with a 422 naming the field instead of accepted and lost downstream;
    strips bidirectional controls.
    """

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiline = multiline

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = strip_bidi_controls(super()._deserialize(value, attr, data, **kwargs))
        problem = unstorable_character(text, multiline=self.multiline)
        if problem is not None:
            raise ValidationError(problem)
        return text


def field_errors(exc: ValidationError) -> dict[str, Any]:
    """A validation error's messages keyed by field (`_schema` for the whole input)."""
    return exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}


def load_arguments(schema: Schema, arguments: Mapping[str, Any]) -> Any:
    """What `schema` loads from `arguments`, or a ValidationFailed naming each bad field.

    The one error format every RPC and HTTP entrypoint gives: code `validation_failed`, a
    message listing the fields, and `fields` mapping each to its problems.
    """
    try:
        return schema.load(arguments)
    except ValidationError as exc:
        raise validation_failed(exc) from None


def validation_failed(exc: ValidationError) -> ValidationFailed:
    problems = field_errors(exc)
    return ValidationFailed(
        f"some fields are missing or invalid: {', '.join(sorted(map(str, problems)))}",
        fields=problems,
    )
