"""The events metrics consumes: their payloads as producers send them, and each handled through
the consume wrapper, on a real database or a fake one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.chassis.consuming import OpensUnitsOfWork, consume
from services.chassis.fakes import incoming
from services.contracts import (
    ACKNOWLEDGEMENT_SENT,
    CASE_ASSIGNED,
    CASE_CLOSED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    SATISFACTION_RATED,
    SUBMISSION_RECEIVED,
)
from services.metrics import handlers

# A real `DatabaseAccess` or a `FakeMetricsDatabase`.
Target = OpensUnitsOfWork[Any]
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
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
    case_id: str,
    caseworker_id: str,
    caseworker_name: str,
    assigned_at: datetime,
    method: str = "round_robin",
) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "caseworker_id": caseworker_id,
        "caseworker_name": caseworker_name,
        "method": method,
        "assigned_at": assigned_at,
    }


def case_status_changed(
    case_id: str, from_status: str, to_status: str, changed_at: datetime
) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "reference": "CW-2026-000042",
        "from_status": from_status,
        "to_status": to_status,
        "reason": "Inquiry sent to SSA congressional liaison",
        "changed_by": "u-3",
        "changed_at": changed_at,
    }


def case_closed(
    case_id: str,
    *,
    result: str = "favourable",
    obtained: tuple[str, ...] = (),
    amount_minor: int | None = None,
    currency: str | None = None,
    opened_at: datetime = NOW,
    closed_at: datetime = NOW,
) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "reference": "CW-2026-000042",
        "category": "social_security",
        "agency_code": "SSA",
        "result": result,
        "obtained": list(obtained),
        "amount_minor": amount_minor,
        "currency": currency,
        "opened_at": opened_at,
        "closed_by": "u-3",
        "closed_at": closed_at,
    }


def acknowledgement_sent(case_id: str, submission_id: str, sent_at: datetime) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "submission_id": submission_id,
        "channel": "email",
        "sent_at": sent_at,
    }


def receive(
    db: Target,
    office_id: str,
    submission_id: str,
    at: datetime = NOW,
    event_id: str | None = None,
) -> None:
    payload = submission_received(submission_id, at)
    event = incoming(
        SUBMISSION_RECEIVED, payload, office_id=office_id, occurred_at=at, event_id=event_id
    )
    consume(db, event, handlers.record_submission_received)


def open_case(db: Target, office_id: str, case_id: str, submission_id: str) -> None:
    event = incoming(
        CASE_OPENED, case_opened(case_id, submission_id, NOW), office_id=office_id, occurred_at=NOW
    )
    consume(db, event, handlers.record_case_opened)


def assign(
    db: Target,
    office_id: str,
    case_id: str,
    caseworker_id: str,
    at: datetime = NOW,
    name: str = "Sam Rivera",
    event_id: str | None = None,
    method: str = "round_robin",
) -> None:
    payload = case_assigned(case_id, caseworker_id, name, at, method)
    event = incoming(
        CASE_ASSIGNED, payload, office_id=office_id, occurred_at=NOW, event_id=event_id
    )
    consume(db, event, handlers.record_case_assigned)


def acknowledge(
    db: Target, office_id: str, case_id: str, submission_id: str, at: datetime = NOW
) -> None:
    event = incoming(
        ACKNOWLEDGEMENT_SENT,
        acknowledgement_sent(case_id, submission_id, at),
        office_id=office_id,
        occurred_at=at,
    )
    consume(db, event, handlers.record_acknowledgement_sent)


def change_status(
    db: Target,
    office_id: str,
    case_id: str,
    from_status: str,
    to_status: str,
    at: datetime = NOW,
    event_id: str | None = None,
) -> None:
    payload = case_status_changed(case_id, from_status, to_status, at)
    event = incoming(
        CASE_STATUS_CHANGED, payload, office_id=office_id, occurred_at=at, event_id=event_id
    )
    consume(db, event, handlers.record_case_status_changed)


def close(
    db: Target, office_id: str, case_id: str, event_id: str | None = None, **outcome: Any
) -> None:
    payload = case_closed(case_id, **outcome)
    event = incoming(
        CASE_CLOSED,
        payload,
        office_id=office_id,
        occurred_at=payload["closed_at"],
        event_id=event_id,
    )
    consume(db, event, handlers.record_case_closed)


def satisfaction_rated(case_id: str, rating: int, rated_at: datetime) -> dict[str, Any]:
    return {
        "survey_id": f"survey-{case_id}",
        "case_id": case_id,
        "rating": rating,
        "rated_at": rated_at.isoformat(),
    }


def rate(
    db: Target,
    office_id: str,
    case_id: str,
    rating: int,
    *,
    minutes_later: int = 0,
    event_id: str | None = None,
) -> None:
    """The constituent of `case_id` clicked `rating` in their closure message's survey."""
    at = NOW + timedelta(minutes=minutes_later)
    payload = satisfaction_rated(case_id, rating, at)
    event = incoming(
        SATISFACTION_RATED, payload, office_id=office_id, occurred_at=at, event_id=event_id
    )
    consume(db, event, handlers.record_satisfaction_rated)
