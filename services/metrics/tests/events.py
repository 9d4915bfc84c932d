"""Payloads of the four events metrics consumes, as their producers would send them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from services.chassis.db import IncomingEvent
from services.contracts import EventContract

CONSTITUENT_NAME = "Maria Lopez"
CONSTITUENT_EMAIL = "maria.lopez@example.org"


def submission_received(submission_id: str, received_at: datetime) -> dict[str, Any]:
    return {
        "submission_id": submission_id,
        "tracking_code": "K7QX-M2PD",
        "constituent_id": str(uuid.uuid4()),
        "constituent_name": CONSTITUENT_NAME,
        "contact_email": CONSTITUENT_EMAIL,
        "preferred_language": "en",
        "channel": "web",
        "category": "social_security",
        "agency_hint": "SSA",
        "subject": "Retirement benefit delayed",
        "urgent": False,
        "privacy_release_signed": True,
        "received_at": received_at,
    }


def case_opened(case_id: str, submission_id: str, opened_at: datetime) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "reference": "CW-2026-000042",
        "submission_id": submission_id,
        "tracking_code": "K7QX-M2PD",
        "constituent_id": str(uuid.uuid4()),
        "category": "social_security",
        "agency_hint": "SSA",
        "urgent": False,
        "opened_at": opened_at,
    }


def case_assigned(
    case_id: str, caseworker_id: str, caseworker_name: str, assigned_at: datetime
) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "caseworker_id": caseworker_id,
        "caseworker_name": caseworker_name,
        "method": "round_robin",
        "assigned_at": assigned_at,
    }


def acknowledgement_sent(case_id: str, submission_id: str, sent_at: datetime) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "submission_id": submission_id,
        "channel": "email",
        "sent_at": sent_at,
    }


def incoming(
    contract: EventContract,
    payload: dict[str, Any],
    *,
    office_id: str,
    occurred_at: datetime | None = None,
    event_id: str | None = None,
) -> IncomingEvent:
    """The event as a handler receives it: wire form loaded back, as the entrypoint does."""
    return IncomingEvent(
        event_id=event_id or str(uuid.uuid4()),
        event_type=contract.event_type,
        schema_version=contract.version,
        office_id=office_id,
        occurred_at=occurred_at or datetime.now(UTC),
        correlation_id=str(uuid.uuid4()),
        causation_id=None,
        traceparent=None,
        payload=contract.load(contract.dump(payload)),
    )
