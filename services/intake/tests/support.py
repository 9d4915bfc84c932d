"""What intake's tests send and look at: a valid submission, requests to the running service,
rows and queued events."""

from __future__ import annotations

import json
from typing import Any

import requests
from kombu import Connection
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.intake.models import Base

OFFICE = "rep-lopez"


def valid_submission(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "constituent": {
            "first_name": "Maria",
            "last_name": "Lopez",
            "email": "Maria.Lopez@example.org",
            "phone": "(202) 555-0134",
            "address": {
                "line1": "12 Elm St",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62701",
            },
        },
        "category": "social_security",
        "agency": "SSA",
        "subject": "Retirement benefit delayed since August",
        "description": "My retirement payments stopped in August and nobody calls back.",
        "privacy_release": {"signed": True, "signature_name": "maria  lopez", "agencies": ["SSA"]},
    }
    body.update(overrides)
    return body


def count(engine: Any, table: str) -> int:
    with Session(engine) as session:
        return int(
            session.execute(
                select(func.count()).select_from(Base.metadata.tables[table])
            ).scalar_one()
        )


def submit(
    intake: dict[str, Any], body: Any, office: str = OFFICE, **kwargs: Any
) -> requests.Response:
    return requests.post(
        f"{intake['base']}/api/v1/offices/{office}/submissions", json=body, timeout=10, **kwargs
    )


def submit_raw(intake: dict[str, Any], raw: bytes, **headers: str) -> requests.Response:
    """Post bytes as they are: JSON with escapes (a lone surrogate) `json=` cannot send."""
    return requests.post(
        f"{intake['base']}/api/v1/offices/{OFFICE}/submissions",
        data=raw,
        headers={"Content-Type": "application/json", **headers},
        timeout=10,
    )


def queued_events(amqp_uri: str, queue: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    with Connection(amqp_uri) as connection, connection.channel() as channel:
        while True:
            message = channel.basic_get(queue, no_ack=True)
            if message is None:
                return bodies
            bodies.append(json.loads(message.body))
