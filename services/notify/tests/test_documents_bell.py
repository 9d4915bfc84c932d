"""Documents a constituent sent from their status page ring the bell of whoever works the case
(its assignee; with nobody on it, whoever hands out work), once however often the event is
delivered, without the files' names."""

from __future__ import annotations

from prometheus_client import REGISTRY

from services.chassis.consuming import consume
from services.chassis.fakes import incoming
from services.contracts import CASE_ASSIGNED, CASE_OPENED, DOCUMENTS_RECEIVED
from services.notify import notifications
from services.notify.tests.test_notifications import OFFICE, OPENED, Db, bell_of, db, send

__all__ = ["db"]  # the fixture, shared with the bell's other tests


def received(db: Db, case_id: str, files: int = 2) -> None:
    payload = {
        **DOCUMENTS_RECEIVED.example,
        "case_id": case_id,
        "attachments": DOCUMENTS_RECEIVED.example["attachments"] * files,
    }
    event = incoming(DOCUMENTS_RECEIVED, payload, office_id=OFFICE)
    for _ in range(2):  # delivered twice: the inbox and the cause keep it to one
        consume(db, event, notifications.notify_documents)


def counted() -> float:
    labels = {"kind": "documents_received"}
    return REGISTRY.get_sample_value("casework_notify_staff_notifications_total", labels) or 0.0


def test_the_assignee_hears_that_the_constituent_sent_documents(db: Db) -> None:
    send(db, CASE_OPENED, case_id="case-1", opened_at=OPENED.isoformat())
    send(db, CASE_ASSIGNED, case_id="case-1", caseworker_id="u-sam")
    before = counted()

    received(db, "case-1")

    unread, [notification] = bell_of(db, "u-sam")
    assert unread == 1
    assert (notification.kind, notification.reference) == ("documents_received", "CW-2026-000042")
    assert notification.summary == "The constituent sent 2 documents"
    assert bell_of(db, "u-ann")[0] == 0
    assert counted() == before + 1


def test_with_nobody_on_the_case_those_who_hand_out_work_hear(db: Db) -> None:
    send(db, CASE_OPENED, case_id="case-2", opened_at=OPENED.isoformat())

    received(db, "case-2", files=1)

    assert [n.summary for n in bell_of(db, "u-ann")[1]] == ["The constituent sent 1 document"]
    assert bell_of(db, "u-kim")[0] == 1
    assert bell_of(db, "u-sam")[0] == 0
