"""A submission crosses all five services, each its own `nameko run` process and database."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
import requests
from kombu import Connection, Producer

from services.chassis.messaging import EVENTS_EXCHANGE
from services.gateway.tests.support import SUPERVISOR, log_in
from tests.e2e.system import DEMO_OFFICE, System

pytestmark = pytest.mark.e2e


def case_for(system: System, submission_id: str) -> Any:
    rows = system.query(
        "cases",
        "SELECT id, reference, assigned_to_id FROM cases WHERE submission_id = :s",
        s=submission_id,
    )
    return rows[0] if rows else None


# The demo office's staff who take cases (services/gateway/seed.py): a supervisor and three
# caseworkers.
DEMO_CASE_TAKERS = 4


def case_takers_known(system: System) -> bool:
    """Whether cases has heard of all the demo office's staff who take cases: the seed's
    `gateway.staff_member_added` events travel through the broker after the seed returns."""
    rows = system.query(
        "cases",
        "SELECT count(*) FROM staff_members WHERE office_id = :o "
        "AND role IN ('caseworker', 'supervisor')",
        o=DEMO_OFFICE,
    )
    return int(rows[0][0]) >= DEMO_CASE_TAKERS


def emails_with(system: System, tracking_code: str) -> list[Any]:
    return [m for m in system.emails() if tracking_code in m.get_payload(decode=True).decode()]


def test_a_submission_becomes_an_assigned_case_an_email_a_metric_and_a_row_on_the_staff_page(
    running_system: System,
) -> None:
    system = running_system
    system.wait_for(lambda: case_takers_known(system), 30, "cases never learned the demo staff")
    response = system.submit(1)
    assert response.status_code == 202, response.text
    receipt = response.json()

    case = system.wait_for(lambda: case_for(system, receipt["submission_id"]), 30, "no case opened")
    assert case.assigned_to_id, "the demo office has caseworkers; round-robin must assign"
    [email] = system.wait_for(
        lambda: emails_with(system, receipt["tracking_code"]), 30, "no acknowledgement email"
    )
    assert email["To"] == "Test Constituent1 <constituent1@example.org>"

    def counted() -> bool:
        text = requests.get(system.url("metrics", "/metrics"), timeout=5).text
        series = f'casework_metrics_office_acknowledgements_sent_total{{office="{DEMO_OFFICE}"}}'
        match = re.search(re.escape(series) + r" (\S+)", text)
        return bool(match and float(match.group(1)) >= 1)

    system.wait_for(counted, 30, "metrics never counted the acknowledgement")
    staff = log_in(system.url("gateway"), SUPERVISOR)
    page = staff.get(system.url("gateway", f"/offices/{DEMO_OFFICE}/cases"), timeout=10)
    assert page.status_code == 200
    assert case.reference in page.text


def test_the_same_event_delivered_twice_or_re_sent_under_a_new_id_opens_one_case(
    running_system: System,
) -> None:
    system = running_system
    receipt = system.submit(2).json()
    system.wait_for(lambda: case_for(system, receipt["submission_id"]), 30, "no case opened")
    system.wait_for(lambda: emails_with(system, receipt["tracking_code"]), 30, "no email")
    [row] = system.query(
        "intake",
        "SELECT event_id, payload, occurred_at FROM outbox "
        "WHERE event_type = 'intake.submission_received' AND payload LIKE :p",
        p=f"%{receipt['submission_id']}%",
    )
    envelope = {
        "event_id": row.event_id,
        "event_type": "intake.submission_received",
        "schema_version": 1,
        "office_id": DEMO_OFFICE,
        "occurred_at": str(row.occurred_at),
        "correlation_id": str(uuid.uuid4()),
        "causation_id": None,
        "traceparent": None,
        "payload": json.loads(row.payload),
    }
    with Connection(system.amqp_uri) as connection:
        producer = Producer(connection.channel(), exchange=EVENTS_EXCHANGE)
        for event_id in (row.event_id, str(uuid.uuid4())):
            producer.publish(
                json.dumps({**envelope, "event_id": event_id}),
                routing_key="intake.submission_received",
                content_type="application/json",
                delivery_mode=2,
            )

    def drained() -> bool:
        depths = system.queue_depths()
        return all(depths[q] == 0 for q in depths if q.endswith("submission_received"))

    system.wait_for(drained, 30, "duplicates never consumed")
    system.wait_for(lambda: all(v == 0 for v in system.outbox_pending().values()), 30, "outbox")
    cases = system.query(
        "cases", "SELECT count(*) FROM cases WHERE submission_id = :s", s=receipt["submission_id"]
    )
    assert cases[0][0] == 1
    assert len(emails_with(system, receipt["tracking_code"])) == 1


def test_reminders_are_scheduled_from_real_events_and_an_escalation_reaches_the_timeline(
    running_system: System,
) -> None:
    """A new case gets its first-contact reminder in notify; a letter overdue past its second
    threshold (announced as agencies announces it) escalates at once, through notify's sweep
    and the outbox, onto the case's timeline, exactly once though the event came twice."""
    system = running_system
    receipt = system.submit(5).json()
    case = system.wait_for(lambda: case_for(system, receipt["submission_id"]), 30, "no case")
    system.wait_for(
        lambda: system.query(
            "notify",
            "SELECT 1 FROM reminders WHERE case_id = :c AND kind = 'first_contact' "
            "AND state = 'pending'",
            c=case.id,
        ),
        30,
        "notify never scheduled the first-contact reminder",
    )
    # The escalation rings the bells of the supervisors notify knows of (from the seed).
    system.wait_for(
        lambda: system.query(
            "notify",
            "SELECT 1 FROM staff WHERE office_id = :o AND role = 'supervisor' AND active",
            o=DEMO_OFFICE,
        ),
        30,
        "notify never heard of the demo office's supervisor",
    )
    overdue = {
        "event_id": str(uuid.uuid4()),
        "event_type": "agencies.inquiry_overdue",
        "schema_version": 1,
        "office_id": DEMO_OFFICE,
        "occurred_at": "2026-12-04T15:00:00+00:00",
        "correlation_id": str(uuid.uuid4()),
        "causation_id": None,
        "traceparent": None,
        "payload": {
            "inquiry_id": str(uuid.uuid4()),
            "case_id": case.id,
            "reference": case.reference,
            "agency_code": "SSA",
            "agency_name": "Social Security Administration",
            "level": "plus_5",
            "due_on": "2026-11-20",
            "business_days_late": 5,
            "detected_at": "2026-12-04T15:00:00+00:00",
        },
    }
    with Connection(system.amqp_uri) as connection:
        producer = Producer(connection.channel(), exchange=EVENTS_EXCHANGE)
        for event_id in (overdue["event_id"], str(uuid.uuid4())):
            producer.publish(
                json.dumps({**overdue, "event_id": event_id}),
                routing_key="agencies.inquiry_overdue",
                content_type="application/json",
                delivery_mode=2,
            )

    def escalations() -> list[Any]:
        return system.query(
            "cases",
            "SELECT summary FROM case_timeline WHERE case_id = :c AND kind = 'reminder'",
            c=case.id,
        )

    system.wait_for(escalations, 30, "the escalation never reached the case's timeline")
    system.wait_for(lambda: all(v == 0 for v in system.outbox_pending().values()), 30, "outbox")
    system.wait_for(lambda: not any(system.queue_depths().values()), 30, "queues")
    [entry] = escalations()
    assert entry.summary == (
        "Escalated to supervisors: The letter to SSA is 5 business days overdue"
    )
    # ... and behind the supervisor's bell, once, linking to the case.
    supervisor = log_in(system.url("gateway"), SUPERVISOR)
    page = supervisor.get(
        system.url("gateway", f"/offices/{DEMO_OFFICE}/notifications"), timeout=10
    )
    assert page.status_code == 200
    assert page.text.count(f'/cases/{case.reference}"') == 1
    assert "The letter to SSA is 5 business days overdue" in page.text
    assert re.search(r'<span class="badge">\d+<span class="visually-hidden"> unread', page.text)


