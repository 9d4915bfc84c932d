import pytest
from marshmallow import ValidationError

from services.contracts import (
    ALL_EVENTS,
    OFFICE_REGISTERED,
    SUBMISSION_RECEIVED,
    SUBSCRIPTIONS,
    contract_for,
)
from services.contracts.docs import EVENTS_MD, render

SENSITIVE = (
    "ssn",
    "social_security_number",
    "dob",
    "date_of_birth",
    "alien",
    "a_number",
    "claim_number",
    "passport_number",
    "diagnosis",
    "medical",
    "description",
)


def test_events_md_is_generated_from_the_current_contracts() -> None:
    assert EVENTS_MD.read_text() == render(), "run `python -m services.contracts.docs`"


@pytest.mark.parametrize("contract", ALL_EVENTS, ids=lambda c: c.event_type)
def test_every_example_is_a_valid_payload(contract) -> None:
    assert contract.load(contract.dump(contract.example))


@pytest.mark.parametrize("contract", ALL_EVENTS, ids=lambda c: c.event_type)
def test_no_event_carries_sensitive_identifiers(contract) -> None:
    for name in contract.schema().fields:
        assert not any(word in name for word in SENSITIVE), f"{contract.event_type}.{name}"


def test_event_types_name_their_producer_and_a_past_tense_fact() -> None:
    for contract in ALL_EVENTS:
        service, _, fact = contract.event_type.partition(".")
        assert service == contract.producer and fact


def test_every_subscription_is_to_a_known_event_and_has_a_unique_queue() -> None:
    for subscription in SUBSCRIPTIONS:
        contract_for(subscription.event_type)
    queues = [s.queue for s in SUBSCRIPTIONS]
    assert len(queues) == len(set(queues))


def test_producers_dump_strictly_and_consumers_read_tolerantly() -> None:
    payload = dict(SUBMISSION_RECEIVED.example)
    with pytest.raises(ValidationError):
        SUBMISSION_RECEIVED.dump({**payload, "extra": 1})
    with pytest.raises(ValidationError):
        SUBMISSION_RECEIVED.dump({k: v for k, v in payload.items() if k != "tracking_code"})
    loaded = SUBMISSION_RECEIVED.load({**SUBMISSION_RECEIVED.dump(payload), "added_in_v1_1": "x"})
    assert "added_in_v1_1" not in loaded


def test_an_unknown_event_type_has_no_contract() -> None:
    with pytest.raises(KeyError):
        contract_for("intake.nothing_happened")


@pytest.mark.parametrize(
    "hours",
    [{"sending_from": 9}, {"sending_until": 17}, {"sending_from": 17, "sending_until": 9}],
)
def test_an_office_announced_with_half_or_no_span_of_sending_hours_is_refused(hours) -> None:
    office = {**OFFICE_REGISTERED.example, "sending_from": None, "sending_until": None, **hours}

    with pytest.raises(ValidationError) as refused:
        OFFICE_REGISTERED.load(office)

    assert "sending_until" in refused.value.messages


def test_an_office_announced_before_sending_hours_existed_keeps_the_legislatures() -> None:
    older = {k: v for k, v in OFFICE_REGISTERED.example.items() if not k.startswith("sending")}

    loaded = OFFICE_REGISTERED.load_typed(older)

    assert (loaded.sending_from, loaded.sending_until) == (None, None)
