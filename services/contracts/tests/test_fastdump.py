"""The fast dump gives exactly what the schema's strict load and dump give, and leaves every
payload it cannot vouch for to marshmallow (which coerces or refuses it as before)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import RAISE, ValidationError

from services.contracts import ALL_EVENTS, REMINDER_DUE, STAFF_MEMBER_ADDED, ReminderDue
from services.contracts.fastdump import fast_dumper
from services.contracts.payloads import REMINDER_AUDIENCES, REMINDER_KINDS

FAST = [contract for contract in ALL_EVENTS if fast_dumper(contract.schema) is not None]


def schema_dump(contract: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """What marshmallow alone makes of the payload (the slow path, for comparison)."""
    return dict(contract.schema().dump(contract.schema(unknown=RAISE).load(payload)))


def as_values(payload: Any) -> dict[str, Any]:
    return {f.name: getattr(payload, f.name) for f in dataclasses.fields(payload)}


def test_the_reminder_due_event_has_the_fast_path() -> None:
    assert REMINDER_DUE in FAST


def test_a_schema_with_optional_or_nested_fields_has_none() -> None:
    assert fast_dumper(STAFF_MEMBER_ADDED.schema) is None  # `active` has a default


@pytest.mark.parametrize("contract", FAST, ids=lambda c: c.event_type)
def test_every_fast_contracts_example_dumps_as_the_schema_dumps_it(contract: Any) -> None:
    payload = as_values(contract.load_typed(contract.example))
    fast = fast_dumper(contract.schema)
    assert fast is not None

    dumped = fast(payload)

    assert dumped == schema_dump(contract, payload)
    assert list(dumped or {}) == list(schema_dump(contract, payload))  # the same key order
    assert contract.dump(contract.load_typed(contract.example)) == dumped


aware = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9))]),
)
reminders_due = st.builds(
    ReminderDue,
    reminder_id=st.text(max_size=40),
    case_id=st.text(max_size=40),
    reference=st.text(max_size=20),
    kind=st.sampled_from(REMINDER_KINDS) | st.text(max_size=12),
    audience=st.sampled_from(REMINDER_AUDIENCES) | st.just("everyone"),
    occurrence=st.integers(min_value=-2, max_value=10**6),
    summary=st.text(max_size=320),
    due_at=aware,
    fired_at=aware | st.datetimes(),  # naive ones too: the schema refuses them
    agency_code=st.none() | st.text(max_size=20),
    inquiry_id=st.none() | st.text(max_size=40),
)


@given(reminders_due)
def test_a_reminder_due_dumps_as_the_schema_dumps_it_or_is_refused_alike(
    reminder: ReminderDue,
) -> None:
    payload = as_values(reminder)
    fast = fast_dumper(REMINDER_DUE.schema)
    assert fast is not None
    try:
        expected: dict[str, Any] | None = schema_dump(REMINDER_DUE, payload)
    except ValidationError:
        expected = None

    dumped = fast(payload)

    if expected is None:
        assert dumped is None
        with pytest.raises(ValidationError):
            REMINDER_DUE.dump(reminder)
    else:
        assert dumped is None or dumped == expected
        assert REMINDER_DUE.dump(reminder) == expected


@pytest.mark.parametrize(
    "change",
    [
        {"occurrence": "2"},  # marshmallow coerces it: the fast path leaves it to marshmallow
        {"occurrence": True},
        {"due_at": "2026-12-10T14:00:00+00:00"},
        {"due_at": date(2026, 12, 10)},
        {"summary": None},
        {"kind": "birthday"},
        {"unexpected": "field"},
    ],
)
def test_anything_but_the_plain_case_goes_to_marshmallow(change: dict[str, Any]) -> None:
    payload = {**as_values(REMINDER_DUE.load_typed(REMINDER_DUE.example)), **change}
    fast = fast_dumper(REMINDER_DUE.schema)
    assert fast is not None

    assert fast(payload) is None


def test_a_missing_field_goes_to_marshmallow_which_refuses_it() -> None:
    payload = as_values(REMINDER_DUE.load_typed(REMINDER_DUE.example))
    del payload["inquiry_id"]
    fast = fast_dumper(REMINDER_DUE.schema)
    assert fast is not None

    assert fast(payload) is None
    with pytest.raises(ValidationError):
        REMINDER_DUE.dump(payload)
