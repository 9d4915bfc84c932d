"""Legislature IT's admin commands and the demo seed against both databases, with a running
gateway whose relay publishes what they write: offices and staff announced, audited, and
refused when they clash."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.chassis.testing import wait_until
from services.contracts import OFFICE_REGISTERED, STAFF_MEMBER_ADDED
from services.gateway import admin, handlers, seed
from services.gateway.models import Base, Office, User
from services.gateway.tests.support import (
    OFFICE,
    OFFICE_NAME,
    OTHER_OFFICE,
    Gateway,
    drain,
    register_lopez,
    run_admin,
)

OFFICE_QUEUE = "intake--gateway.office_registered"
STAFF_QUEUE = "cases--gateway.staff_member_added"


def test_add_office_announces_the_office_and_again_only_when_renamed(gateway: Gateway) -> None:
    command = ["add-office", OTHER_OFFICE, "--reply-to", "casework@lopez.example.gov"]

    assert run_admin(*command, "--name", "Office of Rep. Ana Lopez")[0] == 0
    assert run_admin(*command, "--name", "Office of Rep. Ana Lopez")[0] == 0
    status, out, _ = run_admin(*command, "--name", "Office of Rep. Ana López")

    assert status == 0 and out.startswith("updated rep-lopez")
    wait_until(gateway.outbox_drained, message="the gateway's relay never published the events")
    events = drain(gateway.amqp_uri, OFFICE_QUEUE)
    assert [event["event_type"] for event in events] == [OFFICE_REGISTERED.event_type] * 2
    assert [event["payload"]["name"] for event in events] == [
        "Office of Rep. Ana Lopez",
        "Office of Rep. Ana López",
    ]
    assert {event["office_id"] for event in events} == {OTHER_OFFICE}
    assert gateway.count("offices") == 1


def test_an_office_is_announced_with_its_time_zone_and_again_when_its_admin_changes_it(
    gateway: Gateway,
) -> None:
    register_lopez()
    with admin.gateway_database() as db:
        for zone in ("America/Chicago", "America/Chicago"):
            handlers.set_office_timezone(db, OTHER_OFFICE, zone, actor=admin.operator())

    wait_until(gateway.outbox_drained, message="the gateway's relay never published the events")
    events = drain(gateway.amqp_uri, OFFICE_QUEUE)
    assert [event["payload"]["timezone"] for event in events] == [
        "America/New_York",
        "America/Chicago",
    ]
    assert [event["payload"]["name"] for event in events] == ["Office of Rep. Ana Lopez"] * 2
    with Session(gateway.engine) as session:
        stored = session.scalar(select(Office.timezone).where(Office.office_id == OTHER_OFFICE))
    assert stored == "America/Chicago"


def test_add_staff_announces_the_member_to_cases(gateway: Gateway) -> None:
    register_lopez()

    status, out, _ = run_admin(
        "add-staff",
        OTHER_OFFICE,
        "--name",
        "Sam Rivera",
        "--email",
        "Sam.Rivera@Lopez.example.gov",
        "--role",
        "caseworker",
    )

    assert status == 0, out
    events = wait_until(
        lambda: drain(gateway.amqp_uri, STAFF_QUEUE),
        message="staff_member_added never reached the cases queue",
    )
    assert len(events) == 1
    event = events[0]
    assert event["event_type"] == STAFF_MEMBER_ADDED.event_type
    assert event["office_id"] == OTHER_OFFICE
    with Session(gateway.engine) as session:
        user = session.scalars(select(User)).one()
    assert user.email == "sam.rivera@lopez.example.gov" and user.password_hash is None
    assert event["payload"] == {
        "user_id": user.id,
        "display_name": "Sam Rivera",
        "role": "caseworker",
        "active": True,
        "specialties": [],
    }
    audit_log = Base.metadata.tables["audit_log"]
    with Session(gateway.engine) as session:
        audited = session.execute(
            select(
                audit_log.c.office_id,
                audit_log.c.actor,
                audit_log.c.action,
                audit_log.c.subject_id,
                audit_log.c.origin,
            ).order_by(audit_log.c.id)
        ).all()
    assert [tuple(row) for row in audited] == [
        (OTHER_OFFICE, admin.operator().user_id, "office_created", OTHER_OFFICE, "admin-cli"),
        (OTHER_OFFICE, admin.operator().user_id, "staff_member_added", user.id, "admin-cli"),
    ]


def test_add_staff_refuses_a_duplicate_email_and_an_unknown_office(gateway: Gateway) -> None:
    register_lopez()
    member = ["--name", "Sam Rivera", "--email", "sam@lopez.example.gov", "--role", "caseworker"]
    assert run_admin("add-staff", OTHER_OFFICE, *member)[0] == 0

    duplicate = run_admin(
        "add-staff",
        OTHER_OFFICE,
        "--name",
        "Samuel Rivera",
        "--email",
        "SAM@lopez.example.gov",
        "--role",
        "supervisor",
    )
    unknown = run_admin("add-staff", "rep-nobody", *member)

    assert duplicate[0] == 1
    assert "already has a staff member with email sam@lopez.example.gov" in duplicate[2]
    assert unknown[0] == 1 and "there is no office 'rep-nobody'" in unknown[2]
    assert gateway.count("users") == 1


def test_the_seed_creates_the_demo_office_once_and_announces_it_once(gateway: Gateway) -> None:
    first = io.StringIO()
    assert seed.main(out=first) == 0
    wait_until(gateway.outbox_drained, message="the gateway's relay never published the seed")
    outbox_rows = gateway.count("outbox")

    second = io.StringIO()
    assert seed.main(out=second) == 0

    assert "office rep-demo created" in first.getvalue()
    assert "added Ana Morales (immigration) (caseworker)" in first.getvalue()
    assert "already there" in second.getvalue() and "added" not in second.getvalue()
    # The office, and its six staff each with where their own mail goes.
    assert gateway.count("outbox") == outbox_rows == 13
    contacts = gateway.outbox_payloads("gateway.staff_contact_recorded")
    assert sorted(p["email"] for p in contacts)[0] == "ana.morales@demo.example.gov"
    assert gateway.count("users") == 6 and gateway.count("offices") == 1
    with Session(gateway.engine) as session:
        office = session.get(Office, OFFICE)
        roles = sorted(session.scalars(select(User.role)).all())
    assert office is not None and office.name == OFFICE_NAME
    assert roles == ["caseworker"] * 3 + ["office_admin", "read_only", "supervisor"]
    offices = drain(gateway.amqp_uri, OFFICE_QUEUE)
    staff = drain(gateway.amqp_uri, STAFF_QUEUE)
    assert [event["payload"]["office_id"] for event in offices] == [OFFICE]
    assert sorted(event["payload"]["role"] for event in staff) == roles
    assert {event["office_id"] for event in staff} == {OFFICE}


def test_list_offices_shows_every_office_with_its_staff_count(gateway: Gateway) -> None:
    register_lopez()
    assert seed.main(out=io.StringIO()) == 0

    status, out, err = run_admin("list-offices")

    assert status == 0, err
    lines = [line.split() for line in out.splitlines()]
    assert [(line[0], line[-2]) for line in lines] == [(OTHER_OFFICE, "0"), (OFFICE, "6")]


def test_announce_staff_announces_every_member_again_for_services_that_joined_later(
    gateway: Gateway,
) -> None:
    register_lopez()
    for name, email, role in (
        ("Sam Rivera", "sam", "caseworker"),
        ("Ann Cole", "ann", "supervisor"),
    ):
        member = ("--name", name, "--email", f"{email}@lopez.example.gov", "--role", role)
        assert run_admin("add-staff", OTHER_OFFICE, *member)[0] == 0
    wait_until(lambda: gateway.outbox_drained(), message="the additions were not published")
    drain(gateway.amqp_uri, STAFF_QUEUE)

    status, out, _ = run_admin("announce-staff", OTHER_OFFICE)
    unknown = run_admin("announce-staff", "rep-nobody")

    assert status == 0 and out.startswith("2 staff of rep-lopez announced again")
    events: list[dict[str, Any]] = []

    def both_arrived() -> bool:
        events.extend(drain(gateway.amqp_uri, STAFF_QUEUE))
        return len(events) >= 2

    wait_until(both_arrived, message="the announcements never reached the cases queue")
    assert sorted((e["payload"]["display_name"], e["payload"]["role"]) for e in events) == [
        ("Ann Cole", "supervisor"),
        ("Sam Rivera", "caseworker"),
    ]
    assert unknown[0] == 1 and "no office rep-nobody" in unknown[2]
