"""Messages to a constituent who asked for text messages, over each unit of work (fake, SQLite,
PostgreSQL) and the local fake SMS provider over real HTTP: the acknowledgement and the
messages about their case go by text and never by email; a provider refusing for now is tried
again, one cut off is sent again (a text has no Message-ID: it may arrive twice); a STOP is
recorded and respected from then on; an office's own text replaces the default where it has
one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.chassis.consuming import consume
from services.chassis.domain import Actor
from services.chassis.errors import TransientError
from services.chassis.events import IncomingEvent
from services.chassis.fakes import FakeDatabase, incoming
from services.contracts import CASE_STATUS_CHANGED, PUBLIC_NOTE_ADDED
from services.notify import case_messages, handlers, wording
from services.notify.adapters.deliveries import offices_with_messages_due
from services.notify.adapters.sms import TwilioTexter
from services.notify.domain.acknowledgements import NO_TEXTS_NO_EMAIL, REPLIED_STOP
from services.notify.fake_sms import FakeSmsProvider
from services.notify.tests.events import (
    OFFICE,
    RECORD,
    WEDNESDAY_10AM,
    case_opened,
    office_registered,
    submission_received,
)
from services.notify.tests.fakes import FakeMailer
from services.notify.tests.flow_support import Db, announced, deliveries_of_case, delivery_of
from services.notify.texts import Texter

MARIA_PHONE = "+12025550134"
WANTS_TEXTS = {"preferred_channel": "sms", "contact_phone": MARIA_PHONE}


# `db_backend` and `db` (fake, SQLite, PostgreSQL) are notify's conftest's.


@pytest.fixture(autouse=True)
def any_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_NOTIFY_SENDING_HOURS", "0-24")
    monkeypatch.setenv("CASEWORK_NOTIFY_SENDING_DAYS", "all")


def handle(
    db: Db,
    mailer: FakeMailer,
    texter: Texter | None,
    event: IncomingEvent[Any],
    at: datetime = WEDNESDAY_10AM,
) -> None:
    """What notify's entrypoints do with an event: keep its fact, then acknowledge if due."""
    consume(db, event, RECORD[event.event_type])
    if event.event_type != "gateway.office_registered":
        handlers.acknowledge(db, mailer, event, clock=lambda: at, texter=texter)


def opened_for(db: Db, mailer: FakeMailer, texter: Texter | None, **submission: Any) -> None:
    handle(db, mailer, texter, office_registered())
    handle(db, mailer, texter, submission_received(**submission))
    handle(db, mailer, texter, case_opened())


def sweep(db: Db, mailer: FakeMailer, texter: Texter | None, at: datetime) -> int:
    def find(now: datetime, limit: int) -> list[str]:
        if isinstance(db, FakeDatabase):
            return [OFFICE]
        return offices_with_messages_due(db, now, limit)

    return case_messages.send_due_messages(db, mailer, find, lambda: at, texter=texter)


def public_note(note_id: str = "note-1") -> IncomingEvent[Any]:
    payload = {**PUBLIC_NOTE_ADDED.example, "case_id": "case-1", "note_id": note_id}
    return incoming(PUBLIC_NOTE_ADDED, payload, office_id=OFFICE)


def test_the_acknowledgement_goes_by_text_and_not_by_email(
    db: Db, texter: TwilioTexter, sms_provider: FakeSmsProvider
) -> None:
    mailer = FakeMailer()

    opened_for(db, mailer, texter, **WANTS_TEXTS)

    [text] = sms_provider.texts()
    assert text["to"] == MARIA_PHONE and "K7QX-M2PD" in text["body"]
    assert text["body"].endswith("Reply STOP to opt out")
    assert mailer.sent == []
    delivery = delivery_of(db)
    assert (delivery.channel, delivery.status.value) == ("sms", "sent")
    [(acknowledged, _)] = announced(db)
    assert acknowledged.channel == "sms"


def test_a_constituent_who_did_not_choose_texts_is_emailed_though_texts_are_on(
    db: Db, texter: TwilioTexter, sms_provider: FakeSmsProvider
) -> None:
    mailer = FakeMailer()

    opened_for(db, mailer, texter, contact_phone=MARIA_PHONE)

    assert len(mailer.sent) == 1 and sms_provider.texts() == []
    assert delivery_of(db).channel == "email"


def test_without_a_provider_texts_become_email_or_a_skip_that_says_why(db: Db) -> None:
    mailer = FakeMailer()

    opened_for(db, mailer, None, **WANTS_TEXTS)
    handle(db, mailer, None, submission_received("sub-2", contact_email=None, **WANTS_TEXTS))
    handle(db, mailer, None, case_opened("sub-2", "case-2"))

    assert [email.to_address for email in mailer.sent] == ["maria@example.org"]
    assert delivery_of(db).channel == "email"
    skipped = delivery_of(db, "sub-2")
    assert (skipped.status.value, skipped.skip_reason) == ("skipped", NO_TEXTS_NO_EMAIL)


