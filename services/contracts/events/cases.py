"""The events cases announces: cases opened, assigned, moved, closed, and public updates."""

from __future__ import annotations

from services.contracts.events.contract import EventContract
from services.contracts.payloads import cases as payloads

CASE_OPENED = EventContract(
    "cases.case_opened",
    1,
    "cases",
    payloads.CaseOpenedV1,
    "A case was opened for a submission (exactly one case per submission).",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "submission_id": "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
        "tracking_code": "K7QX-M2PD",
        "constituent_id": "0d6f3c1e-2a55-4a8b-8f8e-6a4ac2f5b1a0",
        "category": "social_security",
        "agency_hint": "SSA",
        "urgent": False,
        "opened_at": "2026-11-23T14:05:01+00:00",
        "caseworker_id": None,
    },
    payload_type=payloads.CaseOpened,
)

CASE_ASSIGNED = EventContract(
    "cases.case_assigned",
    1,
    "cases",
    payloads.CaseAssignedV1,
    "A case was given to a caseworker (by the office's routing or by a supervisor).",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "caseworker_id": "u-3",
        "caseworker_name": "Sam Rivera",
        "method": "round_robin",
        "assigned_at": "2026-11-23T14:05:01+00:00",
    },
    payload_type=payloads.CaseAssigned,
)

CASE_STATUS_CHANGED = EventContract(
    "cases.case_status_changed",
    1,
    "cases",
    payloads.CaseStatusChangedV1,
    "A case moved through its lifecycle (a reopening is a change from resolved or closed back "
    "to open). `changed_by` is the staff user's id.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "from_status": "open",
        "to_status": "waiting_on_agency",
        "reason": "Inquiry sent to SSA congressional liaison",
        "changed_by": "u-3",
        "changed_at": "2026-11-24T10:12:00+00:00",
    },
    payload_type=payloads.CaseStatusChanged,
)

CASE_CLOSED = EventContract(
    "cases.case_closed",
    1,
    "cases",
    payloads.CaseClosedV1,
    "A case was closed with its structured outcome (what the office achieved). The outcome's "
    "free text stays in cases.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "category": "social_security",
        "agency_code": "SSA",
        "result": "favourable",
        "obtained": ["payment_released"],
        "amount_minor": 412000,
        "currency": "USD",
        "opened_at": "2026-11-23T14:05:01+00:00",
        "closed_by": "u-3",
        "closed_at": "2026-12-02T16:40:00+00:00",
    },
    payload_type=payloads.CaseClosed,
)

PUBLIC_NOTE_ADDED = EventContract(
    "cases.public_note_added",
    1,
    "cases",
    payloads.PublicNoteAddedV1,
    "A caseworker wrote an update meant for the constituent; the public status page shows "
    "it. Internal notes never leave cases.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "DEM-2026-00042",
        "note_id": "4d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6",
        "text": "We have contacted the Social Security Administration on your behalf.",
        "added_at": "2026-11-25T10:00:00+00:00",
    },
    payload_type=payloads.PublicNoteAdded,
)
