"""Notify's real service and a constituent's contact preferences: events from RabbitMQ, both
databases, a real SMTP server. The unsubscribe link is made and announced once, every email
about a request carries it (body and List-Unsubscribe headers), and an opted-out constituent is
sent nothing about their requests, but still their status code."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import requests
from nameko.testing.services import entrypoint_hook
from sqlalchemy import select

from services.chassis.testing import wait_until
from services.contracts import (
    CASE_CLOSED,
    CASE_OPENED,
    CONTACT_PREFERENCES_CHANGED,
    STATUS_CODE_REQUESTED,
    SUBMISSION_RECEIVED,
    UNSUBSCRIBE_OFFERED,
)
from services.notify.models import contact_preferences, metadata
from services.notify.tests.conftest import OFFICE, MailServer, Notify, opened, submission
from services.notify.tests.test_service import code_requested, handled_ok, queued_events

MARIA = str(SUBMISSION_RECEIVED.example["constituent_id"])
ADDRESS = "maria@example.org"
PORTAL = "https://casework.house.example.gov"
NOON = datetime(2026, 12, 2, 17, tzinfo=UTC)
ASKED_FOR_NO_EMAIL = "the constituent asked for no email"


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_PORTAL_BASE_URL", PORTAL)
    monkeypatch.setenv("CASEWORK_NOTIFY_SENDING_HOURS", "0-24")  # messages about a case go now
    monkeypatch.setenv("CASEWORK_NOTIFY_SENDING_DAYS", "all")


def preferences_changed(opted_out: bool, at: datetime) -> dict[str, Any]:
    return {
        "constituent_id": MARIA,
        "email_opted_out": opted_out,
        "changed_by": "constituent",
        "changed_at": at.isoformat(),
    }


def offers_in_outbox(notify: Notify) -> list[dict[str, Any]]:
    outbox = metadata.tables["outbox"]
    query = (
        select(outbox.c.payload)
        .where(outbox.c.event_type == UNSUBSCRIBE_OFFERED.event_type)
        .order_by(outbox.c.id)
    )
    with notify.engine.connect() as connection:
        return [json.loads(row.payload) for row in connection.execute(query)]


def opted_out(notify: Notify) -> bool | None:
    query = select(contact_preferences.c.email_opted_out).where(
        contact_preferences.c.constituent_id == MARIA
    )
    with notify.engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else bool(row.email_opted_out)


def skipped(notify: Notify, case_id: str) -> list[tuple[str, str | None]]:
    with entrypoint_hook(notify.container, "list_deliveries") as list_deliveries:
        found = list_deliveries(OFFICE, case_id)
    return [(d["kind"], d["skip_reason"]) for d in found if d["status"] == "skipped"]


def test_every_email_about_a_request_carries_the_link_whose_digest_alone_was_announced(
    notify: Notify, messages_to: Callable[[str], list[EmailMessage]]
) -> None:
    before = handled_ok("record_recipient")
    first = submission(str(uuid.uuid4()))
    sent = notify.publish(SUBMISSION_RECEIVED, first, office_id=OFFICE)
    notify.publish(SUBMISSION_RECEIVED, first, office_id=OFFICE, event_id=sent["event_id"])
    notify.publish(SUBMISSION_RECEIVED, submission(str(uuid.uuid4())), office_id=OFFICE)
    notify.publish(CASE_OPENED, opened(first["submission_id"]), office_id=OFFICE)

    [acknowledgement] = wait_until(lambda: messages_to(ADDRESS), message="no acknowledgement")
    link = acknowledgement["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{PORTAL}/o/{OFFICE}/unsubscribe/")
    assert acknowledgement["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = acknowledgement.get_content().replace("\r\n", "\n")
    assert body.endswith(
        f"\n\nTo stop email from Office of Rep. Ana Lopez about your requests: {link}\n"
    )

    [announced] = wait_until(
        lambda: queued_events(notify.amqp_uri, "intake--notify.unsubscribe_offered"),
        message="notify.unsubscribe_offered was never published",
    )
    digest = announced["payload"]["token_sha256"]
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")
    assert hashlib.sha256(link.rsplit("/", 1)[1].encode()).hexdigest() == digest
    assert announced["payload"]["constituent_id"] == MARIA
    assert link.rsplit("/", 1)[1] not in json.dumps(announced)
    # The replayed submission and the constituent's second one announced nothing more.
    wait_until(lambda: handled_ok("record_recipient") - before >= 3)
    assert len(offers_in_outbox(notify)) == 1

    notify.publish(CASE_CLOSED, dict(CASE_CLOSED.example, case_id="case-1"), office_id=OFFICE)
    closure = wait_until(
        lambda: [m for m in messages_to(ADDRESS) if "closed" in str(m["Subject"])],
        message="no closing message",
    )[0]
    assert closure["List-Unsubscribe"] == f"<{link}>"
    assert closure.get_content().replace("\r\n", "\n").rstrip().endswith(link)


def test_an_opted_out_constituent_hears_nothing_of_their_requests_but_their_status_code(
    notify: Notify, mail_server: MailServer, messages_to: Callable[[str], list[EmailMessage]]
) -> None:
    first = str(uuid.uuid4())
    notify.publish(SUBMISSION_RECEIVED, submission(first), office_id=OFFICE)
    wait_until(lambda: opted_out(notify) is False, message="no contact preferences kept")
    before = handled_ok("record_preferences")
    # The later opt-out arrives first; the earlier opt-in after it changes nothing.
    for opt_out, at in ((True, NOON + timedelta(hours=1)), (False, NOON)):
        payload = preferences_changed(opt_out, at)
        notify.publish(CONTACT_PREFERENCES_CHANGED, payload, office_id=OFFICE)
    wait_until(lambda: handled_ok("record_preferences") - before >= 2)
    assert opted_out(notify) is True

    notify.publish(CASE_OPENED, opened(first), office_id=OFFICE)
    notify.publish(CASE_CLOSED, dict(CASE_CLOSED.example, case_id="case-1"), office_id=OFFICE)
    wait_until(
        lambda: (
            sorted(skipped(notify, "case-1"))
            == [("acknowledgement", ASKED_FOR_NO_EMAIL), ("closure", ASKED_FOR_NO_EMAIL)]
        ),
        message="the acknowledgement and the closure were not recorded as skipped",
    )

    notify.publish(STATUS_CODE_REQUESTED, code_requested(), office_id=OFFICE)
    [code] = wait_until(lambda: messages_to(ADDRESS), message="the status code never came")
    assert "482913" in code.get_content()
    assert code["List-Unsubscribe"] is None and "/unsubscribe/" not in code.get_content()
    assert len(mail_server.received) == 1  # the two skipped messages never reached the server
    metrics = requests.get(f"{notify.base}/metrics", timeout=5).text
    assert (
        'casework_notify_messages_skipped_total{channel="email",kind="acknowledgement"}'
    ) in metrics

    # Opted back in, the next request is acknowledged; what was skipped stays skipped.
    payload = preferences_changed(False, NOON + timedelta(hours=2))
    notify.publish(CONTACT_PREFERENCES_CHANGED, payload, office_id=OFFICE)
    wait_until(lambda: opted_out(notify) is False, message="the opt-back-in was not kept")
    second = str(uuid.uuid4())
    notify.publish(SUBMISSION_RECEIVED, submission(second), office_id=OFFICE)
    notify.publish(CASE_OPENED, opened(second, "case-2"), office_id=OFFICE)
    acknowledged = wait_until(
        lambda: [m for m in messages_to(ADDRESS) if m["List-Unsubscribe"] is not None],
        message="the acknowledgement after opting back in never came",
    )
    assert len(acknowledged) == 1
    assert len(skipped(notify, "case-1")) == 2
