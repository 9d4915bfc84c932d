"""The messages about a case, over each unit of work (fake, SQLite, PostgreSQL): queued by the
events of cases, sent by the sweep at the moment the office's quiet hours allow, each once.
Every moment is injected: the office is in New York (UTC-5 in December); Wednesday 2 December
2026 at 15:00 UTC is 10:00 there."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.chassis.consuming import consume
from services.chassis.errors import TransientError
from services.chassis.events import IncomingEvent
from services.chassis.fakes import FakeDatabase, incoming
from services.contracts import CASE_CLOSED, CASE_STATUS_CHANGED, PUBLIC_NOTE_ADDED, SURVEY_OFFERED
from services.notify import case_messages, handlers
from services.notify.adapters.deliveries import offices_with_messages_due
from services.notify.domain.delivery import CASE_UPDATE, CLOSURE, STATUS_UPDATE, Delivery
from services.notify.mail import SendOutcomeUnknown, SendRefused
from services.notify.ports import NotifyWork
from services.notify.tests.events import (
    FRIDAY_8AM,
    OFFICE,
    THURSDAY_9PM,
    WEDNESDAY_10AM,
    case_opened,
    handle,
    office_registered,
    submission_received,
)
from services.notify.tests.fakes import FakeMailer, WorkerKilled
from services.notify.tests.flow_support import Db, deliveries_of_case, published

HANDLERS: dict[str, Callable[[NotifyWork, IncomingEvent[Any]], None]] = {
    PUBLIC_NOTE_ADDED.event_type: case_messages.queue_public_note,
    CASE_STATUS_CHANGED.event_type: case_messages.follow_status,
    CASE_CLOSED.event_type: case_messages.finish_case,
}


def happened(event: IncomingEvent[Any], db: Db) -> None:
    consume(db, event, HANDLERS[event.event_type])


def sweep(db: Db, mailer: FakeMailer, at: datetime) -> int:
    def find(now: datetime, limit: int) -> list[str]:
        if isinstance(db, FakeDatabase):
            return [OFFICE]
        return offices_with_messages_due(db, now, limit)

    return case_messages.send_due_messages(db, mailer, find, lambda: at)


def public_note(text: str, *, at: datetime, note_id: str = "note-1") -> IncomingEvent[Any]:
    payload = {
        **PUBLIC_NOTE_ADDED.example,
        "case_id": "case-1",
        "note_id": note_id,
        "text": text,
        "added_at": at.isoformat(),
    }
    return incoming(PUBLIC_NOTE_ADDED, payload, office_id=OFFICE, occurred_at=at)


def status_changed(to: str, *, at: datetime, came_from: str = "open") -> IncomingEvent[Any]:
    payload = {
        **CASE_STATUS_CHANGED.example,
        "case_id": "case-1",
        "from_status": came_from,
        "to_status": to,
        "reason": "Internal: called the SSA liaison, Bob",
        "changed_at": at.isoformat(),
    }
    return incoming(CASE_STATUS_CHANGED, payload, office_id=OFFICE, occurred_at=at)


def closed(result: str, *, at: datetime) -> IncomingEvent[Any]:
    payload = {**CASE_CLOSED.example, "case_id": "case-1", "result": result}
    return incoming(CASE_CLOSED, payload, office_id=OFFICE, occurred_at=at)


def swept(db: Db, kind: str) -> Delivery:
    [delivery] = [d for d in deliveries_of_case(db) if d.kind == kind]
    return delivery


def test_a_public_note_reaches_the_constituent_once_however_often_its_event_comes(
    db: Db, mailer: FakeMailer
) -> None:
    note = public_note(
        "The passport agency has your file and will print it this week.", at=WEDNESDAY_10AM
    )
    happened(note, db)
    assert mailer.sent == []  # queued: the sweep sends
    assert sweep(db, mailer, WEDNESDAY_10AM) == 1

    happened(note, db)  # a replayed event, another sweep: nothing new
    assert sweep(db, mailer, WEDNESDAY_10AM + timedelta(hours=1)) == 0

    [email] = mailer.sent
    assert email.to_address == "maria@example.org"
    assert "will print it this week" in email.body
    assert "/o/rep-lopez/status?tracking=K7QX-M2PD" in email.body
    delivery = swept(db, CASE_UPDATE)
    assert (delivery.status, delivery.attempts, delivery.send_after) == ("sent", 1, None)
    assert delivery.message_id == email.message_id


def test_a_status_change_at_night_waits_for_the_offices_morning(db: Db, mailer: FakeMailer) -> None:
    happened(status_changed("waiting_on_agency", at=THURSDAY_9PM), db)

    assert sweep(db, mailer, THURSDAY_9PM) == 0
    delivery = swept(db, STATUS_UPDATE)
    assert (delivery.status, delivery.send_after) == ("queued", FRIDAY_8AM)
    assert sweep(db, mailer, FRIDAY_8AM - timedelta(seconds=1)) == 0
    assert mailer.sent == []

    assert sweep(db, mailer, FRIDAY_8AM) == 1
    [email] = mailer.sent
    assert email.subject.startswith("We have contacted the agency")
    assert "Bob" not in email.body  # the caseworker's reason is the office's, not the letter's
    assert swept(db, STATUS_UPDATE).status == "sent"


def test_an_office_with_its_own_sending_hours_is_held_by_them_and_back_to_the_legislatures(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, office_registered(sending_from=10, sending_until=16))
    friday_9am = FRIDAY_8AM + timedelta(hours=1)

    happened(status_changed("waiting_on_agency", at=friday_9am), db)

    assert swept(db, STATUS_UPDATE).send_after == FRIDAY_8AM + timedelta(hours=2)
    assert sweep(db, mailer, friday_9am + timedelta(minutes=59)) == 0
    assert sweep(db, mailer, FRIDAY_8AM + timedelta(hours=2)) == 1

    handle(db, mailer, office_registered())  # its admin chose the legislature's hours again
    happened(public_note("We wrote to the agency.", at=friday_9am), db)

    assert sweep(db, mailer, friday_9am) == 1


def test_only_the_states_the_constituent_should_know_of_are_told(
    db: Db, mailer: FakeMailer
) -> None:
    happened(status_changed("resolved", at=WEDNESDAY_10AM), db)
    happened(status_changed("open", came_from="waiting_on_agency", at=WEDNESDAY_10AM), db)
    happened(status_changed("waiting_on_constituent", at=WEDNESDAY_10AM), db)
    sweep(db, mailer, WEDNESDAY_10AM)

    [email] = mailer.sent
    assert email.subject.startswith("We need something from you")
    assert sorted(d.kind for d in deliveries_of_case(db)) == ["acknowledgement", STATUS_UPDATE]


def test_closing_the_case_tells_its_outcome_in_the_constituents_language(db: Db) -> None:
    mailer = FakeMailer()
    handle(db, mailer, submission_received(preferred_language="es"), at=WEDNESDAY_10AM)
    handle(db, mailer, case_opened(), at=WEDNESDAY_10AM)
    mailer.sent.clear()

    happened(closed("favourable", at=WEDNESDAY_10AM), db)
    sweep(db, mailer, WEDNESDAY_10AM)

    [email] = mailer.sent
    assert email.subject.startswith("Su solicitud está cerrada")
    assert "se resolvió a su favor" in email.body
    assert swept(db, CLOSURE).status == "sent"


def test_the_closure_carries_a_survey_whose_digest_alone_is_announced_once(
    db: Db, mailer: FakeMailer
) -> None:
    closing = closed("favourable", at=WEDNESDAY_10AM)
    happened(closing, db)
    happened(closing, db)  # replayed: no second survey
    sweep(db, mailer, WEDNESDAY_10AM)

    [email] = mailer.sent
    links = [line.split()[-1] for line in email.body.splitlines() if "/rate/" in line]
    assert [link.rsplit("=", 1)[1] for link in links] == ["5", "4", "3", "2", "1"]
    token = links[0].split("/rate/")[1].split("?")[0]
    assert len(token) >= 24 and links[0].startswith(f"http://127.0.0.1:8001/o/{OFFICE}/rate/")

    [(offered, cause)] = published(db, SURVEY_OFFERED)
    assert offered.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(SURVEY_OFFERED.dump(offered))
    assert (offered.case_id, offered.survey_id, cause) == (
        "case-1",
        swept(db, CLOSURE).delivery_id,
        closing.event_id,
    )


def test_a_constituent_without_an_email_address_is_offered_no_survey(db: Db) -> None:
    mailer = FakeMailer()
    handle(db, mailer, submission_received(contact_email=None), at=WEDNESDAY_10AM)
    handle(db, mailer, case_opened(), at=WEDNESDAY_10AM)

    happened(closed("favourable", at=WEDNESDAY_10AM), db)

    assert swept(db, CLOSURE).status == "skipped"
    assert published(db, SURVEY_OFFERED) == []


def test_a_constituent_without_an_email_address_is_recorded_as_not_told(db: Db) -> None:
    mailer = FakeMailer()
    handle(db, mailer, submission_received(contact_email=None), at=WEDNESDAY_10AM)
    handle(db, mailer, case_opened(), at=WEDNESDAY_10AM)

    happened(public_note("We called the agency.", at=WEDNESDAY_10AM), db)

    assert sweep(db, mailer, WEDNESDAY_10AM) == 0
    assert mailer.sent == []
    delivery = swept(db, CASE_UPDATE)
    assert (delivery.status, delivery.skip_reason, delivery.send_after) == (
        "skipped",
        "no email address",
        None,
    )


def test_a_note_on_a_case_notify_has_not_heard_of_yet_is_retried_not_lost(db: Db) -> None:
    with pytest.raises(TransientError):
        happened(public_note("Early news", at=WEDNESDAY_10AM), db)
    assert deliveries_of_case(db) == []


def test_a_refused_message_is_retried_after_a_wait_within_office_hours(
    db: Db, mailer: FakeMailer
) -> None:
    happened(public_note("News", at=WEDNESDAY_10AM), db)
    mailer.fail_next(SendRefused("SMTPServerDisconnected"))

    assert sweep(db, mailer, WEDNESDAY_10AM) == 1
    delivery = swept(db, CASE_UPDATE)
    assert (delivery.status, delivery.last_error) == ("failed", "SMTPServerDisconnected")
    assert delivery.send_after == WEDNESDAY_10AM + timedelta(minutes=1)
    assert sweep(db, mailer, WEDNESDAY_10AM + timedelta(seconds=30)) == 0

    assert sweep(db, mailer, WEDNESDAY_10AM + timedelta(minutes=1)) == 1
    assert len(mailer.sent) == 1
    assert (swept(db, CASE_UPDATE).status, swept(db, CASE_UPDATE).attempts) == ("sent", 2)


def test_a_message_refused_again_and_again_is_given_up_and_shown_as_failed(
    db: Db, mailer: FakeMailer
) -> None:
    happened(public_note("News", at=WEDNESDAY_10AM), db)
    mailer.fail_next(*(SendRefused("ConnectionRefusedError") for _ in range(10)))

    at = WEDNESDAY_10AM
    while (delivery := swept(db, CASE_UPDATE)).send_after is not None:
        at = max(at, delivery.send_after)
        sweep(db, mailer, at)
    assert (delivery.status, delivery.attempts, mailer.attempts) == ("failed", 6, 6)
    assert mailer.sent == []


def test_a_send_cut_off_by_a_killed_worker_is_sent_again_as_itself_after_its_lease(
    db: Db, mailer: FakeMailer
) -> None:
    happened(public_note("News", at=WEDNESDAY_10AM), db)
    mailer.fail_next(WorkerKilled())
    with pytest.raises(WorkerKilled):
        sweep(db, mailer, WEDNESDAY_10AM)
    cut_off = swept(db, CASE_UPDATE)
    assert cut_off.status == "sending"

    assert sweep(db, mailer, WEDNESDAY_10AM + timedelta(seconds=5)) == 0  # maybe still sending
    assert sweep(db, mailer, WEDNESDAY_10AM + timedelta(minutes=1)) == 1

    [email] = mailer.sent
    delivery = swept(db, CASE_UPDATE)
    assert email.message_id == cut_off.message_id == delivery.message_id
    assert (delivery.status, delivery.attempts, delivery.resent_in_doubt) == ("sent", 2, 1)


def test_a_send_left_in_doubt_is_sent_again_at_the_next_sweep(db: Db, mailer: FakeMailer) -> None:
    happened(public_note("News", at=WEDNESDAY_10AM), db)
    mailer.fail_next(SendOutcomeUnknown("SMTPServerDisconnected"))
    sweep(db, mailer, WEDNESDAY_10AM)
    assert swept(db, CASE_UPDATE).status == "unknown"

    sweep(db, mailer, WEDNESDAY_10AM + timedelta(seconds=1))

    assert len(mailer.sent) == 1
    assert swept(db, CASE_UPDATE).resent_in_doubt == 1


def test_the_acknowledgement_is_not_held_for_quiet_hours(db: Db) -> None:
    """What the constituent just asked for goes at once, even at night."""
    mailer = FakeMailer()
    handle(db, mailer, submission_received(), at=THURSDAY_9PM)
    handle(db, mailer, case_opened(), at=THURSDAY_9PM)
    assert len(mailer.sent) == 1
    assert [d.send_after for d in handlers.list_deliveries(db, OFFICE, "case-1")] == [None]
