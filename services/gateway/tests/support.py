"""What gateway's service and browser tests share: fake `cases`, `metrics` and `intake`
services that answer over real RPC with fixed data, and readers for pages and queues.

The fakes load their arguments and dump their answers with the RPC contracts the real services
use (`services.contracts.rpc`), and check each answer against its contract: when a producer's
contract changes, these tests fail until gateway reads the new shape."""

from __future__ import annotations

import base64
import io
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
import requests
from kombu import Connection
from marshmallow import Schema
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.chassis.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.chassis.schemas import load_arguments
from services.contracts.rpc import intake as intake_rpc
from services.contracts.rpc import notify as notify_rpc
from services.contracts.rpc.cases import (
    CaseFile,
    CasePage,
    GetCaseRequest,
    ListCasesRequest,
    RequestDocumentsRequest,
)
from services.contracts.rpc.metrics import OfficeCountsRequest, OfficeCountsWithOutcomes
from services.gateway import admin, seed
from services.gateway.models import Base

RPC_TIMEOUT_SECONDS = 1
# For a page check whose content comes from the fake services: gateway's own tables (sign-in,
# sessions, audit) are exercised on both databases by the sign-in, service and repository
# tests, so running it on SQLite too only costs the suite a container start.
ON_POSTGRESQL = pytest.mark.parametrize("db_backend", ["postgresql"])
SUPERVISOR = "marcus.bell@demo.example.gov"
PLATFORM = "~platform"
OFFICE = "rep-demo"
OFFICE_NAME = "Office of Rep. Jordan Demo"
OTHER_OFFICE = "rep-lopez"
BIDI_OVERRIDE = "\u202e"


QUEUE_NOW = datetime.now(UTC)


def _case(number: int, days_ago: int, **fields: Any) -> dict[str, Any]:
    # Halfway through the day `days_ago` before QUEUE_NOW, so "Today" and "Yesterday" hold at
    # any time of day; the queue test renders with its clock fixed at QUEUE_NOW.
    midnight = QUEUE_NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    halfway = (QUEUE_NOW - midnight) / 2 + timedelta(seconds=number)
    opened = midnight - timedelta(days=days_ago) + halfway
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
# What the demo office's closed cases achieved, and their constituents' ratings.
DEMO_OUTCOMES = {
    "closed": 5,
    "closed_by_result": {"favourable": 3, "unfavourable": 1, "withdrawn": 1},
    "obtained": {"payment_released": 2, "benefit_granted": 1},
    "money_recovered": [{"currency": "USD", "amount_minor": 412_050}],
    "median_days_to_close": 23.5,
    "satisfaction": {
        "ratings": 4,
        "by_rating": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 2},
        "average": 4.25,
    },
}


def answer(schema: Schema, value: Any) -> Any:
    """What the real service would answer: `value` dumped with the contract's schema, checked
    against it (a field the contract requires and the sample lacks fails the call)."""
    wire = schema.dump(value)
    problems = schema.validate(wire)
    assert not problems, f"the fake's answer breaks {type(schema).__name__}: {problems}"
    return wire


SUBMISSION_ID = "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11"
VALID_RELEASE = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a"
REVOKED_RELEASE = "7d6e5f40-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
EXPIRED_RELEASE = "0f1e2d3c-4b5a-4968-8776-655443322110"
ATTACHMENT_ID = "a1f0c2d4-7b1e-4c55-9d0a-2e4f6a8b0c13"
LETTER_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
LETTER_BYTES = b"%PDF-1.7\n% a denial letter\n"
SIGNED_COPY_BYTES = b"%PDF-1.7\n% the signed release\n"
NOW = datetime.now(UTC)
SIGNED_AT = NOW - timedelta(days=30)
EXPIRES_AT = datetime(2027, 12, 3, 15, 0, tzinfo=UTC)
REVOKED_AT = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
SSN = "078-05-1120"


