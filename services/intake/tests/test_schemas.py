"""The submission schema refuses, for every string field it has (found by walking the schema,
so a field added later is covered too), what a consumer could not store or send."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from marshmallow import Schema, ValidationError, fields

from services.intake.schemas import SubmissionSchema
from services.intake.tests.support import valid_submission


def string_fields(schema: Schema, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, field in schema.fields.items():
        if isinstance(field, fields.Nested):
            yield from string_fields(field.schema, (*path, name))
        elif isinstance(field, fields.List) and isinstance(field.inner, fields.String):
            yield (*path, name, "0")
        elif isinstance(field, fields.String):
            yield (*path, name)


def body_with(path: tuple[str, ...], value: str) -> dict[str, Any]:
    body = copy.deepcopy(valid_submission(urgent=True, urgency_reason="Eviction on Friday"))
    target: Any = body
    for part in path[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(path[-1])] = value
    else:
        target[path[-1]] = value
    return body


def problems_at(messages: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        messages = messages[int(part) if part.isdigit() else part]
    return messages


STRING_FIELDS = sorted(string_fields(SubmissionSchema()))


def test_the_walk_finds_the_nested_text_fields() -> None:
    assert ("constituent", "address", "line1") in STRING_FIELDS
    assert ("privacy_release", "signature_name") in STRING_FIELDS
    assert ("description",) in STRING_FIELDS and len(STRING_FIELDS) >= 15


def test_the_valid_body_loads() -> None:
    SubmissionSchema().load(valid_submission(urgent=True, urgency_reason="Eviction on Friday"))


@pytest.mark.parametrize("path", STRING_FIELDS, ids=".".join)
@pytest.mark.parametrize("bad", ["\ud800", "Lo\udfffpez", "nul\x00", "bell\x07"])
def test_every_string_field_refuses_surrogates_and_control_characters(
    path: tuple[str, ...], bad: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        SubmissionSchema().load(body_with(path, bad))

    assert problems_at(refused.value.messages, path)


def test_free_text_keeps_newlines_and_tabs_single_lines_refuse_them() -> None:
    text = "Payments stopped.\r\n\tI called twice."
    loaded = SubmissionSchema().load(valid_submission(description=text))
    assert loaded.description == text

    with pytest.raises(ValidationError) as refused:
        SubmissionSchema().load(valid_submission(subject="Benefit\ndelayed"))
    assert "subject" in refused.value.messages


def test_a_preferred_channel_needs_the_contact_detail_it_names() -> None:
    body = valid_submission()
    body.pop("privacy_release", None)
    body["constituent"] = {"first_name": "Ana", "last_name": "Ruiz", "phone": "202-555-0134"}
    schema = SubmissionSchema()

    body["constituent"]["preferred_channel"] = "phone"
    assert schema.load(body).constituent.preferred_channel == "phone"
    body["constituent"]["preferred_channel"] = "post"
    with pytest.raises(ValidationError) as refused:
        schema.load(body)
    assert "preferred_channel" in str(refused.value.messages)
    body["constituent"]["preferred_channel"] = "pigeon"
    with pytest.raises(ValidationError) as refused:
        schema.load(body)
    assert "preferred_channel" in str(refused.value.messages)
