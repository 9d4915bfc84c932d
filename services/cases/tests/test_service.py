"""Cases' real entrypoints against a real broker and both databases."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from kombu import Connection
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcClient
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.cases.domain.cases import case_id_for
from services.cases.models import Base, Case, StaffMember, TimelineEntry
from services.cases.service import CasesService
from services.chassis.testing import envelope, wait_until
from services.contracts import (
    ACKNOWLEDGEMENT_SENT,
    AGENCY_SUGGESTED,
    CASE_ASSIGNED,
    CASE_OPENED,
    STAFF_MEMBER_ADDED,
    SUBMISSION_RECEIVED,
)

OFFICE = "rep-lopez"
OTHER_OFFICE = "sen-okafor"
OPENED_QUEUE = "notify--cases.case_opened"
ASSIGNED_QUEUE = "metrics--cases.case_assigned"
YEAR = datetime.now(UTC).year


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


def sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def handled(entrypoint: str) -> float:
    return sample(
        "casework_cases_entrypoint_calls_total", {"entrypoint": entrypoint, "outcome": "ok"}
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

    def open_case(self, office: str = OFFICE, **overrides: Any) -> Case:
        payload = self.submit(office, **overrides)
        return self.wait_for_case(payload["submission_id"], office)

    def wait_for_case(self, submission_id: str, office: str = OFFICE) -> Case:
        return wait_until(
            lambda: self.case(case_id_for(office, submission_id)),
            message="the case was never opened",
        )

    def case(self, case_id: str) -> Case | None:
        with Session(self.engine) as session:
            return session.get(Case, case_id)

    def cases(self) -> list[Case]:
        with Session(self.engine) as session:
            return list(session.scalars(select(Case)))

    def timeline(self, case_id: str) -> list[tuple[str, str]]:
        with Session(self.engine) as session:
            entries = session.scalars(
                select(TimelineEntry)
                .where(TimelineEntry.case_id == case_id)
                .order_by(TimelineEntry.at, TimelineEntry.id)
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
                member = session.get(StaffMember, (office, user_id))
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


def test_a_submission_opens_one_open_case_with_the_offices_next_reference(
    cases: CasesHarness,
) -> None:
    first = cases.open_case(subject="Passport needed before a funeral abroad", urgent=True)
    second = cases.open_case()
    elsewhere = cases.open_case(OTHER_OFFICE)

    assert first.reference == f"CW-{YEAR}-000001"
    assert second.reference == f"CW-{YEAR}-000002"
    assert elsewhere.reference == f"CW-{YEAR}-000001"
    assert first.office_id == OFFICE and elsewhere.office_id == OTHER_OFFICE
    assert first.status == "open"
    assert first.urgent is True
    assert first.subject == "Passport needed before a funeral abroad"
    assert first.constituent_name == "Maria Lopez"
    assert first.agency_hint == "SSA"
    assert first.assigned_to_id is None
    assert cases.timeline(first.id) == [("opened", "Case opened from submission K7QX-M2PD")]


def test_a_redelivered_submission_event_opens_no_second_case(cases: CasesHarness) -> None:
    before = handled("open_case")
    payload = submission()
    event_id = str(uuid.uuid4())
    cases.publish(SUBMISSION_RECEIVED, payload, office_id=OFFICE, event_id=event_id)
    cases.publish(SUBMISSION_RECEIVED, payload, office_id=OFFICE, event_id=event_id)

    wait_until(lambda: handled("open_case") - before == 2, message="both deliveries handled")
    wait_until(cases.outbox_drained)
    assert len(cases.cases()) == 1
    assert len(cases.queued(OPENED_QUEUE)) == 1
    assert cases.inbox_size() == 1


def test_the_same_submission_announced_under_a_new_event_id_is_still_one_case(
    cases: CasesHarness,
) -> None:
    before = handled("open_case")
    payload = submission()
    for _ in range(3):
        cases.publish(SUBMISSION_RECEIVED, payload, office_id=OFFICE)

    wait_until(lambda: handled("open_case") - before == 3, message="all deliveries handled")
    wait_until(cases.outbox_drained)
    assert [case.submission_id for case in cases.cases()] == [payload["submission_id"]]
    assert len(cases.queued(OPENED_QUEUE)) == 1
    # Each delivery passed the inbox: the unique key is what kept the case single.
    assert cases.inbox_size() == 3


def test_case_opened_and_case_assigned_are_announced_with_the_case(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    published = cases.publish(SUBMISSION_RECEIVED, submission(), office_id=OFFICE)
    payload = published["payload"]
    case = cases.wait_for_case(payload["submission_id"])

    opened = wait_until(lambda: cases.queued(OPENED_QUEUE), message="no case_opened")
    assigned = wait_until(lambda: cases.queued(ASSIGNED_QUEUE), message="no case_assigned")

    assert len(opened) == len(assigned) == 1
    assert opened[0]["event_type"] == CASE_OPENED.event_type
    assert opened[0]["office_id"] == OFFICE
    assert opened[0]["causation_id"] == published["event_id"]
    assert opened[0]["correlation_id"] == published["correlation_id"]
    assert opened[0]["payload"] == {
        "case_id": case.id,
        "reference": case.reference,
        "submission_id": payload["submission_id"],
        "tracking_code": payload["tracking_code"],
        "constituent_id": payload["constituent_id"],
        "category": "social_security",
        "agency_hint": "SSA",
        "urgent": False,
        "opened_at": opened[0]["payload"]["opened_at"],
    }
    assert "constituent_name" not in opened[0]["payload"]
    assert assigned[0]["event_type"] == CASE_ASSIGNED.event_type
    assert assigned[0]["payload"]["case_id"] == case.id
    assert assigned[0]["payload"]["caseworker_id"] == "u-3"
    assert assigned[0]["payload"]["method"] == "round_robin"


def test_new_cases_rotate_across_the_offices_caseworkers_and_supervisors(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    cases.add_staff("u-4", "Alex Chen", "supervisor")
    cases.add_staff("u-5", "Ada Admin", "office_admin")
    cases.add_staff("u-6", "Ian Intern", "read_only")
    cases.add_staff("u-7", "Kim Other", "caseworker", office=OTHER_OFFICE)
    opened_before = sample("casework_cases_opened_total")
    assigned_before = sample("casework_cases_assignments_total", {"method": "round_robin"})

    opened = [cases.open_case() for _ in range(5)]

    assignees = [case.assigned_to_name for case in opened]
    assert assignees == ["Alex Chen", "Sam Rivera", "Alex Chen", "Sam Rivera", "Alex Chen"]
    assert cases.timeline(opened[1].id)[1] == ("assigned", "Assigned to Sam Rivera (round robin)")
    assert sample("casework_cases_opened_total") - opened_before == 5
    assert (
        sample("casework_cases_assignments_total", {"method": "round_robin"}) - assigned_before == 5
    )
    wait_until(cases.outbox_drained)
    announced = {
        event["payload"]["case_id"]: event["payload"]["caseworker_name"]
        for event in cases.queued(ASSIGNED_QUEUE)
    }
    assert announced == {case.id: case.assigned_to_name for case in opened}


def test_cases_opened_all_at_once_get_distinct_consecutive_references_and_even_shares(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    cases.add_staff("u-4", "Alex Chen", "caseworker")

    for _ in range(12):
        cases.submit()

    found = wait_until(lambda: len(found := cases.cases()) == 12 and found, timeout=30)
    opened = sorted(found, key=lambda case: case.reference)
    assert [case.reference for case in opened] == [
        f"CW-{YEAR}-{number:06d}" for number in range(1, 13)
    ]
    # Openings take turns, so in reference order the caseworkers strictly alternate.
    assert [case.assigned_to_name for case in opened] == ["Alex Chen", "Sam Rivera"] * 6


def test_a_case_stays_unassigned_when_the_office_has_nobody_taking_cases(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-5", "Ada Admin", "office_admin")
    cases.add_staff("u-7", "Kim Other", "caseworker", office=OTHER_OFFICE)
    assigned_before = sample("casework_cases_assignments_total", {"method": "round_robin"})

    case = cases.open_case()

    assert case.assigned_to_id is None and case.assigned_to_name is None
    wait_until(cases.outbox_drained)
    assert len(cases.queued(OPENED_QUEUE)) == 1
    assert cases.queued(ASSIGNED_QUEUE) == []
    assert sample("casework_cases_assignments_total", {"method": "round_robin"}) == (
        assigned_before
    )


def test_a_role_change_takes_a_caseworker_out_of_rotation_and_a_late_old_event_does_not_undo_it(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    cases.add_staff("u-3", "Sam Rivera", "office_admin")
    stale = envelope(
        STAFF_MEMBER_ADDED,
        {"user_id": "u-3", "display_name": "Sam Rivera", "role": "caseworker"},
        office_id=OFFICE,
    )
    stale["occurred_at"] = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    before = handled("record_staff_member")
    cases.publish(STAFF_MEMBER_ADDED, {}, office_id=OFFICE, raw_body=stale)
    wait_until(lambda: handled("record_staff_member") > before, message="stale event handled")

    assert cases.open_case().assigned_to_id is None


def test_the_agency_suggestion_and_acknowledgement_are_added_to_the_case(
    cases: CasesHarness,
) -> None:
    case = cases.open_case()
    cases.publish(
        AGENCY_SUGGESTED,
        {
            "case_id": case.id,
            "agency_code": "SSA",
            "agency_name": "Social Security Administration",
            "reason": "category:social_security",
        },
        office_id=OFFICE,
    )
    cases.publish(
        ACKNOWLEDGEMENT_SENT,
        {
            "case_id": case.id,
            "submission_id": case.submission_id,
            "channel": "email",
            "sent_at": datetime.now(UTC),
        },
        office_id=OFFICE,
    )

    timeline = wait_until(
        lambda: len(entries := cases.timeline(case.id)) == 3 and entries,
        message="timeline never showed the suggestion and the acknowledgement",
    )
    assert timeline[0] == ("opened", "Case opened from submission K7QX-M2PD")
    assert set(timeline[1:]) == {
        ("agency_suggested", "Agency suggested: Social Security Administration (SSA)"),
        ("acknowledgement_sent", "Acknowledgement sent to the constituent by email"),
    }
    updated = cases.case(case.id)
    assert updated is not None
    assert (updated.agency_code, updated.agency_name) == ("SSA", "Social Security Administration")


def test_an_agency_suggestion_that_overtakes_its_case_is_retried_until_the_case_exists(
    cases: CasesHarness,
) -> None:
    retried = "casework_cases_events_retried_total"
    labels = {"event_type": AGENCY_SUGGESTED.event_type}
    before = sample(retried, labels)
    payload = submission()
    case_id = case_id_for(OFFICE, payload["submission_id"])
    cases.publish(
        AGENCY_SUGGESTED,
        {
            "case_id": case_id,
            "agency_code": "SSA",
            "agency_name": "Social Security Administration",
            "reason": "category:social_security",
        },
        office_id=OFFICE,
    )
    wait_until(lambda: sample(retried, labels) > before, message="the suggestion was not retried")
    assert cases.case(case_id) is None

    cases.publish(SUBMISSION_RECEIVED, payload, office_id=OFFICE)

    applied = wait_until(
        lambda: (case := cases.case(case_id)) is not None and case.agency_code == "SSA",
        message="the suggestion was never applied",
    )
    assert applied
    assert [kind for kind, _ in cases.timeline(case_id)] == ["opened", "agency_suggested"]
    assert cases.queued("cases--agencies.agency_suggested.dlq") == []


def test_the_queue_lists_the_offices_cases_newest_first_and_audits_each_one_shown(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    cases.add_staff("u-4", "Alex Chen", "caseworker")
    opened = [cases.open_case(subject=f"Request {number}") for number in range(3)]
    cases.open_case(OTHER_OFFICE)

    with ClusterRpcClient(context_data={"user_id": "u-4"}) as rpc:
        everything = rpc.cases.list_cases(OFFICE)
        alex = rpc.cases.list_cases(office_id=OFFICE, assigned_to="u-4")
        page = rpc.cases.list_cases(OFFICE, status="open", limit=1, offset=1)
        closed = rpc.cases.list_cases(OFFICE, status="closed")

    assert everything["total"] == 3
    assert [row["reference"] for row in everything["cases"]] == [
        case.reference for case in reversed(opened)
    ]
    newest = everything["cases"][0]
    assert newest == {
        "case_id": opened[2].id,
        "reference": f"CW-{YEAR}-000003",
        "status": "open",
        "subject": "Request 2",
        "category": "social_security",
        "constituent_name": "Maria Lopez",
        "urgent": False,
        "opened_at": opened[2].opened_at.isoformat(),
        "assigned_to_id": "u-4",
        "assigned_to_name": "Alex Chen",
        "agency_code": None,
    }
    assert alex["total"] == 2
    assert {row["assigned_to_id"] for row in alex["cases"]} == {"u-4"}
    assert page["total"] == 3
    assert [row["case_id"] for row in page["cases"]] == [opened[1].id]
    assert closed == {"cases": [], "total": 0}
    audit = cases.audit_entries()
    assert len(audit) == 3 + 2 + 1
    assert {entry["actor"] for entry in audit} == {"u-4"}
    assert {entry["action"] for entry in audit} == {"case.listed"}
    assert {entry["office_id"] for entry in audit} == {OFFICE}


def test_the_case_page_has_the_case_and_its_timeline_and_the_read_is_audited(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    case = cases.open_case()

    with ClusterRpcClient(context_data={"user_id": "u-3"}) as rpc:
        page = rpc.cases.get_case(OFFICE, case.id)
    with ClusterRpcClient() as rpc:
        rpc.cases.get_case(office_id=OFFICE, case_id=case.id.upper())

    assert page["case_id"] == case.id
    assert page["reference"] == f"CW-{YEAR}-000001"
    assert page["submission_id"] == case.submission_id
    assert page["tracking_code"] == "K7QX-M2PD"
    assert page["constituent_id"] == case.constituent_id
    assert page["assigned_to_name"] == "Sam Rivera"
    assert [entry["kind"] for entry in page["timeline"]] == ["opened", "assigned"]
    assert all(datetime.fromisoformat(entry["at"]).tzinfo for entry in page["timeline"])
    audit = cases.audit_entries()
    assert [(entry["actor"], entry["action"], entry["subject_id"]) for entry in audit] == [
        ("u-3", "case.viewed", case.id),
        ("system", "case.viewed", case.id),
    ]


def test_another_offices_case_is_not_found_and_its_read_is_not_audited(
    cases: CasesHarness,
) -> None:
    theirs = cases.open_case(OTHER_OFFICE)

    with ClusterRpcClient() as rpc, pytest.raises(RemoteError) as raised:
        rpc.cases.get_case(OFFICE, theirs.id)

    assert raised.value.exc_type == "NotFound"
    assert cases.audit_entries() == []


def test_bad_arguments_are_refused_with_a_validation_error_naming_them(
    cases: CasesHarness,
) -> None:
    calls: list[tuple[str, dict[str, Any], str]] = [
        ("list_cases", {"office_id": "Rep Lopez"}, "office_id"),
        ("list_cases", {"office_id": OFFICE, "status": "pending"}, "status"),
        ("list_cases", {"office_id": OFFICE, "limit": 0}, "limit"),
        ("list_cases", {"office_id": OFFICE, "limit": 10_000}, "limit"),
        ("list_cases", {"office_id": OFFICE, "offset": -1}, "offset"),
        ("get_case", {"office_id": OFFICE, "case_id": "42"}, "case_id"),
        ("get_case", {"office_id": "", "case_id": str(uuid.uuid4())}, "office_id"),
    ]
    with ClusterRpcClient() as rpc:
        for method, arguments, bad in calls:
            with pytest.raises(RemoteError) as raised:
                getattr(rpc.cases, method)(**arguments)
            assert raised.value.exc_type == "ValidationFailed", (method, arguments)
            assert bad in str(raised.value.value), (method, arguments)


def test_health_and_business_metrics_are_exposed(cases: CasesHarness, web_address: str) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    cases.open_case()

    assert requests.get(f"http://{web_address}/ready", timeout=5).json()["checks"] == {
        "database": "ok",
        "broker": "ok",
    }
    metrics = requests.get(f"http://{web_address}/metrics", timeout=5).text
    assert "casework_cases_opened_total " in metrics
    assert 'casework_cases_assignments_total{method="round_robin"}' in metrics
    assert 'casework_cases_entrypoint_calls_total{entrypoint="open_case",outcome="ok"}' in metrics
