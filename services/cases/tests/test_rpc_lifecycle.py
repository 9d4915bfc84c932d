"""The case lifecycle through the real cases service, a real broker and both databases: roles
checked again in cases, another office's case not found, moves refused with the allowed ones,
and every change in the timeline, the outbox and the audit log with the real actor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from nameko import exceptions
from nameko.standalone.rpc import ClusterRpcClient
from sqlalchemy import select

from services.cases.models import Base
from services.cases.tests.conftest import OFFICE, OTHER_OFFICE, CasesHarness
from services.chassis.errors import CaseworkError, Conflict, Forbidden, NotFound, ValidationFailed
from services.contracts import CASE_CLOSED, CASE_STATUS_CHANGED

outbox = Base.metadata.tables["outbox"]
ORIGIN = "web 203.0.113.9"


def as_user(user: str, role: str, office: str = OFFICE) -> Any:
    return ClusterRpcClient(
        context_data={"user_id": user, "role": role, "office_id": office, "origin": ORIGIN}
    )


@pytest.fixture(autouse=True)
def errors_as_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    """The caller gets cases' errors back as the chassis types, fields included (as gateway
    registers them)."""
    for error in (Conflict, Forbidden, NotFound, ValidationFailed):
        monkeypatch.setitem(exceptions.registry, exceptions.get_module_path(error), error)


@pytest.fixture
def staffed(cases: CasesHarness) -> Iterator[CasesHarness]:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    cases.add_staff("u-4", "Alex Chen", "caseworker")
    cases.add_staff("u-1", "Pat Boss", "supervisor")
    cases.add_staff("u-9", "Ira Intern", "read_only")
    yield cases


def published(cases: CasesHarness, event_type: str) -> list[dict[str, Any]]:
    with cases.engine.connect() as connection:
        rows = connection.execute(
            select(outbox.c.payload).where(outbox.c.event_type == event_type).order_by(outbox.c.id)
        ).scalars()
        return [json.loads(row) for row in rows]


def refused(call: Any, *args: Any, **kwargs: Any) -> CaseworkError:
    with pytest.raises(CaseworkError) as raised:
        call(*args, **kwargs)
    return raised.value


def kinds(errors: list[CaseworkError]) -> list[str]:
    return [type(error).__name__ for error in errors]


def test_a_case_goes_through_its_lifecycle_with_every_step_recorded(
    staffed: CasesHarness,
) -> None:
    case = staffed.open_case()
    reference = case.reference
    with as_user("u-3", "caseworker") as rpc:
        noted = rpc.cases.add_note(OFFICE, reference, "Called the SSA liaison", kind="call")
        waiting = rpc.cases.change_status(
            OFFICE, reference, "waiting_on_agency", reason="Inquiry sent"
        )
        illegal = refused(rpc.cases.change_status, OFFICE, reference, "transferred")
        no_outcome = refused(rpc.cases.change_status, OFFICE, reference, "closed")
        outcome = {"result": "favourable", "obtained": ["payment_released"], "text": "Paid"}
        closed = rpc.cases.change_status(
            OFFICE,
            reference,
            "closed",
            outcome={**outcome, "amount_minor": 4120, "currency": "USD"},
        )
        reopened = rpc.cases.change_status(OFFICE, reference, "reopened", reason="Underpaid")
        updated = rpc.cases.update_case(
            OFFICE, reference, priority="urgent", tags=["ssa"], due_on="2026-01-05"
        )

    assert noted["status"] == "open"
    assert [(e["kind"], e["author_name"]) for e in noted["timeline"][-2:]] == [
        ("status_changed", "Sam Rivera"),
        ("call", "Sam Rivera"),
    ]
    assert noted["timeline"][-1]["body"] == "Called the SSA liaison"
    assert waiting["status"] == "waiting_on_agency"
    assert waiting["allowed_transitions"] == [
        "waiting_on_constituent",
        "open",
        "resolved",
        "closed",
        "withdrawn",
    ]
    assert isinstance(illegal, Conflict)
    assert illegal.message == "a case cannot go from waiting_on_agency to transferred"
    assert illegal.fields == {
        "to": ["cannot go from waiting_on_agency to transferred"],
        "allowed": waiting["allowed_transitions"],
    }
    assert isinstance(no_outcome, ValidationFailed) and list(no_outcome.fields) == ["outcome"]
    assert closed["status"] == "closed"
    assert closed["outcome"]["amount_minor"] == 4120 and closed["allowed_transitions"] == [
        "reopened"
    ]
    assert reopened["status"] == "open" and reopened["outcome"] is None
    assert reopened["timeline"][-1]["kind"] == "reopened"
    assert (updated["priority"], updated["urgent"], updated["tags"], updated["due_on"]) == (
        "urgent",
        True,
        ["ssa"],
        "2026-01-05",
    )

    moves = [
        (e["from_status"], e["to_status"], e["changed_by"])
        for e in published(staffed, CASE_STATUS_CHANGED.event_type)
    ]
    assert moves == [
        ("new", "open", "u-3"),
        ("open", "waiting_on_agency", "u-3"),
        ("waiting_on_agency", "closed", "u-3"),
        ("closed", "open", "u-3"),
    ]
    [closing] = published(staffed, CASE_CLOSED.event_type)
    assert closing["result"] == "favourable" and closing["amount_minor"] == 4120
    assert closing["closed_by"] == "u-3" and "text" not in closing
    assert staffed.case(case.id).status == "open"  # type: ignore[union-attr]
    audit = [(a["actor"], a["action"], a["origin"]) for a in staffed.audit_entries()]
    assert audit == [
        ("u-3", "case.note_added", ORIGIN),
        ("u-3", "case.status_changed", ORIGIN),
        ("u-3", "case.status_changed", ORIGIN),
        ("u-3", "case.status_changed", ORIGIN),
        ("u-3", "case.updated", ORIGIN),
    ]


def test_an_intern_reads_but_every_change_is_refused_and_nothing_changes(
    staffed: CasesHarness,
) -> None:
    case = staffed.open_case()
    with as_user("u-9", "read_only") as rpc:
        page = rpc.cases.get_case(OFFICE, reference=case.reference)
        errors = [
            refused(rpc.cases.add_note, OFFICE, case.reference, "hello"),
            refused(rpc.cases.change_status, OFFICE, case.reference, "open"),
            refused(rpc.cases.assign_case, OFFICE, case.reference, "u-9"),
            refused(rpc.cases.update_case, OFFICE, case.reference, priority="urgent"),
            refused(rpc.cases.case_audit, OFFICE, case.reference),
        ]
    with ClusterRpcClient(context_data={"user_id": "u-5"}) as rpc:
        errors.append(refused(rpc.cases.get_case, OFFICE, reference=case.reference))

    assert page["allowed_transitions"] == []
    assert kinds(errors) == ["Forbidden"] * 6
    assert staffed.case(case.id).status == "new"  # type: ignore[union-attr]
    assert [a["action"] for a in staffed.audit_entries()] == ["case.viewed"]


def test_a_caller_acting_for_another_office_is_told_the_case_does_not_exist(
    staffed: CasesHarness,
) -> None:
    case = staffed.open_case()
    with as_user("u-3", "caseworker", office=OTHER_OFFICE) as rpc:
        errors = [
            refused(rpc.cases.get_case, OFFICE, reference=case.reference),
            refused(rpc.cases.add_note, OFFICE, case.reference, "hello"),
            refused(rpc.cases.list_cases, OFFICE),
        ]
    with as_user("u-3", "caseworker") as rpc:
        errors.append(refused(rpc.cases.get_case, OFFICE, reference="CW-2099-000001"))
        errors.append(refused(rpc.cases.get_case, OFFICE))

    assert kinds(errors) == ["NotFound"] * 4 + ["ValidationFailed"]
    assert staffed.audit_entries() == []


def test_assignment_follows_the_roles_and_the_queue_filters_find_cases(
    staffed: CasesHarness,
) -> None:
    first = staffed.open_case()
    assert first.assigned_to_id == "u-4"  # the rotation's first turn: Alex Chen
    with as_user("u-1", "supervisor") as rpc:
        given = rpc.cases.assign_case(OFFICE, first.reference, "u-3")
        not_staff = refused(rpc.cases.assign_case, OFFICE, first.reference, "u-9")
        rpc.cases.update_case(OFFICE, first.reference, tags=["appeal"], due_on="2000-01-01")
        load = rpc.cases.workload(OFFICE)
        trail = refused(rpc.cases.case_audit, OFFICE, first.reference)
    with as_user("u-4", "caseworker") as rpc:
        theirs = refused(rpc.cases.assign_case, OFFICE, first.reference, "u-4")
        tagged = rpc.cases.list_cases(OFFICE, tag="appeal")
        untagged = rpc.cases.list_cases(OFFICE, tag="appea")
        overdue = rpc.cases.list_cases(OFFICE, overdue=True, active=True)
        mine = rpc.cases.list_cases(OFFICE, assigned_to="u-3", priority="normal")
    with as_user("u-7", "office_admin") as rpc:
        audit = rpc.cases.case_audit(OFFICE, first.reference)

    assert (given["assigned_to_id"], given["assigned_to_name"]) == ("u-3", "Sam Rivera")
    assert given["timeline"][-1]["summary"] == "Assigned to Sam Rivera (manual)"
    assert kinds([not_staff, theirs, trail]) == ["ValidationFailed", "Forbidden", "Forbidden"]
    assert [row["reference"] for row in tagged["cases"]] == [first.reference]
    assert untagged["total"] == 0
    assert overdue["total"] == 1 and mine["total"] == 1
    rows = {row["user_id"]: row for row in load["rows"]}
    assert set(rows) == {"u-1", "u-3", "u-4", None}
    assert rows["u-3"]["total"] == 1 and rows["u-3"]["ages"]["under_7"] == 1
    assert rows["u-4"]["total"] == 0
    assert rows[None]["display_name"] == "Unassigned" and rows[None]["total"] == 0
    assert [(e["actor"], e["action"]) for e in audit["entries"]][:3] == [
        ("u-4", "case.listed"),
        ("u-4", "case.listed"),
        ("u-4", "case.listed"),
    ]
    assert ("u-1", "case.assigned") in [(e["actor"], e["action"]) for e in audit["entries"]]
    assert audit["entries"][0]["origin"] == ORIGIN
    assert staffed.audit_entries()[-1]["action"] == "case.audit_viewed"
