from typing import Any

import pytest

from services.cases.domain.cases import CaseQuery, CaseStatus
from services.cases.schemas import GetCaseArguments, ListCasesArguments, load_arguments
from services.chassis.errors import ValidationFailed


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


def test_a_case_id_must_be_a_uuid() -> None:
    with pytest.raises(ValidationFailed) as raised:
        load_arguments(GetCaseArguments(), {"office_id": "rep-lopez", "case_id": "42"})
    assert list(raised.value.fields) == ["case_id"]
    office, case_id = load_arguments(
        GetCaseArguments(),
        {"office_id": "rep-lopez", "case_id": "9E7C1B1D-8D43-4F83-A6F5-1F1D7D0F2C11"},
    )
    assert (office, case_id) == ("rep-lopez", "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11")
