"""Constituents' contact preferences through notify's handlers, over the fake unit of work and
both databases: one unsubscribe link per constituent of the office, made and announced (its
digest alone) when notify first hears of them; their opt-out as intake announces it, the latest
change winning whatever order changes arrive in; and what it does to the acknowledgement and
the status code. The messages about a case are in test_preferences_swept.py."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from services.chassis.errors import TransientError
from services.chassis.events import IncomingEvent
from services.chassis.fakes import incoming
from services.contracts import (
    CONTACT_PREFERENCES_CHANGED,
    SUBMISSION_RECEIVED,
    UNSUBSCRIBE_OFFERED,
    UnsubscribeOffered,
)
from services.notify import handlers, preferences
from services.notify.domain.acknowledgements import (
    ASKED_FOR_NO_EMAIL,
    OutgoingEmail,
    Recipient,
)
from services.notify.domain.delivery import ACKNOWLEDGEMENT, DeliveryStatus
from services.notify.domain.preferences import ContactPreference
from services.notify.mail import SendRefused, to_mime
from services.notify.tests.events import (
    ELSEWHERE,
    OFFICE,
    case_opened,
    handle,
    office_registered,
    status_code_requested,
    submission_received,
)
from services.notify.tests.fakes import FakeMailer
from services.notify.tests.flow_support import Db, delivery_of, published
from services.notify.tests.test_flows import db, db_backend, mailer

__all__ = ["db", "db_backend", "mailer"]  # the flow tests' fixtures: fake and both databases

MARIA = str(SUBMISSION_RECEIVED.example["constituent_id"])
NOON = datetime(2026, 12, 2, 17, tzinfo=UTC)
PORTAL = "https://casework.house.example.gov"


@pytest.fixture(autouse=True)
def portal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_PORTAL_BASE_URL", PORTAL)


def preferences_changed(
    opted_out: bool,
    *,
    at: datetime,
    constituent_id: str = MARIA,
    office_id: str = OFFICE,
) -> IncomingEvent[Any]:
    payload = {
        "constituent_id": constituent_id,
        "email_opted_out": opted_out,
        "changed_by": "constituent",
        "changed_at": at.isoformat(),
    }
    return incoming(CONTACT_PREFERENCES_CHANGED, payload, office_id=office_id, occurred_at=at)


def changed(db: Db, event: IncomingEvent[Any]) -> None:
    """What notify's entrypoint does with `intake.contact_preferences_changed`."""
    assert db.consume_batch([event], preferences.record_preferences) == {}


def offered(db: Db) -> list[tuple[UnsubscribeOffered, str | None]]:
    return published(db, UNSUBSCRIBE_OFFERED)


def kept(db: Db, constituent_id: str = MARIA, office_id: str = OFFICE) -> ContactPreference:
    with db.unit_of_work(office_id=office_id) as uow:
        found = uow.preferences.get(constituent_id)
    assert found is not None, "no contact preferences were kept"
    return found


def link_in(email: OutgoingEmail) -> str:
    """The unsubscribe link at the foot of an email's body."""
    [line] = [line for line in email.body.splitlines() if "/unsubscribe/" in line]
    return line.rsplit(" ", 1)[1]


def skips() -> float:
    labels = {"channel": "email", "kind": ACKNOWLEDGEMENT}
    return REGISTRY.get_sample_value("casework_notify_messages_skipped_total", labels) or 0.0


# --- The domain -------------------------------------------------------------------------------


def test_a_new_constituent_is_offered_a_link_whose_digest_alone_is_announced() -> None:
    preference = ContactPreference.offer("c-1", "q3Jx9sTzWvB2mN7kLp4dRfGh", now=NOON)

    [event] = preference.pull_events()
    assert event.contract is UNSUBSCRIBE_OFFERED
    digest = hashlib.sha256(b"q3Jx9sTzWvB2mN7kLp4dRfGh").hexdigest()
    assert event.payload == UnsubscribeOffered("c-1", digest, NOON)
    assert "q3Jx9sTzWvB2mN7kLp4dRfGh" not in json.dumps(UNSUBSCRIBE_OFFERED.dump(event.payload))
    assert "q3Jx9sTzWvB2mN7kLp4dRfGh" not in repr(preference)
    assert (preference.email_opted_out, preference.changed_at) == (False, None)


