"""What intake's tests send and look at: a valid submission, requests to intake-web (the
Flask app, through its test client), the request form as a browser fills it in, rows and
queued events."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from kombu import Connection
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from services.intake.models import Base
from services.intake.portal import create_app

OFFICE = "rep-lopez"
OFFICE_NAME = "Office of Rep. Lopez"
SECRET = "test-secret-key-for-the-portal-only"
# Limits no ordinary test reaches; the tests of the limits set their own.
GENEROUS = "10000 per minute"


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


def rows(engine: Any, table: str) -> list[Any]:
    """A table's rows in primary-key order (PostgreSQL returns an updated table's rows in no
    particular order otherwise)."""
    chosen = Base.metadata.tables[table]
    with Session(engine) as session:
        return list(session.execute(select(chosen).order_by(*chosen.primary_key.columns)).all())


def stored_nothing(engine: Any) -> bool:
    """No trace of a request: no constituent, submission, release, file or event."""
    return all(
        count(engine, table) == 0
        for table in ("constituents", "submissions", "privacy_releases", "attachments", "outbox")
    )


def register_office(engine: Any, office_id: str = OFFICE, name: str = OFFICE_NAME) -> None:
    """The office as intake's projection of gateway's event records it."""
    with engine.begin() as connection:
        connection.execute(
            Base.metadata.tables["offices"]
            .insert()
            .values(office_id=office_id, name=name, registered_at=datetime.now(UTC))
        )


@dataclass
class Portal:
    """intake-web under test: the app, a browser (test client) and the database as its
    administrator sees it."""

    app: Flask
    client: FlaskClient
    engine: Any
    extra: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.app.extensions["intake_engines"].dispose()

    def submit(
        self, body: Any, office: str = OFFICE, headers: Mapping[str, str] | None = None
    ) -> TestResponse:
        """POST a submission to the JSON API."""
        return self.client.post(
            f"/api/v1/offices/{office}/submissions", json=body, headers=dict(headers or {})
        )

    def submit_raw(self, raw: bytes, **headers: str) -> TestResponse:
        """Post bytes as they are: JSON with escapes (a lone surrogate) `json=` cannot send."""
        return self.client.post(
            f"/api/v1/offices/{OFFICE}/submissions",
            data=raw,
            headers={"Content-Type": "application/json", **headers},
        )


def portal_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "secret_key": SECRET,
        "min_fill_seconds": 0,
        "form_limit": GENEROUS,
        "status_limit": GENEROUS,
        "verify_limit": GENEROUS,
        "api_limit": GENEROUS,
        "ratelimit_storage_uri": "memory://",
    }
    config.update(overrides)
    return config


def make_portal(engine: Any, **overrides: Any) -> Portal:
    app = create_app(config=portal_config(**overrides))
    app.testing = True
    return Portal(app=app, client=app.test_client(), engine=engine)


def queued_events(amqp_uri: str, queue: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    with Connection(amqp_uri) as connection, connection.channel() as channel:
        while True:
            message = channel.basic_get(queue, no_ack=True)
            if message is None:
                return bodies
            bodies.append(json.loads(message.body))


def outbox_payloads(engine: Any, event_type: str) -> list[dict[str, Any]]:
    return [
        json.loads(row.payload) for row in rows(engine, "outbox") if row.event_type == event_type
    ]


# -- The request form, as a browser fills it in -----------------------------------------------


def hidden_value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, f"no hidden field {name}"
    return found.group(1)


def filled_form(page: str, **overrides: Any) -> dict[str, Any]:
    """What a person sends from the form `page` (its token and release text version)."""
    data: dict[str, Any] = {
        "form_token": hidden_value(page, "form_token"),
        "release_text_version": hidden_value(page, "release_text_version"),
        "first_name": "Maria",
        "last_name": "Lopez",
        "email": "maria.lopez@example.org",
        "phone": "(202) 555-0134",
        "address_line1": "12 Elm St",
        "address_city": "Springfield",
        "address_state": "IL",
        "address_postal_code": "62701",
        "preferred_language": "en",
        "category": "social_security",
        "agency": "SSA",
        "subject": "Retirement payments stopped",
        "description": "My retirement payments stopped in August and nobody calls back.",
        "outcome": "I want my payments to start again.",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def with_release(page: str, **overrides: Any) -> dict[str, Any]:
    """The form with a release signed for SSA, with the last 4 of an SSN and a birth date
    (values none of the page's examples contain, so an echo would show)."""
    release: dict[str, Any] = {
        "release_wanted": "yes",
        "release_agencies": ["SSA"],
        "signature_name": "Maria Lopez",
        "release_consent": "yes",
        "ssn_last4": "4815",
        "date_of_birth": "1950-04-23",
    }
    release.update(overrides)
    return filled_form(page, **release)


def text_of(response: TestResponse) -> str:
    """The page's text as a person reads it (tags dropped, spaces collapsed)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class FormControls(HTMLParser):
    """The controls of a page, their labels, and the error summary's links."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.summary_links: list[str] = []
        self._in_summary = 0
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        if tag == "html":
            self.html_lang = attributes.get("lang")
        if tag == "label" and attributes.get("for"):
            self.label_for.add(str(attributes["for"]))
        if tag in ("input", "select", "textarea") and attributes.get("type") not in (
            "hidden",
            "submit",
        ):
            self.controls.append({"tag": tag, **attributes})
        if tag == "div" and "error-summary" in (attributes.get("class") or ""):
            self._in_summary = 1
        if self._in_summary and tag == "a":
            self.summary_links.append(str(attributes.get("href")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul" and self._in_summary:
            self._in_summary = 0


def controls_of(response: TestResponse) -> FormControls:
    parser = FormControls()
    parser.feed(response.get_data(as_text=True))
    return parser


def control(parsed: FormControls, field_id: str) -> dict[str, str | None]:
    for item in parsed.controls:
        if item.get("id") == field_id:
            return item
    raise AssertionError(f"no control {field_id}")
