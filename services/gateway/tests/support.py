"""What gateway's service and browser tests share: fake `cases` and `metrics` services that
answer over real RPC with fixed data, and readers for pages and queues.

The fakes load their arguments and dump their answers with the RPC contracts the real services
use (`services.contracts.rpc`), and check each answer against its contract: when a producer's
contract changes, these tests fail until gateway reads the new shape."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import requests
from kombu import Connection
from marshmallow import Schema
from nameko.rpc import rpc
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.chassis.schemas import load_arguments
from services.contracts.rpc.cases import CasePage, ListCasesRequest
from services.contracts.rpc.metrics import OfficeCounts, OfficeCountsRequest
from services.gateway import admin, seed
from services.gateway.models import Base

RPC_TIMEOUT_SECONDS = 1
SUPERVISOR = "marcus.bell@demo.example.gov"
PLATFORM = "~platform"
OFFICE = "rep-demo"
OFFICE_NAME = "Office of Rep. Jordan Demo"
OTHER_OFFICE = "rep-lopez"
BIDI_OVERRIDE = "\u202e"


def _case(number: int, days_ago: int, **fields: Any) -> dict[str, Any]:
    opened = datetime.now(UTC) - timedelta(days=days_ago, minutes=5)
    # What cases holds for a row of the queue, in its own types (the contract writes the wire).
    row: dict[str, Any] = {
        "case_id": f"00000000-0000-4000-8000-{number:012d}",
        "reference": f"CW-2026-{number:06d}",
        "status": "open",
        "subject": "Retirement benefit delayed since August",
        "category": "social_security",
        "constituent_name": "Maria Lopez",
        "urgent": False,
        "opened_at": opened,
        "assigned_to_id": "u-sam",
        "assigned_to_name": "Sam Rivera",
        "agency_code": "SSA",
    }
    row.update(fields)
    row.setdefault("priority", "urgent" if row["urgent"] else "normal")
    return row


# Newest first, as cases.list_cases answers.
DEMO_CASES = [
    _case(
        6,
        0,
        subject="Passport needed for <b>flight</b> on Friday",
        category="passport",
        constituent_name="Tomás Herrera",
        urgent=True,
        agency_code="DOS",
        assigned_to_id=None,
        assigned_to_name=None,
    ),
    _case(
        5,
        1,
        subject="Green card renewal stuck at USCIS",
        category="immigration",
        constituent_name="Mei Chen",
        agency_code="USCIS",
        assigned_to_id="u-ana",
        assigned_to_name="Ana Morales (immigration)",
    ),
    _case(
        4,
        3,
        status="waiting_on_agency",
        subject="Disability claim decision overdue",
        category="veterans",
        constituent_name="Robert Hayes",
        agency_code="VA",
        assigned_to_id="u-dana",
        assigned_to_name="Dana Whitfield",
    ),
    # A right-to-left override (U+202E): typed like this, the subject would display as
    # "Benefit letter says live" unless the page neutralises it.
    _case(3, 9, subject=f"Benefit letter says {BIDI_OVERRIDE}evil"),
    _case(
        2,
        20,
        status="closed",
        subject="Medicare card never arrived",
        category="medicare",
        constituent_name="Linda Park",
        agency_code="CMS",
    ),
    _case(
        1,
        40,
        status="waiting_on_constituent",
        subject="IRS refund held for identity check",
        category="tax",
        constituent_name="James O'Neil",
        agency_code=None,
    ),
]
DEMO_COUNTS = {"received": 7, "opened": 6, "assigned": 5, "acknowledged": 4}


def answer(schema: Schema, value: Any) -> Any:
    """What the real service would answer: `value` dumped with the contract's schema, checked
    against it (a field the contract requires and the sample lacks fails the call)."""
    wire = schema.dump(value)
    problems = schema.validate(wire)
    assert not problems, f"the fake's answer breaks {type(schema).__name__}: {problems}"
    return wire


class FakeCases:
    """Answers `cases.list_cases` by its contract, for one office's fixed cases."""

    name = "cases"

    @rpc
    def list_cases(self, office_id: str, **filters: Any) -> dict[str, Any]:
        query = load_arguments(ListCasesRequest(), {"office_id": office_id, **filters})
        rows = [
            row
            for row in (DEMO_CASES if query["office_id"] == OFFICE else [])
            if query["status"] is None or row["status"] == query["status"]
        ]
        page = {"cases": rows[query["offset"] : query["offset"] + query["limit"]]}
        return answer(CasePage(), {**page, "total": len(rows)})  # type: ignore[no-any-return]