def _release(release_id: str, **fields: Any) -> dict[str, Any]:
    """A release as intake's `releases` answers it."""
    summary: dict[str, Any] = {
        "release_id": release_id,
        "submission_id": SUBMISSION_ID,
        "kind": "e_signed",
        "agencies": ["SSA", "VA"],
        "signature_name": "Robert Hayes",
        "language": "en",
        "text_version": "2026-11",
        "text_sha256": "c" * 64,
        "signed_at": SIGNED_AT.isoformat(),
        "expires_at": EXPIRES_AT.isoformat(),
        "state": "valid",
        "revoked_at": None,
        "revoked_by": None,
        "revocation_reason": None,
        "identifier_kinds": ["ssn", "date_of_birth", "va_file_number"],
    }
    summary.update(fields)
    return summary


# Newest first, as intake answers.
DEMO_RELEASES = [
    _release(VALID_RELEASE),
    _release(
        REVOKED_RELEASE,
        agencies=["VA"],
        state="revoked",
        revoked_by="constituent",
        revoked_at=REVOKED_AT.isoformat(),
        revocation_reason="Changed my mind",
        identifier_kinds=[],
    ),
    _release(
        EXPIRED_RELEASE,
        kind="wet_signed",
        agencies=["SSA"],
        signature_name=None,
        text_version=None,
        text_sha256=None,
        signed_at=datetime(2024, 1, 5, 12, tzinfo=UTC).isoformat(),
        expires_at=datetime(2025, 1, 5, 12, tzinfo=UTC).isoformat(),
        state="expired",
        identifier_kinds=[],
    ),
]


