"""The shared input rules: strict schemas, office ids, storable text, one error format."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import fields

from services.chassis.errors import ValidationFailed
from services.chassis.schemas import OfficeId, StrictSchema, Text, is_office_id, load_arguments


class Request(StrictSchema):
    office_id = OfficeId()
    name = Text(required=True)
    description = Text(required=True, multiline=True)
    limit = fields.Integer(load_default=10)


VALID = {"office_id": "rep-lopez", "name": "Maria Lopez", "description": "line one\n\tline two"}


def test_a_valid_request_loads_with_newlines_and_tabs_kept_in_free_text() -> None:
    loaded = load_arguments(Request(), VALID)
    assert loaded["description"] == "line one\n\tline two" and loaded["limit"] == 10


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "\ud800"),
        ("name", "Lo\udfffpez"),
        ("description", "broken \udc00 text"),
        ("name", "two\nlines"),
        ("name", "bell\x07"),
        ("description", "nul\x00"),
        ("description", "escape\x1b[31m"),
    ],
)
def test_text_that_cannot_be_stored_or_sent_is_refused_naming_the_field(
    field: str, value: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        load_arguments(Request(), {**VALID, field: value})
    assert list(refused.value.fields) == [field]
    assert field in refused.value.message
    # The problem is described, the value is not echoed back.
    assert value not in str(refused.value.to_dict())


def test_bidirectional_overrides_are_stripped_from_text() -> None:
    loaded = load_arguments(Request(), {**VALID, "name": "\u202eevil\u202c"})
    assert loaded["name"] == "evil"


def test_unknown_fields_and_bad_office_ids_are_refused_in_one_format() -> None:
    with pytest.raises(ValidationFailed) as refused:
        load_arguments(Request(), {**VALID, "office_id": "Rep Lopez", "extra": 1})
    body = refused.value.to_dict()
    assert body["code"] == "validation_failed"
    assert set(body["fields"]) == {"office_id", "extra"}


# The documented office id, written independently of the implementation's pattern:
# lower-case ASCII letters, digits and hyphens, 2 to 63 characters, not starting with a hyphen.
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-"


def documented_office_id(value: str) -> bool:
    return 2 <= len(value) <= 63 and all(c in ALPHABET for c in value) and value[0] != "-"


@given(st.text(alphabet=ALPHABET + "A_ .é\n", max_size=70))
def test_an_office_id_is_exactly_what_the_documentation_says(value: str) -> None:
    assert is_office_id(value) == documented_office_id(value)


@pytest.mark.parametrize("value", ["rep-lopez", "s1", "senate-07", "0a"])
def test_known_good_office_ids(value: Any) -> None:
    assert is_office_id(value)


@pytest.mark.parametrize(
    "value", ["", "a", "-rep", "Rep", "rep_lopez", "rep lopez", "rep\n", "x" * 64]
)
def test_known_bad_office_ids(value: Any) -> None:
    assert not is_office_id(value)
