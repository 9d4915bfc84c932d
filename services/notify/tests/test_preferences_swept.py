"""The messages about a case and the constituent's opt-out, over each unit of work (fake, SQLite,
PostgreSQL): every message carries the constituent's unsubscribe link; one queued for a
constituent who asked for no email is skipped, and so is one whose constituent opted out while
it waited for office hours or for a retry; opting back in lets later messages go. Moments as in
test_case_messages.py (New York; Wednesday 10:00 is 15:00 UTC)."""

from __future__ import annotations

from datetime import datetime, timedelta

from prometheus_client import REGISTRY

from services.contracts import SURVEY_OFFERED, UNSUBSCRIBE_OFFERED
from services.notify import preferences
from services.notify.domain.acknowledgements import ASKED_FOR_NO_EMAIL
from services.notify.domain.delivery import CASE_UPDATE, CLOSURE, STATUS_UPDATE, Delivery
from services.notify.mail import SendRefused, to_mime
from services.notify.tests.events import OFFICE
from services.notify.tests.fakes import FakeMailer
from services.notify.tests.flow_support import Db, deliveries_of_case, published
from services.notify.tests.test_case_messages import (
    FRIDAY_8AM,
    THURSDAY_9PM,
    WEDNESDAY_10AM,
    closed,
    happened,
    public_note,
    status_changed,
    sweep,
    swept,
)
from services.notify.tests.test_preferences import (
    MARIA,
    PORTAL,
    kept,
    link_in,
    portal,
    preferences_changed,
)

# The portal's address (the case messages' fixtures are notify's conftest's).
__all__ = ["portal"]


def opt(db: Db, out: bool, at: datetime) -> None:
    assert db.consume_batch([preferences_changed(out, at=at)], preferences.record_preferences) == {}


def skips(kind: str) -> float:
    labels = {"channel": "email", "kind": kind}
    return REGISTRY.get_sample_value("casework_notify_messages_skipped_total", labels) or 0.0


def test_every_message_about_the_case_carries_the_constituents_one_link(
    db: Db, mailer: FakeMailer
) -> None:
    happened(public_note("SSA has your file.", at=WEDNESDAY_10AM), db)
    happened(closed("favourable", at=WEDNESDAY_10AM), db)
    assert sweep(db, mailer, WEDNESDAY_10AM) == 2

    token = kept(db).unsubscribe_token
    link = f"{PORTAL}/o/{OFFICE}/unsubscribe/{token}"
    for email in mailer.sent:
        assert link_in(email) == email.unsubscribe_url == link
        assert email.body.rstrip().endswith(link)
        assert to_mime(email)["List-Unsubscribe"] == f"<{link}>"
        assert to_mime(email)["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [(offer, _)] = published(db, UNSUBSCRIBE_OFFERED)  # the acknowledgement's, nothing more
    assert offer.constituent_id == MARIA


def test_an_opted_out_constituent_is_told_nothing_of_their_case_and_the_log_says_why(
    db: Db, mailer: FakeMailer
) -> None:
    opt(db, True, WEDNESDAY_10AM)
    before = skips(CASE_UPDATE), skips(CLOSURE)

    happened(public_note("SSA has your file.", at=WEDNESDAY_10AM), db)
    happened(closed("favourable", at=WEDNESDAY_10AM), db)

    assert sweep(db, mailer, WEDNESDAY_10AM) == 0
    assert mailer.sent == [] and mailer.attempts == 0
    for kind in (CASE_UPDATE, CLOSURE):
        delivery = swept(db, kind)
        assert (delivery.status, delivery.skip_reason, delivery.send_after) == (
            "skipped",
            ASKED_FOR_NO_EMAIL,
            None,
        )
    assert (skips(CASE_UPDATE), skips(CLOSURE)) == (before[0] + 1, before[1] + 1)
    assert published(db, SURVEY_OFFERED) == []  # a survey nobody is sent is offered to no one


def test_an_opt_out_while_a_message_waits_for_office_hours_stops_it(
    db: Db, mailer: FakeMailer
) -> None:
    happened(status_changed("waiting_on_agency", at=THURSDAY_9PM), db)
    assert swept(db, STATUS_UPDATE).send_after == FRIDAY_8AM
    before = skips(STATUS_UPDATE)

    opt(db, True, THURSDAY_9PM + timedelta(hours=1))

    assert sweep(db, mailer, FRIDAY_8AM) == 0
    assert mailer.sent == []
    delivery = swept(db, STATUS_UPDATE)
    assert (delivery.status, delivery.skip_reason, delivery.send_after) == (
        "skipped",
        ASKED_FOR_NO_EMAIL,
        None,
    )
    assert skips(STATUS_UPDATE) == before + 1
    assert sweep(db, mailer, FRIDAY_8AM + timedelta(hours=1)) == 0


def test_an_opt_out_while_a_refused_message_waits_for_its_retry_stops_it(
    db: Db, mailer: FakeMailer
) -> None:
    happened(public_note("News", at=WEDNESDAY_10AM), db)
    mailer.fail_next(SendRefused("SMTPServerDisconnected"))
    assert sweep(db, mailer, WEDNESDAY_10AM) == 1
    assert swept(db, CASE_UPDATE).status == "failed"

    opt(db, True, WEDNESDAY_10AM + timedelta(seconds=30))

    assert sweep(db, mailer, WEDNESDAY_10AM + timedelta(minutes=1)) == 0
    delivery = swept(db, CASE_UPDATE)
    assert (delivery.status, delivery.skip_reason, delivery.attempts, delivery.send_after) == (
        "skipped",
        ASKED_FOR_NO_EMAIL,
        1,
        None,
    )
    assert mailer.sent == [] and mailer.attempts == 1


def test_opting_back_in_lets_later_messages_go_and_skipped_ones_stay_skipped(
    db: Db, mailer: FakeMailer
) -> None:
    opt(db, True, WEDNESDAY_10AM)
    first = public_note("First news", at=WEDNESDAY_10AM, note_id="note-1")
    happened(first, db)

    opt(db, False, WEDNESDAY_10AM + timedelta(minutes=5))
    happened(first, db)  # replayed: still skipped, not queued again
    happened(public_note("Second news", at=WEDNESDAY_10AM, note_id="note-2"), db)

    assert sweep(db, mailer, WEDNESDAY_10AM + timedelta(minutes=5)) == 1
    [email] = mailer.sent
    assert "Second news" in email.body and "/unsubscribe/" in email.body
    statuses = {d.occasion_id: (d.status, d.skip_reason) for d in _notes(db)}
    assert statuses == {"note-1": ("skipped", ASKED_FOR_NO_EMAIL), "note-2": ("sent", None)}


def _notes(db: Db) -> list[Delivery]:
    return [d for d in deliveries_of_case(db) if d.kind == CASE_UPDATE]
