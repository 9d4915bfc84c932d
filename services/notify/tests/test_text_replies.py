"""A phone's STOP or START to the platform's sending number (`intake.text_opt_out_changed`,
from intake-web's webhook), over each unit of work (fake, SQLite, PostgreSQL) and the local
fake SMS provider: after a STOP no text goes to that phone from any office (each one skipped
is on its case as opted out, and the provider is never asked); a START lets them go again,
also past a STOP the provider had reported (21610); the latest reply wins, whatever order the
events arrive in, and a redelivered event changes nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

from services.chassis.consuming import consume
from services.chassis.events import IncomingEvent
from services.chassis.fakes import incoming
from services.chassis.twilio_signature import SIGNATURE_HEADER, twilio_signature
from services.contracts import OFFICE_REGISTERED, TEXT_OPT_OUT_CHANGED
from services.contracts.vocabulary import PLATFORM_TENANT
from services.notify import preferences
from services.notify.adapters.sms import TwilioTexter
from services.notify.domain.acknowledgements import REPLIED_STOP
from services.notify.domain.preferences import ContactPreference, TextOptOut, texts_stopped
from services.notify.fake_sms import FakeSmsProvider
from services.notify.tests.events import (
    ELSEWHERE,
    OFFICE,
    WEDNESDAY_10AM,
    case_opened,
    submission_received,
)
from services.notify.tests.fakes import FakeMailer
from services.notify.tests.flow_support import Db, deliveries_of_case, delivery_of
from services.notify.tests.test_text_flows import MARIA_PHONE, WANTS_TEXTS, handle, opened_for

BEFORE = WEDNESDAY_10AM - timedelta(days=1)
AFTER = WEDNESDAY_10AM + timedelta(days=1)


@pytest.fixture(autouse=True)
def any_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_NOTIFY_SENDING_HOURS", "0-24")
    monkeypatch.setenv("CASEWORK_NOTIFY_SENDING_DAYS", "all")


def replied(
    opted_out: bool, at: datetime, phone: str = MARIA_PHONE, event_id: str | None = None
) -> IncomingEvent[Any]:
    payload = {"phone_number": phone, "opted_out": opted_out, "replied_at": at.isoformat()}
    return incoming(TEXT_OPT_OUT_CHANGED, payload, office_id=PLATFORM_TENANT, event_id=event_id)


def another_office() -> IncomingEvent[Any]:
    payload = {"office_id": ELSEWHERE, "name": "Office of Rep. Bo Kim", "reply_to_email": "a@b.gov"}
    return incoming(OFFICE_REGISTERED, payload, office_id=ELSEWHERE)


def take(db: Db, event: IncomingEvent[Any]) -> None:
    consume(db, event, preferences.record_text_opt_out)


def opt_out_of(db: Db, office_id: str = OFFICE) -> TextOptOut | None:
    with db.unit_of_work(office_id=office_id) as uow:
        return uow.text_opt_outs.get(MARIA_PHONE)


# --- The rule, without a database ---------------------------------------------------------------

RECEIVED = WEDNESDAY_10AM


def kept(stopped_at: datetime | None) -> ContactPreference:
    return ContactPreference("c-1", "secret", texts_stopped_at=stopped_at)


@pytest.mark.parametrize(
    ("provider_said_stop_at", "reply", "stopped"),
    [
        (None, None, False),
        (None, TextOptOut(MARIA_PHONE, True, BEFORE), True),
        (None, TextOptOut(MARIA_PHONE, True, AFTER), True),
        (None, TextOptOut(MARIA_PHONE, False, AFTER), False),
        # The provider refused a text for a STOP (21610) after the request came ...
        (AFTER, None, True),
        # ... and a START to the webhook since then ends it; one before it does not.
        (AFTER, TextOptOut(MARIA_PHONE, False, AFTER + timedelta(hours=1)), False),
        (AFTER, TextOptOut(MARIA_PHONE, False, AFTER - timedelta(hours=1)), True),
        # A STOP the provider reported before the request: the request chose texts again.
        (BEFORE, None, False),
    ],
)
def test_whether_a_text_must_not_go(
    provider_said_stop_at: datetime | None, reply: TextOptOut | None, stopped: bool
) -> None:
    assert texts_stopped(kept(provider_said_stop_at), reply, RECEIVED) is stopped


def test_a_reply_overtakes_only_an_earlier_one() -> None:
    earlier, later = TextOptOut(MARIA_PHONE, True, BEFORE), TextOptOut(MARIA_PHONE, False, AFTER)
    assert later.later_than(earlier) and later.later_than(None)
    assert not earlier.later_than(later) and not earlier.later_than(earlier)


# --- Through each unit of work and the fake provider -------------------------------------------


def test_after_a_stop_no_office_texts_the_phone_and_each_case_shows_it_opted_out(
    db: Db, texter: TwilioTexter, sms_provider: FakeSmsProvider
) -> None:
    mailer = FakeMailer()
    take(db, replied(True, datetime.now(UTC)))

    opened_for(db, mailer, texter, **WANTS_TEXTS)
    handle(db, mailer, texter, another_office())
    handle(db, mailer, texter, submission_received("sub-9", ELSEWHERE, **WANTS_TEXTS))
    handle(db, mailer, texter, case_opened("sub-9", "case-9", ELSEWHERE))

    [acknowledgement] = deliveries_of_case(db)
    assert (acknowledgement.channel, acknowledgement.status.value) == ("sms", "skipped")
    assert acknowledgement.skip_reason == REPLIED_STOP
    elsewhere = delivery_of(db, "sub-9", ELSEWHERE)
    assert (elsewhere.status.value, elsewhere.skip_reason) == ("skipped", REPLIED_STOP)
    # Skipped before any attempt: the provider was never asked, nothing went by email either.
    assert sms_provider.sends == 0 and mailer.sent == []


def test_a_start_lets_the_next_text_go_again(
    db: Db, texter: TwilioTexter, sms_provider: FakeSmsProvider
) -> None:
    mailer = FakeMailer()
    now = datetime.now(UTC)
    take(db, replied(True, now - timedelta(minutes=2)))
    take(db, replied(False, now - timedelta(minutes=1)))

    opened_for(db, mailer, texter, **WANTS_TEXTS)

    [text] = sms_provider.texts()
    assert text["to"] == MARIA_PHONE
    assert delivery_of(db).status.value == "sent"


def test_a_start_ends_a_stop_the_provider_had_reported(
    db: Db, texter: TwilioTexter, sms_provider: FakeSmsProvider
) -> None:
    mailer = FakeMailer()
    sms_provider.stop_number(MARIA_PHONE)
    opened_for(db, mailer, texter, **WANTS_TEXTS)  # refused with 21610: recorded
    assert delivery_of(db).skip_reason == REPLIED_STOP

    sms_provider.forget()
    sms_provider.start_number(MARIA_PHONE)  # the provider acts on their START itself
    take(db, replied(False, datetime.now(UTC) + timedelta(minutes=1)))
    handle(
        db,
        mailer,
        texter,
        submission_received("sub-2", received_at=BEFORE.isoformat(), **WANTS_TEXTS),
    )
    handle(db, mailer, texter, case_opened("sub-2", "case-2"))

    assert [text["to"] for text in sms_provider.texts()] == [MARIA_PHONE]
    assert delivery_of(db, "sub-2").status.value == "sent"


def test_the_latest_reply_wins_whatever_order_they_arrive_in(db: Db) -> None:
    take(db, replied(False, AFTER))
    take(db, replied(True, BEFORE))  # an older STOP, delivered late

    kept_now = opt_out_of(db, ELSEWHERE)  # the same row, whichever office reads it
    assert kept_now is not None and (kept_now.opted_out, kept_now.changed_at) == (False, AFTER)


def test_a_redelivered_stop_changes_nothing(db: Db) -> None:
    stop = replied(True, BEFORE, event_id="7d9b2c1e-0000-4000-8000-000000000001")
    take(db, stop)
    take(db, replied(False, AFTER))

    take(db, stop)

    kept_now = opt_out_of(db)
    assert kept_now is not None and kept_now.opted_out is False


# --- The fake provider's replies ---------------------------------------------------------------


class Webhook:
    """A webhook that keeps what it is posted, for the fake provider to call."""

    def __init__(self) -> None:
        received: list[tuple[dict[str, str], str]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
                form = {name: values[0] for name, values in parse_qs(raw).items()}
                received.append((form, self.headers.get(SIGNATURE_HEADER, "")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.received = received
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_the_fake_posts_a_reply_signed_as_twilio_signs_and_acts_on_it_itself() -> None:
    webhook = Webhook()
    fake = FakeSmsProvider(webhook_url=webhook.url).start()
    try:
        control = requests.post(
            f"{fake.url}/control", json={"reply": {"from": MARIA_PHONE, "body": "stop"}}, timeout=5
        )
        stopped_there = fake.take(fake.account, {"To": MARIA_PHONE, "From": "+1", "Body": "x"})
        fake.reply(MARIA_PHONE, "START")
        taken_again = fake.take(fake.account, {"To": MARIA_PHONE, "From": "+1", "Body": "x"})
    finally:
        fake.stop()
        webhook.server.shutdown()

    assert (control.status_code, control.json()) == (200, {"status": 200})
    [(stop, signature), (start, _)] = webhook.received
    assert signature == twilio_signature(webhook.url, stop.items(), fake.token)
    assert (stop["From"], stop["Body"], stop["AccountSid"]) == (MARIA_PHONE, "stop", fake.account)
    assert stop["MessageSid"].startswith("SM") and stop["MessageSid"] != start["MessageSid"]
    assert stopped_there[1]["code"] == 21610 and taken_again[0] == 201