def _case_file(row: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """What `cases.get_case` answers for a row of the queue, with cases' copy of the
    releases (its summaries of intake's events) and the files the submission brought."""
    case = {
        **row,
        "submission_id": SUBMISSION_ID,
        "tracking_code": "K7QX-M2PD",
        "constituent_id": "0d6f3c1e-2a55-4a8b-8f8e-6a4ac2f5b1a0",
        "agency_hint": None,
        "agency_name": row["agency_code"],
        "assigned_at": None,
        "timeline": [],
        "contact_email": "robert@example.org",
        "preferred_language": "en",
        "channel": "web",
        "allowed_transitions": ["open", "closed"],
        "outcome": None,
        "releases": [
            {
                "release_id": VALID_RELEASE,
                "kind": "e_signed",
                "agencies": ["SSA", "VA"],
                "signed_at": SIGNED_AT,
                "expires_at": EXPIRES_AT,
                "state": "valid",
                "revoked_by": None,
                "revoked_at": None,
            }
        ],
        "attachments": [
            {
                "attachment_id": ATTACHMENT_ID,
                "filename": "denial-letter.pdf",
                "content_type": "application/pdf",
                "size_bytes": 48213,
                "sha256": LETTER_SHA256,
            }
        ],
    }
    case.update(fields)
    return case


# The veterans' case is covered (VA); the immigration one is not (USCIS).
DEMO_CASE_FILES = {
    "CW-2026-000004": _case_file(DEMO_CASES[2]),
    "CW-2026-000005": _case_file(DEMO_CASES[1], releases=[], attachments=[]),
}


# What the fake cases was asked to request, as its contract loaded it: a test reads and clears it.
DOCUMENT_REQUESTS: list[dict[str, Any]] = []


class FakeCases:
    """Answers `cases.list_cases` and `cases.get_case` by their contracts, for one office's
    fixed cases."""

    name = "cases"

    @rpc
    def get_case(
        self, office_id: str, case_id: str | None = None, reference: str | None = None
    ) -> dict[str, Any]:
        query = load_arguments(
            GetCaseRequest(), {"office_id": office_id, "case_id": case_id, "reference": reference}
        )
        found = DEMO_CASE_FILES.get(query["reference"] or "")
        if query["office_id"] != OFFICE or found is None:
            raise NotFound(f"there is no case {reference} in office {office_id}")
        return answer(CaseFile(), found)  # type: ignore[no-any-return]

    @rpc
    def request_documents(
        self, office_id: str, reference: str, documents: list[str], note: str | None = None
    ) -> dict[str, Any]:
        """As cases answers: the case waiting on the constituent, the request on its
        timeline (what was asked is kept in `DOCUMENT_REQUESTS` for the test to read)."""
        asked = load_arguments(
            RequestDocumentsRequest(),
            {"office_id": office_id, "reference": reference, "documents": documents, "note": note},
        )
        found = DEMO_CASE_FILES.get(asked["reference"])
        if asked["office_id"] != OFFICE or found is None:
            raise NotFound(f"there is no case {reference} in office {office_id}")
        DOCUMENT_REQUESTS.append(asked)
        entry = {
            "at": NOW,
            "kind": "documents_requested",
            "summary": f"Asked the constituent for: {'; '.join(asked['documents'])}",
            "author_id": "u-sam",
            "author_name": "Sam Rivera",
            "visibility": "public",
            "body": asked["note"],
        }
        waiting = {**found, "status": "waiting_on_constituent", "timeline": [entry]}
        return answer(CaseFile(), waiting)  # type: ignore[no-any-return]

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


class ActingPerson(DependencyProvider):
    """Who gateway said is acting (the RPC context)."""

    def get_dependency(self, worker_ctx: Any) -> dict[str, Any]:
        return dict(worker_ctx.data)


# What the fake intake was asked, as (method, arguments, role): a test reads and clears it.
INTAKE_CALLS: list[tuple[str, dict[str, Any], str | None]] = []


# The constituents who stopped email, with since when (the fake intake's record; tests clear it).
EMAIL_STOPPED: dict[str, str] = {}


def _preferences(constituent_id: str, *, changed: bool) -> dict[str, Any]:
    wire = {
        "constituent_id": constituent_id,
        "email_opted_out": constituent_id in EMAIL_STOPPED,
        "email_opted_out_at": EMAIL_STOPPED.get(constituent_id),
        "changed": changed,
    }
    return answer(intake_rpc.ContactPreferences(), wire)  # type: ignore[no-any-return]


def _document(filename: str, content: bytes) -> dict[str, Any]:
    wire = {
        "filename": filename,
        "content_type": "application/pdf",
        "content_base64": base64.b64encode(content).decode(),
    }
    return answer(intake_rpc.Document(), wire)  # type: ignore[no-any-return]


class FakeIntake:
    """Answers intake's staff calls about releases and attachments by their contracts, for
    the demo office's one submission; refuses as intake does (an intern revealing, a second
    revocation, an unknown agency)."""

    name = "intake"
    acting: Any = ActingPerson()

    def _called(self, method: str, request: Any, arguments: dict[str, Any]) -> dict[str, Any]:
        loaded = load_arguments(request, arguments)
        INTAKE_CALLS.append((method, arguments, self.acting.get("role")))
        if loaded["office_id"] != OFFICE:
            raise NotFound("there is no such office here")
        return loaded  # type: ignore[no-any-return]

    def _release(self, release_id: str) -> dict[str, Any]:
        for release in DEMO_RELEASES:
            if release["release_id"] == release_id:
                return release
        raise NotFound("there is no such release")

    @rpc
    def releases(self, office_id: str, submission_id: str) -> list[dict[str, Any]]:
        arguments = {"office_id": office_id, "submission_id": submission_id}
        self._called("releases", intake_rpc.SubmissionReleasesRequest(), arguments)
        found = DEMO_RELEASES if submission_id == SUBMISSION_ID else []
        return answer(intake_rpc.ReleaseSummary(many=True), found)  # type: ignore[no-any-return]

    @rpc
    def contact_preferences(self, office_id: str, constituent_id: str) -> dict[str, Any]:
        arguments = {"office_id": office_id, "constituent_id": constituent_id}
        self._called("contact_preferences", intake_rpc.ConstituentRequest(), arguments)
        return _preferences(constituent_id, changed=False)

    @rpc
    def set_email_opt_out(
        self, office_id: str, constituent_id: str, opted_out: bool
    ) -> dict[str, Any]:
        arguments = {
            "office_id": office_id,
            "constituent_id": constituent_id,
            "opted_out": opted_out,
        }
        self._called("set_email_opt_out", intake_rpc.EmailOptOutRequest(), arguments)
        if self.acting.get("role") == "read_only":
            raise Forbidden("your role cannot change a constituent's contact preferences")
        changed = (constituent_id in EMAIL_STOPPED) != opted_out
        if opted_out:
            EMAIL_STOPPED.setdefault(constituent_id, NOW.isoformat())
        else:
            EMAIL_STOPPED.pop(constituent_id, None)
        return _preferences(constituent_id, changed=changed)

    @rpc
    def reveal_identifiers(self, office_id: str, release_id: str) -> dict[str, str]:
        arguments = {"office_id": office_id, "release_id": release_id}
        self._called("reveal_identifiers", intake_rpc.ReleaseRequest(), arguments)
        if self.acting.get("role") == "read_only":
            raise Forbidden("an intern may not see identifiers")
        self._release(release_id)
        # As intake answers: kind to value, decrypted.
        return {"va_file_number": "C-12345678", "ssn": SSN, "date_of_birth": "1950-04-02"}

    @rpc
    def release_pdf(self, office_id: str, release_id: str) -> dict[str, Any]:
        arguments = {"office_id": office_id, "release_id": release_id}
        self._called("release_pdf", intake_rpc.ReleaseRequest(), arguments)
        self._release(release_id)
        return _document('privacy "release"\r\n.pdf', SIGNED_COPY_BYTES)

    @rpc
    def revoke_release(self, office_id: str, release_id: str, reason: str) -> dict[str, Any]:
        arguments = {"office_id": office_id, "release_id": release_id, "reason": reason}
        self._called("revoke_release", intake_rpc.RevokeReleaseRequest(), arguments)
        release = self._release(release_id)
        if release["state"] == "revoked":
            raise Conflict("this release was revoked already")
        revoked = {**release, "state": "revoked", "revoked_by": "staff", "revoked_at": NOW}
        return answer(intake_rpc.ReleaseSummary(), revoked)  # type: ignore[no-any-return]

    @rpc
    def file_wet_signed_release(self, **arguments: Any) -> dict[str, Any]:
        loaded = self._called(
            "file_wet_signed_release", intake_rpc.FileWetSignedReleaseRequest(), arguments
        )
        if "NOPE" in loaded["agencies"]:
            raise ValidationFailed(
                "unknown agency", fields={"agencies": ["NOPE is not in the agency directory"]}
            )
        return answer(intake_rpc.ReleaseSummary(), _release(str(uuid.uuid4())))  # type: ignore[no-any-return]

    @rpc
    def attachment(self, office_id: str, attachment_id: str) -> dict[str, Any]:
        arguments = {"office_id": office_id, "attachment_id": attachment_id}
        self._called("attachment", intake_rpc.AttachmentRequest(), arguments)
        if attachment_id != ATTACHMENT_ID:
            raise NotFound("there is no such attachment")
        return _document("denial-letter.pdf", LETTER_BYTES)


class FakeMetrics:
    """Answers `metrics.office_counts` by its contract: the demo office's counts, outcomes and
    satisfaction; any other office's, nothing yet."""

    name = "metrics"

    @rpc
    def office_counts(self, office_id: str) -> dict[str, Any]:
        query = load_arguments(OfficeCountsRequest(), {"office_id": office_id})
        if query["office_id"] == OFFICE:
            return answer(OfficeCountsWithOutcomes(), {**DEMO_COUNTS, **DEMO_OUTCOMES})  # type: ignore[no-any-return]
        counts = dict.fromkeys(DEMO_COUNTS, 0)
        return answer(OfficeCountsWithOutcomes(), counts)  # type: ignore[no-any-return]


# What each person's bell holds in the fake notify: user id -> notifications, newest first.
NOTIFICATIONS: dict[str, list[dict[str, Any]]] = {}


def notification(number: int, kind: str, minutes_ago: int, **fields: Any) -> dict[str, Any]:
    """A notification as notify keeps it (unread unless `read_at` is given)."""
    return {
        "notification_id": f"00000000-0000-4000-9000-{number:012d}",
        "case_id": DEMO_CASES[0]["case_id"],
        "reference": DEMO_CASES[0]["reference"],
        "kind": kind,
        "summary": f"Reminder number {number}",
        "created_at": NOW - timedelta(minutes=minutes_ago),
        "read_at": None,
        **fields,
    }


def _delivery(kind: str, status: str, minutes_ago: int, **fields: Any) -> dict[str, Any]:
    """A delivery as notify lists it (never the address)."""
    created = NOW - timedelta(minutes=minutes_ago)
    return {
        "delivery_id": str(uuid.uuid4()),
        "kind": kind,
        "channel": "email",
        "status": status,
        "attempts": 1,
        "created_at": created,
        "sent_at": created if status == "sent" else None,
        "resent_in_doubt": 0,
        "last_error": None,
        "skip_reason": None,
        **fields,
    }


# The veterans' case's messages, oldest first: sent again after a cut-off, refused for good.
DEMO_DELIVERIES = [
    _delivery("acknowledgement", "sent", 90, attempts=2, resent_in_doubt=1, last_error="CutOff"),
    _delivery("status_code", "undeliverable", 30, last_error="SMTPRecipientsRefused"),
    _delivery("status_code", "failed", 5, attempts=3, last_error="ConnectionRefusedError"),
]


class FakeNotify:
    """Answers the bell's calls by notify's contracts, about the person gateway says is
    acting (never about one named in the arguments), for the demo office only."""

    name = "notify"
    acting: Any = ActingPerson()

    def _mine(self, schema: Schema, arguments: dict[str, Any]) -> tuple[Any, list[Any]]:
        loaded = load_arguments(schema, arguments)
        if loaded["office_id"] != OFFICE or self.acting.get("office_id") != OFFICE:
            raise NotFound("there is no such office here")
        return loaded, NOTIFICATIONS.setdefault(str(self.acting.get("user_id")), [])

    @rpc
    def bell(self, office_id: str, **options: Any) -> dict[str, Any]:
        query, mine = self._mine(notify_rpc.BellQuerySchema(), {"office_id": office_id, **options})
        listed = [n for n in mine if n["read_at"] is None or not query["unread_only"]]
        unread = sum(1 for n in mine if n["read_at"] is None)
        reply = {"unread": unread, "notifications": listed[: query["limit"]]}
        return answer(notify_rpc.BellSchema(), reply)  # type: ignore[no-any-return]

    @rpc
    def list_deliveries(self, office_id: str, case_id: str) -> list[dict[str, Any]]:
        arguments = {"office_id": office_id, "case_id": case_id}
        query, _ = self._mine(notify_rpc.DeliveriesQuerySchema(), arguments)
        found = DEMO_DELIVERIES if query["case_id"] == DEMO_CASES[2]["case_id"] else []
        return answer(notify_rpc.DeliverySchema(many=True), found)  # type: ignore[no-any-return]

    @rpc
    def mark_notifications_read(
        self, office_id: str, notification_ids: list[str] | None = None
    ) -> dict[str, Any]:
        arguments = {"office_id": office_id, "notification_ids": notification_ids}
        query, mine = self._mine(notify_rpc.MarkReadSchema(), arguments)
        for n in mine:
            if (
                query["notification_ids"] is None
                or n["notification_id"] in query["notification_ids"]
            ):
                n["read_at"] = n["read_at"] or NOW
        unread = sum(1 for n in mine if n["read_at"] is None)
        return answer(notify_rpc.UnreadSchema(), {"unread": unread})  # type: ignore[no-any-return]


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

    def outbox_payloads(self, event_type: str) -> list[dict[str, Any]]:
        """The payloads gateway wrote to its outbox for `event_type`, sent or not."""
        outbox = Base.metadata.tables["outbox"]
        with Session(self.engine) as session:
            rows = session.execute(
                select(outbox.c.payload)
                .where(outbox.c.event_type == event_type)
                .order_by(outbox.c.id)
            ).scalars()
            return [row if isinstance(row, dict) else json.loads(row) for row in rows]

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