def test_the_latest_change_counts_whatever_order_the_changes_come_in() -> None:
    preference = ContactPreference("c-1", "secret")
    assert preference.change(email_opted_out=True, at=NOON)
    assert not preference.change(email_opted_out=False, at=NOON - timedelta(hours=1))  # older
    assert not preference.change(email_opted_out=False, at=NOON)  # as old: a replay, say
    assert (preference.email_opted_out, preference.changed_at) == (True, NOON)
    assert preference.change(email_opted_out=False, at=NOON + timedelta(hours=1))
    assert not preference.email_opted_out


# --- The link: made once per constituent and office ---------------------------------------------


def test_a_constituent_is_offered_one_link_when_notify_first_hears_of_them(
    db: Db, mailer: FakeMailer
) -> None:
    first = submission_received("sub-1")
    handle(db, mailer, first)

    [(offer, cause)] = offered(db)
    assert (offer.constituent_id, cause) == (MARIA, first.event_id)
    assert len(offer.token_sha256) == 64 and int(offer.token_sha256, 16) >= 0
    token = kept(db).unsubscribe_token
    assert len(token) >= 24
    assert offer.token_sha256 == hashlib.sha256(token.encode()).hexdigest()

    handle(db, mailer, first)  # replayed
    handle(db, mailer, submission_received("sub-2"))  # the same constituent asks again
    assert len(offered(db)) == 1 and kept(db).unsubscribe_token == token

    handle(db, mailer, submission_received("sub-3", constituent_id="c-other"))
    handle(db, mailer, submission_received("sub-4", ELSEWHERE))  # Maria writes to another office
    assert sorted(o.constituent_id for o, _ in offered(db)) == sorted([MARIA, MARIA, "c-other"])
    assert kept(db, office_id=ELSEWHERE).unsubscribe_token != token


def test_a_batch_with_the_same_constituent_twice_offers_them_one_link(db: Db) -> None:
    events = [
        submission_received("sub-1"),
        submission_received("sub-2", constituent_id="c-other"),
        submission_received("sub-3"),
    ]

    assert db.consume_batch(events, handlers.record_recipient) == {}
    assert db.consume_batch(events, handlers.record_recipient) == {}  # redelivered

    offers = offered(db)
    assert sorted(o.constituent_id for o, _ in offers) == sorted([MARIA, "c-other"])
    [(maria, cause)] = [(o, c) for o, c in offers if o.constituent_id == MARIA]
    assert cause == events[0].event_id
    assert maria.token_sha256 == hashlib.sha256(kept(db).unsubscribe_token.encode()).hexdigest()


def test_the_acknowledgement_carries_the_link_whose_digest_was_announced(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, office_registered())
    handle(db, mailer, submission_received())
    handle(db, mailer, case_opened())

    [email] = mailer.sent
    token = kept(db).unsubscribe_token
    link = f"{PORTAL}/o/{OFFICE}/unsubscribe/{token}"
    assert link_in(email) == email.unsubscribe_url == link
    assert email.body.endswith(
        f"\n\nTo stop email from Office of Rep. Ana Lopez about your requests: {link}\n"
    )
    [(offer, _)] = offered(db)
    assert hashlib.sha256(link.rsplit("/", 1)[1].encode()).hexdigest() == offer.token_sha256
    message = to_mime(email)
    assert message["List-Unsubscribe"] == f"<{link}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_constituent_heard_of_before_the_links_is_given_one_with_their_next_message(
    db: Db, mailer: FakeMailer
) -> None:
    received = submission_received()
    with db.unit_of_work(office_id=OFFICE) as uow:  # kept before the links existed
        uow.recipients.record(Recipient.from_submission(received.payload))
        uow.commit()
    assert offered(db) == []

    opened = case_opened()
    handle(db, mailer, opened)

    [email] = mailer.sent
    [(offer, cause)] = offered(db)
    assert (offer.constituent_id, cause) == (MARIA, opened.event_id)
    assert link_in(email).endswith(f"/unsubscribe/{kept(db).unsubscribe_token}")


# --- The opt-out ------------------------------------------------------------------------------


