"""The case page's service layer: one case from `cases` (with its timeline and the moves its
status allows) and the changes a caseworker makes to it, each one RPC call that acts as the
signed-in person (cases checks their role again). Answers are read with cases' contracts.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from services.chassis.errors import NotFound, ValidationFailed
from services.chassis.remote import RemoteService
from services.contracts.rpc import cases as cases_rpc
from services.gateway.domain.identity import TAKES_CASES
from services.gateway.domain.staff import StaffMember, normalise_email
from services.gateway.ports import GatewayDatabase

CASE_FILE = cases_rpc.CaseFile()
WORKLOAD = cases_rpc.Workload()
AUDIT_TRAIL = cases_rpc.AuditTrail()


def office_staff(db: GatewayDatabase, office_id: str) -> list[StaffMember]:
    with db.unit_of_work(office_id=office_id) as uow:
        return uow.staff.all()


def staff_names(db: GatewayDatabase, office_id: str) -> dict[str, str]:
    """Who did something (saved, approved), by user id: the office's staff, active or not, by
    name."""
    return {member.user_id: member.display_name for member in office_staff(db, office_id)}


def takes_cases(members: list[StaffMember]) -> list[StaffMember]:
    """Whom a case can be given to: active caseworkers and supervisors."""
    return [m for m in members if m.active and m.role in TAKES_CASES]


def get_case(cases: RemoteService, office_id: str, reference: str) -> dict[str, Any]:
    return case_call(cases, "get_case", office_id, reference)


def add_note(
    cases: RemoteService, office_id: str, reference: str, body: str, visibility: str, kind: str
) -> dict[str, Any]:
    return case_call(
        cases, "add_note", office_id, reference, body=body, visibility=visibility, kind=kind
    )


def request_documents(
    cases: RemoteService, office_id: str, reference: str, documents: list[str], note: str | None
) -> dict[str, Any]:
    return case_call(
        cases, "request_documents", office_id, reference, documents=documents, note=note
    )


def change_status(
    cases: RemoteService,
    office_id: str,
    reference: str,
    to: str,
    reason: str | None,
    outcome: dict[str, Any] | None,
) -> dict[str, Any]:
    return case_call(
        cases, "change_status", office_id, reference, to=to, reason=reason, outcome=outcome
    )


def case_call(
    cases: RemoteService, method: str, office_id: str, reference: str, **arguments: Any
) -> dict[str, Any]:
    """One of cases' methods on one case, answered with the case file (cases' contract)."""
    reply: dict[str, Any] = cases.call(
        method, CASE_FILE, office_id=office_id, reference=_reference(reference), **arguments
    )
    return reply


def assign(
    db: GatewayDatabase, cases: RemoteService, office_id: str, reference: str, email: str
) -> dict[str, Any]:
    """Give the case to the office's staff member with this email (one who takes cases)."""
    with db.unit_of_work(office_id=office_id) as uow:
        member = uow.staff.by_email(normalise_email(email))
    if member is None or not member.active:
        raise ValidationFailed(
            "no such colleague", fields={"user": [f"no active staff member {email} here"]}
        )
    if member.role not in TAKES_CASES:
        raise ValidationFailed(
            "that colleague takes no cases",
            fields={"user": ["give cases to a caseworker or a supervisor"]},
        )
    return case_call(cases, "assign_case", office_id, reference, user_id=member.user_id)


def update_case(
    cases: RemoteService, office_id: str, reference: str, changes: dict[str, Any]
) -> dict[str, Any]:
    return case_call(cases, "update_case", office_id, reference, **changes)


def workload(cases: RemoteService, office_id: str) -> list[dict[str, Any]]:
    reply = cases.call("workload", WORKLOAD, office_id=office_id)
    return list(reply["rows"])


def audit_trail(cases: RemoteService, office_id: str, reference: str) -> list[dict[str, Any]]:
    reply = cases.call(
        "case_audit", AUDIT_TRAIL, office_id=office_id, reference=_reference(reference)
    )
    return list(reply["entries"])


def money_minor(amount: str | None, field: str = "amount") -> int | None:
    """ "4,120.50" as 412050 cents; blank is none. Refused with the field named otherwise."""
    if amount is None or not amount.strip():
        return None
    try:
        value = Decimal(amount.strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationFailed(
            "not an amount", fields={field: ["an amount such as 1250.00"]}
        ) from None
    if value < 0 or value != value.quantize(Decimal("0.01")) or value > Decimal(10**10):
        raise ValidationFailed(
            "not an amount", fields={field: ["a positive amount with at most two decimals"]}
        )
    return int(value * 100)


def _reference(reference: str) -> str:
    """A reference as typed in an address (any case); anything else names no case."""
    reference = reference.strip().upper()
    if not re.fullmatch(cases_rpc.REFERENCE_PATTERN, reference):
        raise NotFound("there is no such case")
    return reference


def staff_entry(form: dict[str, Any]) -> dict[str, Any]:
    """The form as intake's submission (intake validates it and names what is wrong)."""
    constituent = {
        name: form[name]
        for name in ("first_name", "last_name", "email", "phone", "preferred_language")
        if name in form
    }
    submission: dict[str, Any] = {
        "constituent": constituent,
        "channel": form.get("channel", "phone"),
        "urgent": form.get("urgent") == "true",
    }
    for name in ("category", "subject", "description"):
        submission[name] = form.get(name, "")
    if form.get("agency"):
        submission["agency"] = str(form["agency"]).upper()
    return submission
