"""Agencies' real entrypoints against a real broker and both databases, on a schema built by
the service's own Alembic migrations (see conftest.py: on PostgreSQL behind the tenant wall)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from kombu import Connection
from nameko.standalone.rpc import ClusterRpcClient
from prometheus_client import REGISTRY
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.agencies.models import AgencySuggestion, Base
from services.agencies.service import AgenciesService
from services.agencies.tests.conftest import SEEDED_CODES, count_rows
from services.agencies.tests.fakes import case_opened
from services.chassis.errors import Forbidden, NotFound, ValidationFailed
from services.chassis.testing import wait_until
from services.contracts import CASE_OPENED
from services.contracts.rpc.agencies import AgencyEntry, AgencySuggestionResult

OFFICE = "rep-lopez"
SUGGESTED_QUEUE = "cases--agencies.agency_suggested"
CONSUMED_QUEUE = "agencies--cases.case_opened"


@pytest.fixture
def agencies(
    migrated_url: str,
    engine: Engine,
    amqp_uri: str,
    web_address: str,
    container_factory: Any,
) -> dict[str, Any]:
    container = container_factory(AgenciesService)
    container.start()
    return {"engine": engine, "amqp_uri": amqp_uri, "base": f"http://{web_address}"}


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _handled() -> float:
    return _sample(
        "casework_agencies_events_consumed_total",
        entrypoint="suggest_for_opened_case",
        outcome="ok",
    )


def _suggestions_counted(reason: str) -> float:
    return _sample("casework_agencies_suggestions_total", reason=reason)


def _suggestions(engine: Engine) -> list[AgencySuggestion]:
    with Session(engine) as session:
        return list(session.scalars(select(AgencySuggestion)))


def _outbox_drained(engine: Engine) -> bool:
    outbox = Base.metadata.tables["outbox"]
    with Session(engine) as session:
        pending = session.execute(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        ).scalar_one()
    return pending == 0


def _queued(amqp_uri: str, queue: str) -> list[Any]:
    messages: list[Any] = []
    with Connection(amqp_uri) as connection, connection.channel() as channel:
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            messages.append(message)
    return messages


def _queued_events(amqp_uri: str, queue: str) -> list[dict[str, Any]]:
    return [json.loads(message.body) for message in _queued(amqp_uri, queue)]


def rpc_client() -> ClusterRpcClient:
    return ClusterRpcClient(timeout=10)


# Suggesting an agency for each new case


def test_a_case_whose_hint_is_a_known_agency_gets_that_agency_suggested_and_announced(
    agencies: dict[str, Any], publish_event: Callable[..., dict[str, Any]]
) -> None:
    hinted_before = _suggestions_counted("hint")
    payload = case_opened(category="social_security", agency_hint="VA")

    sent = publish_event(CASE_OPENED, payload, office_id=OFFICE)

    suggestions = wait_until(
        lambda: _suggestions(agencies["engine"]), message="no suggestion recorded"
    )
    assert [(s.office_id, s.case_id, s.agency_code, s.reason) for s in suggestions] == [
        (OFFICE, payload["case_id"], "VA", "hint")
    ]
    events = wait_until(
        lambda: _queued_events(agencies["amqp_uri"], SUGGESTED_QUEUE),
        message="agency_suggested never reached the cases queue",
    )
    assert len(events) == 1
    event = events[0]
    assert event["event_type"] == "agencies.agency_suggested"
    assert event["office_id"] == OFFICE
    assert event["causation_id"] == sent["event_id"]
    assert event["correlation_id"] == sent["correlation_id"]
    assert event["payload"] == {
        "case_id": payload["case_id"],
        "agency_code": "VA",
        "agency_name": "Department of Veterans Affairs",
        "reason": "hint",
    }
    assert _suggestions_counted("hint") == hinted_before + 1


def test_a_case_with_an_unknown_hint_gets_the_agency_its_category_maps_to(
    agencies: dict[str, Any], publish_event: Callable[..., dict[str, Any]]
) -> None:
    by_category_before = _suggestions_counted("category")

    publish_event(
        CASE_OPENED, case_opened(category="medicaid", agency_hint="NASA"), office_id=OFFICE
    )

    events = wait_until(
        lambda: _queued_events(agencies["amqp_uri"], SUGGESTED_QUEUE),
        message="agency_suggested never reached the cases queue",
    )
    assert [event["payload"]["agency_code"] for event in events] == ["CMS"]
    assert events[0]["payload"]["reason"] == "category:medicaid"
    assert _suggestions(agencies["engine"])[0].reason == "category:medicaid"
    assert _suggestions_counted("category") == by_category_before + 1


def test_a_redelivered_case_opened_event_leaves_one_suggestion_and_one_event(
    agencies: dict[str, Any], publish_event: Callable[..., dict[str, Any]]
) -> None:
    handled_before = _handled()
    by_category_before = _suggestions_counted("category")
    payload = case_opened(category="passport")
    first = publish_event(CASE_OPENED, payload, office_id=OFFICE)
    wait_until(lambda: _suggestions(agencies["engine"]), message="no suggestion recorded")

    publish_event(CASE_OPENED, payload, office_id=OFFICE, event_id=first["event_id"])
    # The same case announced again under a new event id must not be suggested twice either.
    publish_event(CASE_OPENED, payload, office_id=OFFICE)
    wait_until(lambda: _handled() >= handled_before + 3, message="not every delivery was handled")
    wait_until(lambda: _outbox_drained(agencies["engine"]), message="outbox never drained")

    suggestions = _suggestions(agencies["engine"])
    assert [(s.agency_code, s.reason) for s in suggestions] == [("DOS-PPT", "category:passport")]
    assert count_rows(agencies["engine"], "outbox") == 1
    assert len(_queued_events(agencies["amqp_uri"], SUGGESTED_QUEUE)) == 1
    assert _suggestions_counted("category") == by_category_before + 1


def test_a_case_in_the_other_category_records_no_suggestion_and_announces_nothing(
    agencies: dict[str, Any], publish_event: Callable[..., dict[str, Any]]
) -> None:
    handled_before = _handled()
    none_before = _suggestions_counted("none")
    payload = case_opened(category="other", agency_hint=None)

    publish_event(CASE_OPENED, payload, office_id=OFFICE)
    wait_until(lambda: _handled() >= handled_before + 1, message="case_opened never handled")

    suggestions = _suggestions(agencies["engine"])
    assert [(s.case_id, s.agency_code, s.reason) for s in suggestions] == [
        (payload["case_id"], None, "none")
    ]
    assert count_rows(agencies["engine"], "outbox") == 0
    assert _queued_events(agencies["amqp_uri"], SUGGESTED_QUEUE) == []
    assert _suggestions_counted("none") == none_before + 1


def test_the_same_case_id_in_two_offices_gets_a_suggestion_in_each(
    agencies: dict[str, Any], publish_event: Callable[..., dict[str, Any]]
) -> None:
    payload = case_opened(category="tax")

    publish_event(CASE_OPENED, payload, office_id=OFFICE)
    publish_event(CASE_OPENED, payload, office_id="sen-okafor")

    suggestions = wait_until(
        lambda: len(found := _suggestions(agencies["engine"])) == 2 and found,
        message="each office should get its own suggestion",
    )
    assert {(s.office_id, s.agency_code) for s in suggestions} == {
        (OFFICE, "IRS"),
        ("sen-okafor", "IRS"),
    }


def test_a_case_opened_event_with_an_oversized_case_id_is_dead_lettered_with_a_reason(
    agencies: dict[str, Any], publish_event: Callable[..., dict[str, Any]]
) -> None:
    publish_event(CASE_OPENED, case_opened(case_id="c" * 65), office_id=OFFICE)

    dead = wait_until(
        lambda: _queued(agencies["amqp_uri"], f"{CONSUMED_QUEUE}.dlq"),
        message="the bad event was not dead-lettered",
    )
    assert len(dead) == 1
    assert dead[0].headers["x-casework-reason"] == (
        "PermanentMessageError: case_id is longer than 64 characters"
    )
    assert _suggestions(agencies["engine"]) == []


# RPC


def test_staff_can_list_the_directory_and_look_up_one_agency_by_rpc(
    agencies: dict[str, Any],
) -> None:
    with rpc_client() as client:
        listed = client.agencies.list_agencies()
        va = client.agencies.get_agency(" va ")

    assert {agency["code"] for agency in listed} == SEEDED_CODES
    assert va == {
        "code": "VA",
        "name": "Department of Veterans Affairs",
        "liaison_office": "Office of Congressional and Legislative Affairs",
        "website_url": "https://www.va.gov/",
        "liaison_url": "https://www.va.gov/",
        "category_codes": ["veterans"],
        "typical_response_days": 30,
        "response_days": 30,
        "day_basis": "calendar",
        "interim_every_days": 30,
        "release_rules": {
            "signature": "any",
            "sole_recipient": True,
            "valid_days": None,
            "new_release_after_closure": False,
        },
        "active": True,
    }
    cms = next(agency for agency in listed if agency["code"] == "CMS")
    assert cms["category_codes"] == ["medicaid", "medicare"]
    # A caller reads the replies with the contract they were dumped with.
    assert AgencyEntry(many=True).load(listed)[0]["categories"] == listed[0]["category_codes"]


def test_looking_up_an_agency_that_is_not_in_the_directory_is_not_found(
    agencies: dict[str, Any],
) -> None:
    with rpc_client() as client, pytest.raises(NotFound) as raised:
        client.agencies.get_agency("NASA")
    assert "NASA" in raised.value.message

    with rpc_client() as client, pytest.raises(ValidationFailed) as malformed:
        client.agencies.get_agency("not a code!")
    assert "code" in malformed.value.fields


def test_suggest_agency_by_rpc_prefers_a_known_hint_then_the_category(
    agencies: dict[str, Any],
) -> None:
    with rpc_client() as client:
        by_category = client.agencies.suggest_agency("tax")
        by_hint = client.agencies.suggest_agency("tax", agency_hint="ssa")
        by_keyword = client.agencies.suggest_agency(category="housing", agency_hint="NASA")
        nothing = client.agencies.suggest_agency("other")

    assert by_category == {
        "code": "IRS",
        "name": "Internal Revenue Service",
        "reason": "category:tax",
    }
    assert by_hint == {"code": "SSA", "name": "Social Security Administration", "reason": "hint"}
    assert by_keyword is not None and by_keyword["code"] == "HUD"
    assert nothing is None
    assert AgencySuggestionResult().load(by_hint)["agency"] == {
        "code": "SSA",
        "name": "Social Security Administration",
    }


def test_suggest_agency_by_rpc_refuses_an_unknown_category_naming_the_argument(
    agencies: dict[str, Any],
) -> None:
    with rpc_client() as client, pytest.raises(ValidationFailed) as raised:
        client.agencies.suggest_agency("aliens")

    assert raised.value.message == "some fields are missing or invalid: category"
    assert set(raised.value.fields) == {"category"}


# Health and metrics


def test_health_and_metrics_endpoints(agencies: dict[str, Any]) -> None:
    assert requests.get(f"{agencies['base']}/live", timeout=5).json()["status"] == "live"
    ready = requests.get(f"{agencies['base']}/ready", timeout=5)
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}

    metrics = requests.get(f"{agencies['base']}/metrics", timeout=5).text
    reasons = {
        line.split('reason="')[1].split('"')[0]
        for line in metrics.splitlines()
        if line.startswith("casework_agencies_suggestions_total{")
    }
    assert reasons == {"hint", "category", "none"}


# Agency liaison by RPC, as the staff app calls it (the acting staff member in the context)


def staff_client(user_id: str, role: str, office_id: str = OFFICE) -> ClusterRpcClient:
    return ClusterRpcClient(
        timeout=10,
        context_data={"user_id": user_id, "role": role, "office_id": office_id, "origin": "test"},
    )


def test_an_office_admin_keeps_contacts_templates_and_settings_by_rpc(
    agencies: dict[str, Any],
) -> None:
    with staff_client("u-admin", "office_admin") as admin:
        contact = admin.agencies.save_contact(
            office_id=OFFICE, agency_code="ssa", name="Pat Liaison", email="pat@ssa.example.gov"
        )
        imported = admin.agencies.import_contacts_csv(
            OFFICE, "agency_code,name,email\r\nVA,Vic Liaison,vic@va.example.gov\r\n"
        )
        refused = admin.agencies.import_contacts_csv(OFFICE, "agency_code,name\r\nNASA,X\r\n")
        settings = admin.agencies.save_liaison_settings(
            office_id=OFFICE, timezone="America/Chicago", member_name="Rep. Ana Lopez"
        )
        templates = admin.agencies.list_templates(OFFICE)
        with pytest.raises(ValidationFailed) as bad_template:
            admin.agencies.save_template(OFFICE, "Bad", "Subject", "Hello {{ case.colour }}")
    with staff_client("u-cw", "caseworker") as caseworker:
        contacts = caseworker.agencies.list_contacts(OFFICE)
        with pytest.raises(Forbidden):
            caseworker.agencies.remove_contact(OFFICE, contact["contact_id"])
    with (
        staff_client("u-other", "office_admin", "sen-okafor") as stranger,
        pytest.raises(NotFound),
    ):
        stranger.agencies.list_contacts(OFFICE)

    assert contact["agency_code"] == "SSA"
    assert (imported["created"], imported["problems"]) == (1, [])
    assert refused["problems"] == [
        {"line": 2, "field": "agency_code", "message": "no agency NASA in the directory"}
    ]
    assert settings["timezone"] == "America/Chicago"
    assert settings["member_name"] == "Rep. Ana Lopez"
    assert {"Congressional inquiry", "Follow-up", "Referral"} <= {t["name"] for t in templates}
    assert "body" in bad_template.value.fields
    assert sorted(c["name"] for c in contacts) == ["Pat Liaison", "Vic Liaison"]
