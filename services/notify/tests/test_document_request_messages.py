"""A request for documents reaches the constituent as one message, naming what to send, in
their language: the move to waiting_on_constituent that comes with it tells them nothing
more, and a replayed event sends nothing new. Over each unit of work (fake, SQLite,
PostgreSQL), with the moments injected as in test_case_messages.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.chassis.events import IncomingEvent
from services.chassis.fakes import incoming
from services.contracts import CASE_STATUS_CHANGED, PUBLIC_NOTE_ADDED
from services.notify.domain.case_messages import CaseMessage, documents_list
from services.notify.domain.delivery import DOCUMENTS_REQUEST, STATUS_UPDATE
from services.notify.tests.events import (
    OFFICE,
    WEDNESDAY_10AM,
    case_opened,
    handle,
    submission_received,
)
from services.notify.tests.fakes import FakeMailer
from services.notify.tests.flow_support import Db, deliveries_of_case
from services.notify.tests.test_case_messages import happened, status_changed, sweep, swept

DOCUMENTS = ["Denial letter of March 3", "DD-214 (both pages)"]


def documents_requested(
    documents: list[str], note: str = "", *, at: datetime = WEDNESDAY_10AM
) -> IncomingEvent[Any]:
    payload = {
        **PUBLIC_NOTE_ADDED.example,
        "case_id": "case-1",
        "note_id": "note-docs",
        "text": note,
        "requested_documents": documents,
        "added_at": at.isoformat(),
    }
    return incoming(PUBLIC_NOTE_ADDED, payload, office_id=OFFICE, occurred_at=at)


def moved_for_documents(at: datetime = WEDNESDAY_10AM) -> IncomingEvent[Any]:
    event = status_changed("waiting_on_constituent", at=at)
    payload = {**CASE_STATUS_CHANGED.dump(event.payload), "tell_constituent": False}
    return incoming(CASE_STATUS_CHANGED, payload, office_id=OFFICE, occurred_at=at)


def test_a_request_for_documents_is_one_message_naming_them_and_is_sent_once(
    db: Db, mailer: FakeMailer
) -> None:
    happened(moved_for_documents(), db)
    request = documents_requested(DOCUMENTS, "Photos of both pages are fine.")
    happened(request, db)
    assert sweep(db, mailer, WEDNESDAY_10AM) == 1

    happened(request, db)  # replayed: nothing new
    assert sweep(db, mailer, WEDNESDAY_10AM) == 0

    [email] = mailer.sent
    assert email.subject == "Please send us some documents \N{EN DASH} tracking code K7QX-M2PD"
    assert "- Denial letter of March 3\n- DD-214 (both pages)\n" in email.body
    assert "Photos of both pages are fine." in email.body
    assert "/o/rep-lopez/status?tracking=K7QX-M2PD" in email.body
    assert swept(db, DOCUMENTS_REQUEST).status == "sent"
    # The move that came with it is the office's bookkeeping: no "we need something" email.
    assert STATUS_UPDATE not in {d.kind for d in deliveries_of_case(db)}


def test_a_spanish_speaker_is_asked_in_spanish_and_a_request_without_a_note_reads_well(
    db: Db,
) -> None:
    mailer = FakeMailer()
    handle(db, mailer, submission_received(preferred_language="es"), at=WEDNESDAY_10AM)
    handle(db, mailer, case_opened(), at=WEDNESDAY_10AM)
    mailer.sent.clear()

    happened(documents_requested(["Contrato de alquiler"]), db)
    sweep(db, mailer, WEDNESDAY_10AM)

    [email] = mailer.sent
    assert email.subject.startswith("Por favor, envíenos unos documentos")
    assert "- Contrato de alquiler\n\nEnvíe copias, no originales" in email.body


def test_a_move_to_waiting_on_constituent_made_by_hand_still_tells_them(
    db: Db, mailer: FakeMailer
) -> None:
    happened(status_changed("waiting_on_constituent", at=WEDNESDAY_10AM), db)
    sweep(db, mailer, WEDNESDAY_10AM)

    [email] = mailer.sent
    assert email.subject.startswith("We need something from you")


def test_the_message_is_chosen_by_what_the_update_asks_and_its_list_is_one_line_each() -> None:
    plain = PUBLIC_NOTE_ADDED.load_typed(PUBLIC_NOTE_ADDED.example)
    assert CaseMessage.public_note(plain).kind == "case_update"
    asking = documents_requested(["Lease\r\nBcc: x@example.org", "Bill"]).payload
    message = CaseMessage.public_note(asking)
    assert message.kind == DOCUMENTS_REQUEST
    assert documents_list(message.content["documents"]) == ("- Lease\n- Bcc: x@example.org\n- Bill")