def test_a_public_note_reaches_the_constituent_by_email_and_an_internal_one_does_not(
    running_system: System,
) -> None:
    system = running_system
    system.wait_for(lambda: case_takers_known(system), 30, "cases never learned the demo staff")
    receipt = system.submit(7).json()
    case = system.wait_for(lambda: case_for(system, receipt["submission_id"]), 30, "no case")
    system.wait_for(lambda: emails_with(system, receipt["tracking_code"]), 30, "no acknowledgement")
    token = system.run_python(
        "-m", "services.gateway.admin", "issue-token", DEMO_OFFICE, SUPERVISOR
    ).strip()  # fmt: skip
    notes = system.url("gateway", f"/api/v1/offices/{DEMO_OFFICE}/cases/{case.reference}/notes")
    for body, visibility in (
        ("Called the VA liaison; she expects a decision within two weeks.", "public"),
        ("Liaison sounded unsure; chase on Friday.", "internal"),
    ):
        written = requests.post(
            notes,
            json={"body": body, "visibility": visibility},
            headers={"Authorization": f"Bearer {token}"},
            timeout=15,
        )
        assert written.status_code == 201, written.text

    def update() -> list[Any]:
        mailed = emails_with(system, receipt["tracking_code"])
        return [message for message in mailed if "update" in message["Subject"]]

    [email] = system.wait_for(update, 30, "the public note was never mailed")
    body = email.get_payload(decode=True).decode()
    assert "expects a decision within two weeks" in body
    assert "unsure" not in body

    def deliveries() -> list[tuple[str, str]]:
        rows = system.query(
            "notify",
            "SELECT kind, status FROM deliveries WHERE case_id = :c ORDER BY kind",
            c=str(case.id),
        )
        return [tuple(row) for row in rows]

    # The mail server has the message before notify records it as sent: wait for the record.
    system.wait_for(
        lambda: deliveries() == [("acknowledgement", "sent"), ("case_update", "sent")],
        30,
        lambda: f"deliveries not settled as sent: {deliveries()}",
    )
    assert len(emails_with(system, receipt["tracking_code"])) == 2


