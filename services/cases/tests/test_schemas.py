"""Cases' RPC arguments and answers: the contracts (services/contracts/rpc/cases.py) as cases
loads and dumps them."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from services.cases.domain.case import Case, CaseStatus, Outcome, TimelineKind, TimelineNote
from services.cases.domain.queue import CasePage, CaseQuery, CaseView
from services.cases.schemas import GetCaseArguments, ListCasesArguments, case_file
from services.chassis.errors import ValidationFailed
from services.chassis.schemas import load_arguments
from services.contracts.rpc import cases as contract


def list_arguments(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "office_id": "rep-lopez",
        "status": None,
        "assigned_to": None,
        "limit": 50,
        "offset": 0,
    }
    arguments.update(overrides)
    return arguments


def test_a_queue_request_reads_as_an_office_and_a_query() -> None:
    office, query = load_arguments(
        ListCasesArguments(), list_arguments(status="waiting_on_agency", assigned_to="u-3")
    )
    assert office == "rep-lopez"
    assert query == CaseQuery(CaseStatus.WAITING_ON_AGENCY, "u-3", 50, 0)


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("office_id", ""),
        ("office_id", "Rep Lopez; DROP TABLE"),
        ("office_id", None),
        ("status", "pending"),
        ("limit", 0),
        ("limit", 201),
        ("limit", "50"),
        ("offset", -1),
        ("assigned_to", ""),
    ],
)
def test_each_bad_queue_argument_is_named_in_the_validation_error(
    argument: str, value: Any
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        load_arguments(ListCasesArguments(), list_arguments(**{argument: value}))
    assert list(raised.value.fields) == [argument]
    assert argument in raised.value.message


def test_an_unknown_argument_is_refused() -> None:
    with pytest.raises(ValidationFailed) as raised:
        load_arguments(ListCasesArguments(), list_arguments(sort="oldest"))
    assert list(raised.value.fields) == ["sort"]


def test_a_case_id_must_be_a_uuid() -> None:
    with pytest.raises(ValidationFailed) as raised:
        load_arguments(GetCaseArguments(), {"office_id": "rep-lopez", "case_id": "42"})
    assert list(raised.value.fields) == ["case_id"]
    office, case_id, reference = load_arguments(
        GetCaseArguments(),
        {"office_id": "rep-lopez", "case_id": "9E7C1B1D-8D43-4F83-A6F5-1F1D7D0F2C11"},
    )
    assert (office, case_id, reference) == (
        "rep-lopez",
        "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        None,
    )


@pytest.mark.parametrize("office_id", ["rep-lopez\n", "-rep", "r", "REP-LOPEZ", "rep_lopez"])
def test_an_office_id_not_of_the_shape_gateway_registers_is_refused(office_id: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        load_arguments(GetCaseArguments(), {"office_id": office_id, "case_id": str(uuid4())})
    assert list(raised.value.fields) == ["office_id"]


OPENED = datetime(2026, 11, 23, 14, 5, 1, 250000, tzinfo=UTC)
CASE = Case(
    case_id="9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
    office_id="rep-lopez",
    reference="CW-2026-000042",
    submission_id="5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
    tracking_code="K7QX-M2PD",
    constituent_id="0d6f3c1e-2a55-4a8b-8f8e-6a4ac2f5b1a0",
    constituent_name="Maria Lopez",
    subject="Retirement benefit delayed",
    category="social_security",
    agency_hint="SSA",
    urgent=False,
    opened_at=OPENED,
    status=CaseStatus.OPEN,
    assigned_to_id="u-3",
    assigned_to_name="Sam Rivera",
    assigned_at=OPENED,
    timeline=[
        TimelineNote(OPENED, TimelineKind.OPENED, "Case opened from submission K7QX-M2PD"),
        TimelineNote(
            OPENED + timedelta(seconds=1),
            TimelineKind.ASSIGNED,
            "Assigned to Sam Rivera (round robin)",
        ),
    ],
)
# The wire form gateway reads, byte for byte (field order included).
SUMMARY_JSON = (
    '{"case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11", "reference": "CW-2026-000042", '
    '"status": "open", "subject": "Retirement benefit delayed", "category": "social_security", '
    '"constituent_name": "Maria Lopez", "urgent": false, '
    '"opened_at": "2026-11-23T14:05:01.250000+00:00", "assigned_to_id": "u-3", '
    '"assigned_to_name": "Sam Rivera", "agency_code": null, "priority": "normal", "tags": [], '
    '"due_on": null, "updated_at": null'
)


def test_a_queue_page_goes_on_the_wire_as_it_always_has() -> None:
    page = contract.CasePage().dump(CasePage(cases=[CASE], total=7))

    assert json.dumps(page) == '{"cases": [' + SUMMARY_JSON + '}], "total": 7}'


def test_a_case_page_goes_on_the_wire_as_it_always_has_with_the_lifecycle_and_releases_added() -> (
    None
):
    file = case_file(CaseView(CASE, ["waiting_on_agency", "closed"]))

    assert json.dumps(file) == (
        SUMMARY_JSON + ', "submission_id": "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11", '
        '"tracking_code": "K7QX-M2PD", "constituent_id": "0d6f3c1e-2a55-4a8b-8f8e-6a4ac2f5b1a0", '
        '"agency_hint": "SSA", "agency_name": null, '
        '"assigned_at": "2026-11-23T14:05:01.250000+00:00", "timeline": ['
        '{"at": "2026-11-23T14:05:01.250000+00:00", "kind": "opened", '
        '"summary": "Case opened from submission K7QX-M2PD", "author_id": null, '
        '"author_name": null, "visibility": "internal", "body": null}, '
        '{"at": "2026-11-23T14:05:02.250000+00:00", "kind": "assigned", '
        '"summary": "Assigned to Sam Rivera (round robin)", "author_id": null, '
        '"author_name": null, "visibility": "internal", "body": null}], '
        '"contact_email": null, "preferred_language": "en", "channel": null, '
        '"outcome": null, "attachments": [], '
        '"allowed_transitions": ["waiting_on_agency", "closed"], "releases": []}'
    )


def test_a_closed_cases_page_carries_its_outcome_with_when_it_was_closed() -> None:
    closed = replace(
        CASE,
        status=CaseStatus.CLOSED,
        outcome=Outcome("favourable", ("payment_released",), 412000, "USD", "Paid in full"),
        closed_at=OPENED + timedelta(days=9),
    )

    file = case_file(CaseView(closed, []))

    assert file["outcome"] == {
        "result": "favourable",
        "obtained": ["payment_released"],
        "amount_minor": 412000,
        "currency": "USD",
        "text": "Paid in full",
        "closed_at": "2026-12-02T14:05:01.250000+00:00",
    }
    assert contract.CaseFile().load(json.loads(json.dumps(file)))["outcome"]["result"] == (
        "favourable"
    )


def test_a_caller_reads_the_answer_back_with_the_same_contract() -> None:
    wire = json.loads(json.dumps(contract.CasePage().dump(CasePage(cases=[CASE], total=1))))
    wire["cases"][0]["tracking_code"] = "K7QX-M2PD"  # a field added later is tolerated

    read = contract.CasePage().load(wire)

    assert read["total"] == 1
    assert read["cases"][0]["case_id"] == CASE.case_id
    assert read["cases"][0]["opened_at"] == OPENED
