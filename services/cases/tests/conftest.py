"""What cases' database tests share: the database as production opens it (`office`), and a real
cases container on a real broker (`cases`) with ways to drive it (publish events as their
producers would) and observe it (its tables, queues and metrics)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import eventlet
import pytest
from kombu import Connection
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from services.cases import handlers
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.case import case_id_for
from services.cases.models import Base, CaseRow, StaffMemberRow, TimelineEntryRow
from services.cases.service import CasesService
from services.chassis.config import load_settings
from services.chassis.db import create_db_engine
from services.chassis.events import IncomingEvent
from services.chassis.testing import wait_until
from services.chassis.uow import DatabaseAccess
from services.contracts import CASE_ASSIGNED, STAFF_MEMBER_ADDED, SUBMISSION_RECEIVED

OFFICE = "rep-lopez"
OTHER_OFFICE = "sen-okafor"
OPENED_QUEUE = "notify--cases.case_opened"
ASSIGNED_QUEUE = "metrics--cases.case_assigned"
YEAR = datetime.now(UTC).year
inbox = Base.metadata.tables["inbox"]
outbox = Base.metadata.tables["outbox"]


def submission(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "submission_id": str(uuid.uuid4()),
        "tracking_code": "K7QX-M2PD",
        "constituent_id": str(uuid.uuid4()),
        "constituent_name": "Maria Lopez",
        "contact_email": "maria@example.org",
        "preferred_language": "en",
        "channel": "web",
        "category": "social_security",
        "agency_hint": "SSA",
        "subject": "Retirement benefit delayed",
        "urgent": False,
        "privacy_release_signed": True,
        "received_at": datetime.now(UTC),
    }
    payload.update(overrides)
    return payload


def suggested(case_id: str) -> dict[str, Any]:
    """`agencies.agency_suggested` for a social security case."""
    return {
        "case_id": case_id,
        "agency_code": "SSA",
        "agency_name": "Social Security Administration",
        "reason": "category:social_security",
    }


def sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def handled(entrypoint: str) -> float:
    return sample(
        "casework_cases_events_consumed_total", {"entrypoint": entrypoint, "outcome": "ok"}
    )


@dataclass
class CasesHarness:
    engine: Engine
    amqp_uri: str
    publish: Callable[..., dict[str, Any]]

    def submit(self, office: str = OFFICE, **overrides: Any) -> dict[str, Any]:
        """Announce a submission as intake would; returns its payload."""
        payload = submission(**overrides)
        self.publish(SUBMISSION_RECEIVED, payload, office_id=office)
        return payload

    def open_case(self, office: str = OFFICE, **overrides: Any) -> CaseRow:
        payload = self.submit(office, **overrides)
        return self.wait_for_case(payload["submission_id"], office)

    def wait_for_case(self, submission_id: str, office: str = OFFICE) -> CaseRow:
        return wait_until(
            lambda: self.case(case_id_for(office, submission_id)),
            message="the case was never opened",
        )

    def case(self, case_id: str) -> CaseRow | None:
        with Session(self.engine) as session:
            return session.get(CaseRow, case_id)

    def cases(self) -> list[CaseRow]:
        with Session(self.engine) as session:
            return list(session.scalars(select(CaseRow)))

    def timeline(self, case_id: str) -> list[tuple[str, str]]:
        with Session(self.engine) as session:
            entries = session.scalars(
                select(TimelineEntryRow)
                .where(TimelineEntryRow.case_id == case_id)
                .order_by(TimelineEntryRow.at, TimelineEntryRow.id)
            )
            return [(entry.kind, entry.summary) for entry in entries]

    def add_staff(self, user_id: str, name: str, role: str, office: str = OFFICE) -> None:
        self.publish(
            STAFF_MEMBER_ADDED,
            {"user_id": user_id, "display_name": name, "role": role},
            office_id=office,
        )

        def recorded() -> bool:
            with Session(self.engine) as session:
                member = session.get(StaffMemberRow, (office, user_id))
                return member is not None and member.role == role

        wait_until(recorded, message=f"{user_id} never reached the roster")

    def audit_entries(self) -> list[dict[str, Any]]:
        audit_log = Base.metadata.tables["audit_log"]
        with self.engine.connect() as connection:
            rows = connection.execute(select(audit_log).order_by(audit_log.c.id))
            return [dict(row._mapping) for row in rows]

    def inbox_size(self) -> int:
        inbox = Base.metadata.tables["inbox"]
        with self.engine.connect() as connection:
            return len(connection.execute(select(inbox.c.event_id)).all())

    def outbox_drained(self) -> bool:
        outbox = Base.metadata.tables["outbox"]
        with self.engine.connect() as connection:
            pending = connection.execute(select(outbox.c.id).where(outbox.c.sent_at.is_(None)))
            return pending.first() is None

    def queued(self, queue: str) -> list[dict[str, Any]]:
        bodies: list[dict[str, Any]] = []
        with Connection(self.amqp_uri) as connection, connection.channel() as channel:
            while (message := channel.basic_get(queue, no_ack=True)) is not None:
                bodies.append(json.loads(message.body))
        return bodies


class Office:
    """The cases database as production opens it: the same engine and pool settings, and on
    PostgreSQL the service's role behind the tenant wall. `engine` is the administrator's, for
    setting the scene and for checks that see every office."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url)
        settings = load_settings("cases")
        self.service_engine: Engine = create_db_engine(settings.database_url)
        self.db = DatabaseAccess(
            sessionmaker(self.service_engine, expire_on_commit=False),
            Base.metadata,
            lambda: None,
            service="cases",
            unit_of_work_type=CasesUnitOfWork,
        )
        self._earlier_cases = 0

    def dispose(self) -> None:
        self.service_engine.dispose()
        self.engine.dispose()

    def add_caseworkers(self, *names: str) -> None:
        with self.engine.begin() as connection:
            for number, name in enumerate(names):
                connection.execute(
                    insert(StaffMemberRow).values(
                        office_id=OFFICE,
                        user_id=f"u-{number}",
                        display_name=name,
                        role="caseworker",
                        updated_at=datetime.now(UTC),
                        last_assigned_at=None,
                    )
                )

    def add_member(
        self,
        user_id: str,
        name: str,
        *,
        role: str = "caseworker",
        specialties: tuple[str, ...] = (),
        active: bool = True,
    ) -> None:
        """A member as gateway's latest announcement left them, never assigned a case yet."""
        with self.engine.begin() as connection:
            connection.execute(
                insert(StaffMemberRow).values(
                    office_id=OFFICE,
                    user_id=user_id,
                    display_name=name,
                    role=role,
                    updated_at=datetime.now(UTC),
                    last_assigned_at=None,
                    active=active,
                    specialties=json.dumps(sorted(specialties)),
                )
            )

    def add_cases(self, user_id: str | None, *statuses: str, category: str = "veterans") -> None:
        """Cases of earlier years in these statuses, given to `user_id` (None: nobody) before
        this test's openings, with no timeline: what a caseload is counted from."""
        with self.engine.begin() as connection:
            for status in statuses:
                self._earlier_cases += 1
                case_id = str(uuid.uuid4())
                connection.execute(
                    insert(CaseRow).values(
                        id=case_id,
                        office_id=OFFICE,
                        reference=f"CW-1999-{self._earlier_cases:06d}",
                        submission_id=case_id,
                        tracking_code="K7QX-M2PD",
                        constituent_id=case_id,
                        constituent_name="Maria Lopez",
                        subject="Earlier request",
                        category=category,
                        urgent=False,
                        status=status,
                        opened_at=datetime(1999, 1, 1, tzinfo=UTC),
                        assigned_to_id=user_id,
                        assigned_to_name=user_id,
                    )
                )

    def open(self, event: IncomingEvent[Any]) -> None:
        self.db.consume(event, handlers.open_case)

    def open_at_once(self, events: list[IncomingEvent[Any]]) -> None:
        pool = eventlet.GreenPool(len(events))
        for _ in pool.imap(self.open, events):
            pass

    def cases(self) -> list[CaseRow]:
        with Session(self.engine) as session:
            return list(session.scalars(select(CaseRow).order_by(CaseRow.reference)))

    def inbox_size(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(inbox)).scalar_one())

    def assignments_announced(self) -> list[str]:
        with self.engine.connect() as connection:
            return list(
                connection.execute(
                    select(outbox.c.payload)
                    .where(outbox.c.event_type == CASE_ASSIGNED.event_type)
                    .order_by(outbox.c.id)
                ).scalars()
            )


@pytest.fixture
def office(service_database: Callable[..., str]) -> Iterator[Office]:
    office = Office(service_database("cases", Base.metadata))
    yield office
    office.dispose()


@pytest.fixture
def cases(
    service_database: Callable[..., str],
    amqp_uri: str,
    web_address: str,
    container_factory: Any,
    publish_event: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[CasesHarness]:
    # Events that crossed are retried quickly here, not after up to 30 s.
    monkeypatch.setattr("services.chassis.messaging.MAX_BACKOFF_SECONDS", 0.1)
    url = service_database("cases", Base.metadata)
    container_factory(CasesService).start()
    engine = create_engine(url)
    yield CasesHarness(engine, amqp_uri, publish_event)
    engine.dispose()