def test_a_closed_cases_constituent_rates_the_office_in_one_click_and_everyone_hears_of_it(
    running_system: System,
) -> None:
    """Closing mails the survey; one click on the portal counts in metrics, on the case's
    timeline and in the office's results; a second click on the same answer changes nothing."""
    system = running_system
    system.wait_for(lambda: case_takers_known(system), 30, "cases never learned the demo staff")
    receipt = system.submit(8).json()
    case = system.wait_for(lambda: case_for(system, receipt["submission_id"]), 30, "no case")
    token = system.run_python(
        "-m", "services.gateway.admin", "issue-token", DEMO_OFFICE, SUPERVISOR
    ).strip()  # fmt: skip
    closed = requests.post(
        system.url("gateway", f"/api/v1/offices/{DEMO_OFFICE}/cases/{case.reference}/transitions"),
        json={"to": "closed", "reason": "Benefit paid", "outcome": {"result": "favourable"}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
    )
    assert closed.status_code == 200, closed.text

    def closing_email() -> list[Any]:
        mailed = emails_with(system, receipt["tracking_code"])
        return [m for m in mailed if "We have closed" in m.get_payload(decode=True).decode()]

    [email] = system.wait_for(
        closing_email,
        30,
        lambda: "the closing was never mailed; notify said:\n" + system.log_tail("notify"),
    )
    body = email.get_payload(decode=True).decode()
    links = re.findall(r"(http://\S+/rate/\S+\?rating=(\d))", body)
    assert [rating for _, rating in links] == ["5", "4", "3", "2", "1"]
    four = dict((rating, link) for link, rating in links)["4"]
    assert four.startswith(system.url("intake-web", f"/o/{DEMO_OFFICE}/rate/"))

    def click() -> Any:
        answered = requests.get(four, timeout=10)  # intake learns the link from notify's event
        return answered if answered.status_code == 200 else None

    answered = system.wait_for(click, 30, "the survey link was never known to the portal")
    assert "You rated our help 4 out of 5" in answered.text
    assert requests.get(four, timeout=10).status_code == 200  # opened again: nothing new

    def rated() -> list[Any]:
        return system.query(
            "metrics",
            "SELECT rating FROM satisfaction_ratings WHERE case_id = :c",
            c=str(case.id),
        )

    assert [tuple(row) for row in system.wait_for(rated, 30, "metrics never counted it")] == [(4,)]

    def on_the_timeline() -> list[Any]:
        return system.query(
            "cases",
            "SELECT summary FROM case_timeline WHERE case_id = :c AND kind = 'satisfaction_rated'",
            c=str(case.id),
        )

    [note] = system.wait_for(on_the_timeline, 30, "the rating never reached the timeline")
    assert note.summary == "The constituent rated the office's help 4 of 5 (well)"
    system.wait_for(lambda: not any(system.queue_depths().values()), 30, "queues not drained")
    assert len(on_the_timeline()) == 1
    results = log_in(system.url("gateway"), SUPERVISOR).get(
        system.url("gateway", f"/offices/{DEMO_OFFICE}/results"), timeout=15
    )
    assert results.status_code == 200
    assert "answered the one-click survey" in results.text

    # The portal's browser helpers (test_portal imports this module's).
    from tests.e2e.test_portal import browse as browse_portal
    from tests.e2e.test_portal import no_serious_violations

    path = four.split(system.url("intake-web"), 1)[1].split("?")[0]
    seen = browse_portal(system, "survey", path=path, rating=4)
    assert seen["h1"]["survey-en-question"] == "How well did we help you?"
    assert seen["h1"]["survey-es-answered"] == "¿Qué tan bien le ayudamos?"
    assert seen["notice"]["en"].startswith("Thank you. You rated our help 4 out of 5.")
    assert seen["notice"]["es"].startswith("Gracias. Usted calificó nuestra ayuda con 4 de 5.")
    no_serious_violations(seen)
    assert len(on_the_timeline()) == 1  # looking again changed nothing
