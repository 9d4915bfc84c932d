"""Notify's real entrypoints against RabbitMQ, both databases and a real SMTP server."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import requests
from kombu import Connection
from nameko.testing.services import entrypoint_hook
from prometheus_client import REGISTRY
from sqlalchemy import select

from services.chassis.errors import Forbidden, NotFound, ValidationFailed
from services.chassis.testing import wait_until
from services.contracts import (
    ACKNOWLEDGEMENT_SENT,
    CASE_CLOSED,
    CASE_OPENED,
    INQUIRY_OVERDUE,
    OFFICE_REGISTERED,
    STAFF_CONTACT_RECORDED,
    STAFF_MEMBER_ADDED,
    STATUS_CODE_REQUESTED,
    SUBMISSION_RECEIVED,
)
from services.notify.models import offices, reminders, staff, staff_notifications
from services.notify.tests.conftest import (
    OFFICE,
    REPLY_TO,
    MailServer,
    Notify,
    one_message,
    opened,
    submission,
)


def code_requested(expires_in: timedelta = timedelta(minutes=15)) -> dict[str, Any]:
    """The example request (Spanish, code 482913 for K7QX-M2PD, to maria@example.org)."""
    expires_at = datetime.now(UTC) + expires_in
    return dict(STATUS_CODE_REQUESTED.example, expires_at=expires_at.isoformat())


def handled_ok(entrypoint: str) -> float:
    value = REGISTRY.get_sample_value(
        "casework_notify_events_consumed_total", {"entrypoint": entrypoint, "outcome": "ok"}
    )
    return value or 0.0


def queued_events(amqp_uri: str, queue: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    with Connection(amqp_uri) as connection, connection.channel() as channel:
        while True:
            message = channel.basic_get(queue, no_ack=True)
            if message is None:
                return bodies
            bodies.append(json.loads(message.body))


@pytest.mark.parametrize("case_first", [False, True], ids=["submission-first", "case-first"])
def test_a_constituent_gets_one_acknowledgement_whichever_event_arrives_first(
    notify: Notify,
    messages_to: Callable[[str], list[EmailMessage]],
    case_first: bool,
) -> None:
    submission_id = str(uuid.uuid4())
    events = [
        (SUBMISSION_RECEIVED, submission(submission_id)),
        (CASE_OPENED, opened(submission_id)),
    ]
    if case_first:
        events.reverse()
    for contract, payload in events:
        notify.publish(contract, payload, office_id=OFFICE)

    message = one_message(messages_to)
    assert message["Subject"] == "We received your request \N{EN DASH} tracking code K7QX-M2PD"
    assert message["To"].addresses[0].addr_spec == "maria@example.org"
    assert message["Reply-To"] == REPLY_TO
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Office of Rep. Ana Lopez",
        "casework@localhost",
    )
    assert message["Message-ID"].endswith("@localhost>")
    assert "CW-2026-000042" in message.get_content()

    [announced] = wait_until(
        lambda: queued_events(notify.amqp_uri, "metrics--notify.acknowledgement_sent"),
        message="notify.acknowledgement_sent was never published",
    )
    assert announced["event_type"] == ACKNOWLEDGEMENT_SENT.event_type
    assert announced["office_id"] == OFFICE
    assert announced["payload"]["case_id"] == "case-1"
    assert announced["payload"]["submission_id"] == submission_id
    assert "@" not in json.dumps(announced)
    assert notify.deliveries() == [("sent", 1)]


def test_the_same_case_opened_delivered_twice_sends_one_email(
    notify: Notify, messages_to: Callable[[str], list[EmailMessage]]
) -> None:
    submission_id = str(uuid.uuid4())
    notify.publish(SUBMISSION_RECEIVED, submission(submission_id), office_id=OFFICE)
    event_id = str(uuid.uuid4())
    before = handled_ok("acknowledge_case")

    for _ in range(2):
        notify.publish(CASE_OPENED, opened(submission_id), office_id=OFFICE, event_id=event_id)

    wait_until(
        lambda: handled_ok("acknowledge_case") - before >= 2,
        message="both deliveries of case_opened were not handled",
    )
    one_message(messages_to)
    assert notify.deliveries() == [("sent", 1)]
    events = wait_until(
        lambda: queued_events(notify.amqp_uri, "cases--notify.acknowledgement_sent")
    )
    time.sleep(0.3)
    assert len(events + queued_events(notify.amqp_uri, "cases--notify.acknowledgement_sent")) == 1


def test_an_acknowledgement_refused_while_the_mail_server_is_down_goes_once_it_is_back(
    notify: Notify, idle_mail_server: MailServer
) -> None:
    submission_id = str(uuid.uuid4())
    notify.publish(SUBMISSION_RECEIVED, submission(submission_id), office_id=OFFICE)
    notify.publish(CASE_OPENED, opened(submission_id), office_id=OFFICE)

    # Retried with backoff while the server is down: by the time this looks, the delivery may
    # have failed more than once, never been sent.
    wait_until(
        lambda: [status for status, attempts in notify.deliveries() if attempts >= 1] == ["failed"],
        message="the refused attempt was not recorded as failed",
    )
    idle_mail_server.start()

    wait_until(lambda: notify.deliveries() and notify.deliveries()[0][0] == "sent", timeout=20)
    time.sleep(0.5)
    assert len(idle_mail_server.received) == 1
    [(status, attempts)] = notify.deliveries()
    assert status == "sent" and attempts >= 2

    metrics = requests.get(f"{notify.base}/metrics", timeout=5).text
    assert 'casework_notify_delivery_failures_total{channel="email"}' in metrics
    assert 'casework_notify_messages_sent_total{channel="email",kind="acknowledgement"}' in metrics
    assert 'casework_notify_smtp_send_seconds_count{outcome="refused"}' in metrics
    assert "example.org" not in metrics


def test_a_submission_without_an_email_address_is_listed_as_skipped(
    notify: Notify, mail_server: MailServer
) -> None:
    submission_id = str(uuid.uuid4())
    notify.publish(CASE_OPENED, opened(submission_id, "case-9"), office_id=OFFICE)
    notify.publish(
        SUBMISSION_RECEIVED, submission(submission_id, contact_email=None), office_id=OFFICE
    )

    wait_until(lambda: notify.deliveries() == [("skipped", 0)])
    with entrypoint_hook(notify.container, "list_deliveries") as list_deliveries:
        [delivery] = list_deliveries(OFFICE, "case-9")
    assert mail_server.received == []
    assert delivery["kind"] == "acknowledgement" and delivery["channel"] == "email"
    assert (delivery["status"], delivery["attempts"], delivery["sent_at"]) == ("skipped", 0, None)
    assert (delivery["skip_reason"], delivery["last_error"]) == ("no email address", None)


def test_list_deliveries_answers_per_office_and_case_without_addresses(
    notify: Notify, messages_to: Callable[[str], list[EmailMessage]]
) -> None:
    submission_id = str(uuid.uuid4())
    notify.publish(SUBMISSION_RECEIVED, submission(submission_id), office_id=OFFICE)
    notify.publish(CASE_OPENED, opened(submission_id), office_id=OFFICE)
    one_message(messages_to)
    wait_until(lambda: notify.deliveries() == [("sent", 1)])

    with entrypoint_hook(notify.container, "list_deliveries") as list_deliveries:
        [delivery] = list_deliveries(OFFICE, "case-1")
        assert list_deliveries("rep-someone-else", "case-1") == []
        with pytest.raises(ValidationFailed) as invalid:
            list_deliveries("Not An Office!", "")

    assert set(delivery) == {
        "delivery_id",
        "kind",
        "channel",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "resent_in_doubt",
        "last_error",
        "skip_reason",
        "send_after",
    }
    assert (delivery["status"], delivery["attempts"], delivery["resent_in_doubt"]) == ("sent", 1, 0)
    assert delivery["sent_at"] >= delivery["created_at"]
    assert "@" not in json.dumps(delivery)
    assert set(invalid.value.fields) == {"office_id", "case_id"}


def test_the_acknowledgement_links_to_the_status_page_in_the_constituents_language(
    notify: Notify,
    messages_to: Callable[[str], list[EmailMessage]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASEWORK_PORTAL_BASE_URL", "https://casework.house.example.gov/")
    submission_id = str(uuid.uuid4())
    spanish = submission(submission_id, preferred_language="es", constituent_name="María López")
    notify.publish(SUBMISSION_RECEIVED, spanish, office_id=OFFICE)
    notify.publish(CASE_OPENED, opened(submission_id), office_id=OFFICE)

    message = one_message(messages_to)
    assert message["Subject"] == (
        "Recibimos su solicitud \N{EN DASH} código de seguimiento K7QX-M2PD"
    )
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("Estimado/a María López:")
    assert "¿Qué pasará ahora?" in body
    link = "https://casework.house.example.gov/o/rep-lopez/status?tracking=K7QX-M2PD"
    assert f"\n   {link}\n" in body
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("https://casework.house.example.gov/o/rep-lopez/unsubscribe/")
    assert body.endswith(
        "Atentamente,\nOffice of Rep. Ana Lopez\n\n"
        "Para dejar de recibir correos de Office of Rep. Ana Lopez sobre sus solicitudes: "
        f"{unsubscribe}\n"
    )


def test_a_status_code_reaches_the_constituent_once_in_spanish_and_leaves_no_trace(
    notify: Notify,
    messages_to: Callable[[str], list[EmailMessage]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    event_id = str(uuid.uuid4())
    before = handled_ok("mail_status_code")

    for _ in range(2):  # published again after a lost confirm: one email all the same
        notify.publish(STATUS_CODE_REQUESTED, code_requested(), office_id=OFFICE, event_id=event_id)

    message = one_message(messages_to)
    assert message["Subject"] == "Su código para ver su solicitud K7QX-M2PD"
    assert message["To"].addresses[0].addr_spec == "maria@example.org"
    assert message["Reply-To"] == REPLY_TO
    body = message.get_content().replace("\r\n", "\n")
    assert body == (
        "Hola:\n"
        "\n"
        "Su código para ver su solicitud K7QX-M2PD es 482913. Es válido durante 15 minutos. "
        "Si usted no lo pidió, ignore este mensaje.\n"
        "\n"
        "No comparta este código con nadie: nuestro personal nunca se lo pedirá.\n"
        "\n"
        "Atentamente,\n"
        "Office of Rep. Ana Lopez\n"
    )
    wait_until(lambda: handled_ok("mail_status_code") - before >= 2)
    assert notify.deliveries() == [("sent", 1)]

    metrics = requests.get(f"{notify.base}/metrics", timeout=5).text
    assert 'casework_notify_messages_sent_total{channel="email",kind="status_code"}' in metrics
    # Everything the service logged; the test mail server's own log ("mail.log") reads the mail.
    logged = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("mail.")
    )
    assert "status_code delivery" in logged, "the service's log was captured"
    for secret in ("482913", "maria@example.org"):
        assert secret not in metrics
        assert secret not in logged


def test_a_status_code_that_expired_on_the_way_is_recorded_as_skipped_not_mailed(
    notify: Notify, mail_server: MailServer
) -> None:
    expired = code_requested(expires_in=-timedelta(seconds=1))
    notify.publish(STATUS_CODE_REQUESTED, expired, office_id=OFFICE)

    wait_until(lambda: notify.deliveries() == [("skipped", 0)], message="not recorded as skipped")
    time.sleep(0.3)
    assert mail_server.received == []
    metrics = requests.get(f"{notify.base}/metrics", timeout=5).text
    assert 'casework_notify_messages_skipped_total{channel="email",kind="status_code"}' in metrics


def test_the_bell_tells_the_supervisor_of_an_escalation_once_and_answers_only_its_owner(
    notify: Notify,
) -> None:
    for user_id, role in (("u-ann", "supervisor"), ("u-sam", "caseworker")):
        member = dict(STAFF_MEMBER_ADDED.example, user_id=user_id, role=role)
        notify.publish(STAFF_MEMBER_ADDED, member, office_id=OFFICE)

    def roster() -> int:
        with notify.engine.connect() as connection:
            return len(connection.execute(select(staff.c.user_id)).all())

    wait_until(lambda: roster() == 2, message="the roster was not kept")
    detected = datetime.now(UTC) - timedelta(seconds=1)
    overdue = dict(INQUIRY_OVERDUE.example, detected_at=detected.isoformat())
    handled_before = handled_ok("escalate_overdue")
    for _ in range(2):  # the same escalation announced twice notifies nobody twice
        notify.publish(INQUIRY_OVERDUE, overdue, office_id=OFFICE)
    ann = {"user_id": "u-ann", "role": "supervisor", "office_id": OFFICE, "origin": "web test"}
    sam = {**ann, "user_id": "u-sam", "role": "caseworker"}
    wait_until(lambda: handled_ok("escalate_overdue") == handled_before + 2)

    with entrypoint_hook(notify.container, "bell", context_data=ann) as bell:
        wait_until(lambda: bell(OFFICE)["unread"] == 1, message="the escalation did not ring")
        answer = bell(OFFICE, unread_only=True)
        assert bell(OFFICE, limit=0) == {"unread": 1, "notifications": []}
        with pytest.raises(ValidationFailed) as invalid:
            bell(OFFICE, limit=1000, colour="red")
        with pytest.raises(NotFound):
            bell("rep-someone-else")
    with entrypoint_hook(notify.container, "bell", context_data=sam) as bell:
        assert bell(OFFICE) == {"unread": 0, "notifications": []}
    with (
        entrypoint_hook(notify.container, "bell", context_data={}) as bell,
        pytest.raises(Forbidden),
    ):
        bell(OFFICE)

    [escalation] = answer["notifications"]
    assert answer["unread"] == 1
    assert escalation["kind"] == "inquiry_overdue"
    assert escalation["reference"] == INQUIRY_OVERDUE.example["reference"]
    assert "SSA is 5 business days overdue" in escalation["summary"]
    assert set(invalid.value.fields) == {"limit", "colour"}
    with entrypoint_hook(notify.container, "mark_notifications_read", context_data=sam) as mark:
        assert mark(OFFICE) == {"unread": 0}  # Sam's own, of which there are none
    with entrypoint_hook(notify.container, "mark_notifications_read", context_data=ann) as mark:
        assert mark(OFFICE, [escalation["notification_id"]]) == {"unread": 0}


def test_a_quiet_case_is_scheduled_for_the_supervisors_by_the_offices_setting_and_closing_ends_it(
    notify: Notify,
) -> None:
    office = {"office_id": OFFICE, "name": "Office of Rep. Ana Lopez", "reply_to_email": REPLY_TO}
    notify.publish(OFFICE_REGISTERED, {**office, "no_activity_days": 3}, office_id=OFFICE)

    def spell() -> Any:
        with notify.engine.connect() as connection:
            no_activity = reminders.c.kind == "no_activity"
            return connection.execute(select(reminders).where(no_activity)).first()

    def interval_known() -> bool:
        with notify.engine.connect() as connection:
            days = connection.execute(select(offices.c.no_activity_days)).scalar_one()
            return bool(days == 3)

    wait_until(interval_known, message="the office's setting was not kept")
    notify.publish(SUBMISSION_RECEIVED, submission("sub-quiet"), office_id=OFFICE)
    notify.publish(CASE_OPENED, opened("sub-quiet", "case-quiet"), office_id=OFFICE)
    quiet = wait_until(spell, message="no quiet-case escalation was scheduled")

    assert (quiet.case_id, quiet.audience, quiet.state) == ("case-quiet", "supervisor", "pending")
    assert quiet.repeat_days == 3
    days_ahead = (quiet.due_at.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds() / 86_400
    assert 2 < days_ahead < 4
    closed = dict(CASE_CLOSED.example, case_id="case-quiet")
    notify.publish(CASE_CLOSED, closed, office_id=OFFICE)
    wait_until(lambda: spell().state == "cancelled", message="closing left it pending")


def test_the_daily_digest_mails_a_supervisor_their_unread_escalation_once(
    notify: Notify,
    mail_server: MailServer,
    messages_to: Callable[[str], list[EmailMessage]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASEWORK_NOTIFY_DIGEST_HOUR", "0")
    monkeypatch.setenv("CASEWORK_NOTIFY_SENDING_DAYS", "all")  # whatever day the test runs
    monkeypatch.setenv("CASEWORK_STAFF_APP_URL", "https://staff.example.gov")
    for user_id, role in (("u-ann", "supervisor"), ("u-sam", "caseworker")):
        member = dict(STAFF_MEMBER_ADDED.example, user_id=user_id, role=role)
        contact = {"user_id": user_id, "email": f"{user_id[2:]}@lopez.example.gov"}
        # The address first: notify keeps it once the roster entry (another queue) is there.
        notify.publish(STAFF_CONTACT_RECORDED, contact, office_id=OFFICE)
        notify.publish(STAFF_MEMBER_ADDED, member, office_id=OFFICE)

    def notified() -> int:
        with notify.engine.connect() as connection:
            return len(connection.execute(select(staff_notifications.c.user_id)).all())

    detected = datetime.now(UTC) - timedelta(seconds=1)
    overdue = dict(INQUIRY_OVERDUE.example, detected_at=detected.isoformat())
    notify.publish(INQUIRY_OVERDUE, overdue, office_id=OFFICE)

    def addresses() -> int:
        with notify.engine.connect() as connection:
            return len(
                connection.execute(select(staff.c.email).where(staff.c.email.is_not(None))).all()
            )

    wait_until(lambda: notified() == 1, message="the escalation rang no bell")
    wait_until(lambda: addresses() == 2, timeout=30, message="the addresses were not kept")

    with entrypoint_hook(notify.container, "send_digests") as send_digests:
        send_digests()
        send_digests()  # the day is marked: a second look sends nothing

    [digest] = messages_to("ann@lopez.example.gov")
    body = digest.get_content()
    assert digest["Subject"].startswith("Casework: 1 unread notification (")
    assert "SSA is 5 business days overdue" in body
    assert f"https://staff.example.gov/offices/{OFFICE}/notifications" in body
    assert messages_to("sam@lopez.example.gov") == []  # nothing behind Sam's bell