def test_an_opted_out_constituent_is_not_acknowledged_until_they_opt_back_in(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, submission_received("sub-1"))
    changed(db, preferences_changed(True, at=NOON))
    before = skips()

    first_case = case_opened("sub-1", "case-1")
    handle(db, mailer, first_case)

    assert mailer.sent == []
    skipped = delivery_of(db, "sub-1")
    assert (skipped.status, skipped.skip_reason, skipped.attempts) == (
        DeliveryStatus.SKIPPED,
        ASKED_FOR_NO_EMAIL,
        0,
    )
    assert skips() == before + 1

    changed(db, preferences_changed(False, at=NOON + timedelta(days=1)))
    handle(db, mailer, first_case)  # the skipped one stays skipped
    handle(db, mailer, submission_received("sub-2"))
    handle(db, mailer, case_opened("sub-2", "case-2"))

    [email] = mailer.sent
    assert "/unsubscribe/" in email.body
    assert delivery_of(db, "sub-2").status is DeliveryStatus.SENT
    assert delivery_of(db, "sub-1").status is DeliveryStatus.SKIPPED
    assert len(offered(db)) == 1


@pytest.mark.parametrize(
    ("arriving", "opted_out"),
    [
        ([(True, 2), (False, 1)], True),  # the opt-out was later, and came first
        ([(False, 2), (True, 1)], False),  # the opt-back-in was later, and came first
        ([(True, 1), (False, 2), (True, 2)], False),  # as late as the kept one: not later
    ],
    ids=["later-opt-out-first", "later-opt-in-first", "same-moment"],
)
def test_the_latest_change_wins_whatever_order_changes_arrive_in(
    db: Db, mailer: FakeMailer, arriving: list[tuple[bool, int]], opted_out: bool
) -> None:
    handle(db, mailer, submission_received())
    for opt_out, hour in arriving:
        event = preferences_changed(opt_out, at=NOON + timedelta(hours=hour))
        changed(db, event)
        changed(db, event)  # redelivered: changes nothing

    latest = max(hour for _, hour in arriving)
    assert (kept(db).email_opted_out, kept(db).changed_at) == (
        opted_out,
        NOON + timedelta(hours=latest),
    )
    handle(db, mailer, case_opened())
    assert len(mailer.sent) == (0 if opted_out else 1)


def test_a_change_for_a_constituent_not_heard_of_yet_makes_their_row_and_link(
    db: Db, mailer: FakeMailer
) -> None:
    opt_out = preferences_changed(True, at=NOON, constituent_id="c-new")
    changed(db, opt_out)

    [(offer, cause)] = offered(db)
    assert (offer.constituent_id, cause) == ("c-new", opt_out.event_id)
    assert kept(db, "c-new").email_opted_out

    handle(db, mailer, submission_received(constituent_id="c-new"))
    handle(db, mailer, case_opened())
    assert len(offered(db)) == 1 and mailer.sent == []
    assert delivery_of(db).skip_reason == ASKED_FOR_NO_EMAIL


def test_a_changes_batch_takes_each_constituent_and_office_on_its_own(db: Db) -> None:
    events = [
        preferences_changed(True, at=NOON),
        preferences_changed(True, at=NOON, constituent_id="c-other"),
        preferences_changed(False, at=NOON - timedelta(minutes=5)),  # older: no effect
        preferences_changed(False, at=NOON, office_id=ELSEWHERE),
    ]
    assert db.consume_batch(events, preferences.record_preferences) == {}

    assert kept(db).email_opted_out and kept(db, "c-other").email_opted_out
    assert not kept(db, office_id=ELSEWHERE).email_opted_out
    assert len(offered(db)) == 3  # one link per constituent and office, made once


def test_a_refused_acknowledgement_is_not_tried_again_once_the_constituent_opts_out(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, submission_received())
    mailer.fail_next(SendRefused("SMTPServerDisconnected"))
    opened = case_opened()
    with pytest.raises(TransientError):
        handle(db, mailer, opened)
    assert delivery_of(db).status is DeliveryStatus.FAILED

    changed(db, preferences_changed(True, at=NOON))
    handle(db, mailer, opened)  # the event's retry

    assert mailer.sent == [] and mailer.attempts == 1
    skipped = delivery_of(db)
    assert (skipped.status, skipped.skip_reason, skipped.attempts) == (
        DeliveryStatus.SKIPPED,
        ASKED_FOR_NO_EMAIL,
        1,
    )


def test_a_status_code_still_reaches_an_opted_out_constituent_without_a_link(
    db: Db, mailer: FakeMailer
) -> None:
    handle(db, mailer, submission_received())
    changed(db, preferences_changed(True, at=NOON))

    handlers.mail_status_code(db, mailer, status_code_requested())

    [email] = mailer.sent
    assert "482913" in email.body
    assert email.unsubscribe_url is None and "/unsubscribe/" not in email.body
    assert "List-Unsubscribe" not in to_mime(email)
