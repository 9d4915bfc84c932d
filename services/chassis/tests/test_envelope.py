"""Reading an envelope back: what a foreign or malformed producer cannot break."""

from __future__ import annotations

import pytest

from services.chassis.envelope import InvalidMessage, decode_event, new_envelope
from services.contracts import CASE_ASSIGNED, CaseAssigned

ASSIGNED = {
    "case_id": "c-1",
    "caseworker_id": "u-1",
    "caseworker_name": "Sam Rivera",
    "method": "round_robin",
    "assigned_at": "2026-11-23T10:00:00+00:00",
}


def test_an_envelope_decodes_into_a_typed_payload() -> None:
    event = decode_event(new_envelope(CASE_ASSIGNED, ASSIGNED, office_id="rep-a"), CASE_ASSIGNED)
    assert isinstance(event.payload, CaseAssigned) and event.payload.case_id == "c-1"
    assert event.office_id == "rep-a"


def test_ids_longer_than_the_outbox_keeps_are_cut_not_fatal() -> None:
    body = {
        **new_envelope(CASE_ASSIGNED, ASSIGNED, office_id="rep-a"),
        "correlation_id": "c" * 200,
        "causation_id": "e" * 200,
        "traceparent": "t" * 200,
    }
    event = decode_event(body, CASE_ASSIGNED)
    assert event.correlation_id == "c" * 64
    assert event.causation_id == "e" * 64 and event.traceparent == "t" * 64


@pytest.mark.parametrize("office", ["", "*", "Rep A", "rep\n", 42])
def test_an_envelope_without_a_valid_office_is_refused(office: object) -> None:
    body = {**new_envelope(CASE_ASSIGNED, ASSIGNED, office_id="rep-a"), "office_id": office}
    with pytest.raises(InvalidMessage):
        decode_event(body, CASE_ASSIGNED)