class FakeMetrics:
    """Answers `metrics.office_counts` by its contract."""

    name = "metrics"

    @rpc
    def office_counts(self, office_id: str) -> dict[str, int]:
        query = load_arguments(OfficeCountsRequest(), {"office_id": office_id})
        counts = DEMO_COUNTS if query["office_id"] == OFFICE else dict.fromkeys(DEMO_COUNTS, 0)
        return answer(OfficeCounts(), counts)  # type: ignore[no-any-return]


@dataclass
class Gateway:
    """A gateway container under test, and what the tests do with it."""

    base: str
    engine: Engine
    amqp_uri: str
    container_factory: Any

    def start(self, *services: type) -> None:
        for service in services:
            self.container_factory(service).start()

    session: requests.Session | None = None

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET as whoever signed in last (`log_in`), or anonymously."""
        client: Any = self.session or requests
        return client.get(f"{self.base}{path}", timeout=10, **kwargs)  # type: ignore[no-any-return]

    def log_in(self, email: str = SUPERVISOR, workplace: str = OFFICE) -> requests.Session:
        """Sign in through the login form, as a browser does; later `get`s act as them."""
        self.session = log_in(self.base, email, workplace)
        return self.session

    def count(self, table: str) -> int:
        with Session(self.engine) as session:
            return int(
                session.execute(
                    select(func.count()).select_from(Base.metadata.tables[table])
                ).scalar_one()
            )

    def outbox_drained(self) -> bool:
        outbox = Base.metadata.tables["outbox"]
        with Session(self.engine) as session:
            pending = session.execute(
                select(func.count()).where(outbox.c.sent_at.is_(None))
            ).scalar_one()
        return pending == 0


def log_in(base: str, email: str, workplace: str = OFFICE) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{base}/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    signed = session.post(
        f"{base}/login",
        data={
            "csrf_token": token.group(1),
            "workplace": workplace,
            "email": email,
            "password": seed.DEMO_PASSWORD,
            "next": "/",
        },
        timeout=10,
        allow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    return session


class PageReader(HTMLParser):
    """The parts of a page the tests look at: headings, table rows, alerts, `lang`."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.headings: dict[str, list[str]] = {}
        self.header_cells: list[str] = []
        self.rows: list[list[str]] = []
        self.alerts: list[str] = []
        self.labels_for: list[str] = []
        self._stack: list[str] = []
        self._text: list[str] = []
        self._row: list[str] | None = None
        self._in_thead = False
        self._alert_depth: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag == "label" and attributes.get("for"):
            self.labels_for.append(str(attributes["for"]))
        if tag == "thead":
            self._in_thead = True
        if tag == "tr" and not self._in_thead:
            self._row = []
        if attributes.get("role") == "alert":
            self._alert_depth = len(self._stack)
            self.alerts.append("")
        if tag in {"h1", "h2", "th", "td"}:
            self._text = []
        self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self._stack and self._stack[-1] != tag:
            self._stack.pop()
        if self._stack:
            self._stack.pop()
        text = " ".join("".join(self._text).split())
        if tag in {"h1", "h2"}:
            self.headings.setdefault(tag, []).append(text)
        if tag in {"th", "td"}:
            if self._in_thead:
                self.header_cells.append(text)
            elif self._row is not None:
                self._row.append(text)
        if tag == "thead":
            self._in_thead = False
        if tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        if self._alert_depth is not None and len(self._stack) == self._alert_depth:
            self._alert_depth = None

    def handle_data(self, data: str) -> None:
        self._text.append(data)
        if self._alert_depth is not None:
            self.alerts[-1] += data


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader


def drain(amqp_uri: str, queue: str) -> list[dict[str, Any]]:
    """Every message waiting in `queue`, removed from it."""
    bodies: list[dict[str, Any]] = []
    with Connection(amqp_uri) as connection, connection.channel() as channel:
        while True:
            message = channel.basic_get(queue, no_ack=True)
            if message is None:
                return bodies
            bodies.append(json.loads(message.body))


def run_admin(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = admin.main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def register_lopez() -> None:
    status, _, err = run_admin(
        "add-office",
        OTHER_OFFICE,
        "--name",
        "Office of Rep. Ana Lopez",
        "--reply-to",
        "casework@lopez.example.gov",
    )
    assert status == 0, err