def test_a_provider_refusing_for_now_is_tried_again_and_the_text_goes_once(
    db: Db, texter: TwilioTexter, sms_provider: FakeSmsProvider
) -> None:
    mailer = FakeMailer()
    sms_provider.fail_next(503)
    handle(db, mailer, texter, office_registered())
    handle(db, mailer, texter, submission_received(**WANTS_TEXTS))

    with pytest.raises(TransientError, match="SMS provider"):
        handle(db, mailer, texter, case_opened())
    refused = delivery_of(db)
    assert (refused.status.value, refused.last_error) == ("failed", "sms:http-503")

    handle(db, mailer, texter, case_opened())  # the event, redelivered

    assert len(sms_provider.texts()) == 1
    assert delivery_of(db).status.value == "sent" and delivery_of(db).attempts == 2


def test_a_text_left_in_doubt_is_sent_again_and_may_arrive_twice(
    db: Db, texter: TwilioTexter, sms_provider: FakeSmsProvider
) -> None:
    mailer = FakeMailer()
    sms_provider.delay_next(2.0)
    handle(db, mailer, texter, office_registered())
    handle(db, mailer, texter, submission_received(**WANTS_TEXTS))

    with pytest.raises(TransientError, match="in doubt"):
        handle(db, mailer, texter, case_opened())
    assert delivery_of(db).status.value == "unknown"

    handle(db, mailer, texter, case_opened())

    delivery = delivery_of(db)
    assert (delivery.status.value, delivery.resent_in_doubt) == ("sent", 1)
    assert len(sms_provider.texts()) >= 1  # the slow first may still be arriving: no wait


def test_a_stop_is_recorded_and_nothing_more_is_sent_to_them(
    db: Db, texter: TwilioTexter, sms_provider: FakeSmsProvider
) -> None:
    mailer = FakeMailer()
    sms_provider.stop_number(MARIA_PHONE)

    opened_for(db, mailer, texter, **WANTS_TEXTS)
    consume(db, public_note(), case_messages.queue_public_note)
    sweep(db, mailer, texter, datetime.now(UTC) + timedelta(minutes=1))

    acknowledgement, update = deliveries_of_case(db)
    assert (acknowledgement.status.value, acknowledgement.skip_reason) == ("skipped", REPLIED_STOP)
    assert (update.kind, update.channel) == ("case_update", "sms")
    assert (update.status.value, update.skip_reason) == ("skipped", REPLIED_STOP)
    assert sms_provider.texts() == [] and mailer.sent == []
    with db.unit_of_work(office_id=OFFICE) as uow:
        preference = uow.preferences.get(submission_received().payload.constituent_id)
    assert preference is not None and preference.texts_stopped_at == WEDNESDAY_10AM


def test_the_messages_about_their_case_go_by_text_when_their_moment_comes(
    db: Db, texter: TwilioTexter, sms_provider: FakeSmsProvider
) -> None:
    mailer = FakeMailer()
    opened_for(db, mailer, texter, **WANTS_TEXTS)
    status = {
        **CASE_STATUS_CHANGED.example,
        "case_id": "case-1",
        "from_status": "open",
        "to_status": "waiting_on_constituent",
    }

    consume(db, public_note(), case_messages.queue_public_note)
    consume(
        db, incoming(CASE_STATUS_CHANGED, status, office_id=OFFICE), case_messages.follow_status
    )
    # Queued as the events occurred (now): swept a minute later.
    tried = sweep(db, mailer, texter, datetime.now(UTC) + timedelta(minutes=1))

    assert tried == 2
    bodies = [text["body"] for text in sms_provider.texts()]
    assert len(bodies) == 3 and mailer.sent == []
    assert any("there is news on your request K7QX-M2PD" in body for body in bodies)
    assert any("we need something from you" in body for body in bodies)
    assert PUBLIC_NOTE_ADDED.example["text"] not in "".join(bodies)
    swept = deliveries_of_case(db)[1:]
    assert [(d.channel, d.status.value) for d in swept] == [("sms", "sent"), ("sms", "sent")]


def test_an_offices_own_text_goes_to_who_chose_texts_and_the_default_where_it_has_none(
    db: Db, texter: TwilioTexter, sms_provider: FakeSmsProvider
) -> None:
    mailer = FakeMailer()
    admin = Actor.staff("u-admin", "office_admin")
    handle(db, mailer, texter, office_registered())
    with db.unit_of_work(office_id=OFFICE, actor=admin) as uow:
        subject, body = wording.default_wording("acknowledgement", "en")
        own = "{{ office_name }} has your request {{ tracking_code }}: {{ status_url }}"
        wording.save_wording(uow, admin, "acknowledgement", "en", subject, body, own)
        uow.commit()

    handle(db, mailer, texter, submission_received(**WANTS_TEXTS))
    handle(db, mailer, texter, case_opened())
    spanish = {**WANTS_TEXTS, "preferred_language": "es"}
    handle(db, mailer, texter, submission_received("sub-2", **spanish))
    handle(db, mailer, texter, case_opened("sub-2", "case-2"))
    handle(db, mailer, texter, submission_received("sub-3"))  # email, as before
    handle(db, mailer, texter, case_opened("sub-3", "case-3"))

    english, spanish_text = (text["body"] for text in sms_provider.texts())
    assert english.startswith("Office of Rep. Ana Lopez has your request K7QX-M2PD: http")
    assert english.endswith("/o/rep-lopez/status?tracking=K7QX-M2PD\nReply STOP to opt out")
    # The office worded its English text only: the Spanish one is the default.
    assert spanish_text.startswith("Office of Rep. Ana Lopez: hemos recibido su solicitud.")
    [email] = mailer.sent
    assert "has your request" not in email.body
