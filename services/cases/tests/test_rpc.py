"""Cases' RPC methods against a real broker and both databases: the queue, the case page, the
audit of every read, and the refusal of bad arguments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from nameko.standalone.rpc import ClusterRpcClient

from services.cases.tests.conftest import OFFICE, OTHER_OFFICE, YEAR, CasesHarness
from services.chassis.errors import NotFound, ValidationFailed


def test_the_queue_lists_the_offices_cases_newest_first_and_audits_each_one_shown(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    cases.add_staff("u-4", "Alex Chen", "caseworker")
    opened = [cases.open_case(subject=f"Request {number}") for number in range(3)]
    cases.open_case(OTHER_OFFICE)

    with ClusterRpcClient(context_data={"user_id": "u-4", "role": "caseworker"}) as rpc:
        everything = rpc.cases.list_cases(OFFICE)
        alex = rpc.cases.list_cases(office_id=OFFICE, assigned_to="u-4")
        page = rpc.cases.list_cases(OFFICE, status="new", limit=1, offset=1)
        closed = rpc.cases.list_cases(OFFICE, status="closed")

    assert everything["total"] == 3
    assert [row["reference"] for row in everything["cases"]] == [
        case.reference for case in reversed(opened)
    ]
    newest = everything["cases"][0]
    assert newest == {
        "case_id": opened[2].id,
        "reference": f"CW-{YEAR}-000003",
        "status": "new",
        "subject": "Request 2",
        "category": "social_security",
        "constituent_name": "Maria Lopez",
        "urgent": False,
        "opened_at": opened[2].opened_at.isoformat(),
        "assigned_to_id": "u-4",
        "assigned_to_name": "Alex Chen",
        "agency_code": None,
        "priority": "normal",
        "tags": [],
        "due_on": None,
        "updated_at": opened[2].opened_at.isoformat(),
    }
    assert alex["total"] == 2
    assert {row["assigned_to_id"] for row in alex["cases"]} == {"u-4"}
    assert page["total"] == 3
    assert [row["case_id"] for row in page["cases"]] == [opened[1].id]
    assert closed == {"cases": [], "total": 0}
    audit = cases.audit_entries()
    assert len(audit) == 3 + 2 + 1
    assert {entry["actor"] for entry in audit} == {"u-4"}
    assert {entry["action"] for entry in audit} == {"case.listed"}
    assert {entry["office_id"] for entry in audit} == {OFFICE}


def test_the_case_page_has_the_case_and_its_timeline_and_the_read_is_audited(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    case = cases.open_case()

    with ClusterRpcClient(context_data={"user_id": "u-3", "role": "caseworker"}) as rpc:
        page = rpc.cases.get_case(OFFICE, case.id)
    with ClusterRpcClient(context_data={"origin": "admin-cli"}) as rpc:
        rpc.cases.get_case(office_id=OFFICE, case_id=case.id.upper())

    assert page["case_id"] == case.id
    assert page["reference"] == f"CW-{YEAR}-000001"
    assert page["submission_id"] == case.submission_id
    assert page["tracking_code"] == "K7QX-M2PD"
    assert page["constituent_id"] == case.constituent_id
    assert page["assigned_to_name"] == "Sam Rivera"
    assert [entry["kind"] for entry in page["timeline"]] == ["opened", "assigned"]
    assert all(datetime.fromisoformat(entry["at"]).tzinfo for entry in page["timeline"])
    audit = cases.audit_entries()
    assert [
        (entry["actor"], entry["action"], entry["subject_id"], entry["origin"]) for entry in audit
    ] == [
        ("u-3", "case.viewed", case.id, None),
        ("system", "case.viewed", case.id, "admin-cli"),
    ]


def test_another_offices_case_is_not_found_and_its_read_is_not_audited(
    cases: CasesHarness,
) -> None:
    theirs = cases.open_case(OTHER_OFFICE)

    with ClusterRpcClient() as rpc, pytest.raises(NotFound):
        rpc.cases.get_case(OFFICE, theirs.id)

    assert cases.audit_entries() == []


def test_bad_arguments_are_refused_with_a_validation_error_naming_them(
    cases: CasesHarness,
) -> None:
    calls: list[tuple[str, dict[str, Any], str]] = [
        ("list_cases", {"office_id": "Rep Lopez"}, "office_id"),
        ("list_cases", {"office_id": OFFICE, "status": "pending"}, "status"),
        ("list_cases", {"office_id": OFFICE, "limit": 0}, "limit"),
        ("list_cases", {"office_id": OFFICE, "limit": 10_000}, "limit"),
        ("list_cases", {"office_id": OFFICE, "offset": -1}, "offset"),
        ("get_case", {"office_id": OFFICE, "case_id": "42"}, "case_id"),
        ("get_case", {"office_id": "", "case_id": str(uuid.uuid4())}, "office_id"),
    ]
    with ClusterRpcClient() as rpc:
        for method, arguments, bad in calls:
            with pytest.raises(ValidationFailed) as raised:
                getattr(rpc.cases, method)(**arguments)
            assert bad in raised.value.fields, (method, arguments)
