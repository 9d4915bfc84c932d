"""Notify's repositories on SQLite and PostgreSQL, and the fake ones held to the same rules:
projections replaced in place, every read scoped to the unit of work's office, the
delivery's idempotency key and compare-and-set, and a constituent's contact preferences made
once and changed only by a later change."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.chassis.db import create_db_engine
from services.chassis.fakes import incoming
from services.chassis.statement_log import statements_with
from services.chassis.uow import DatabaseAccess
from services.contracts import OFFICE_REGISTERED
from services.notify import handlers, preferences, reminders
from services.notify.domain.acknowledgements import (
    OfficeSender,
    OpenedCase,
    Recipient,
    first_acknowledgement,
)
from services.notify.domain.delivery import DeliveryStatus
from services.notify.domain.notifications import Assignment, Colleague, StaffNotification
from services.notify.domain.preferences import ContactPreference
from services.notify.domain.reminders import (
    Reminder,
    ReminderKind,
    ReminderState,
    case_key,
    case_of_key,
    inquiry_key,
)
from services.notify.models import metadata
from services.notify.ports import DeliveryChangedElsewhere, NotifyWork, ReminderChangedElsewhere
from services.notify.repository import NotifyUnitOfWork
from services.notify.tests.fakes import fake_database

NOW = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
CASE = OpenedCase("case-1", "sub-1", "CW-2026-000042", "K7QX-M2PD", NOW)
MARIA = Recipient("sub-1", "c-1", "María López", "maria@example.org", "es", "K7QX-M2PD", NOW)
Db = handlers.Database


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def workers(db_backend: str, request: pytest.FixtureRequest) -> Iterator[Callable[[], Db]]:
    """Opens the database as another worker process would: its own engine and connections
    (the fake's workers share its memory, as workers share a database)."""
    if db_backend == "fake":
        shared = fake_database()
        yield lambda: shared
        return
    url = request.getfixturevalue("service_database")("notify", metadata)
    engines = []

    def worker() -> Db:
        engines.append(create_db_engine(url))
        return DatabaseAccess(
            sessionmaker(engines[-1], expire_on_commit=False),
            metadata,
            lambda: None,
            service="notify",
            unit_of_work_type=NotifyUnitOfWork,
        )

    yield worker
    for engine in engines:
        engine.dispose()


@pytest.fixture
def db(workers: Callable[[], Db]) -> Db:
    return workers()


def test_projections_are_replaced_in_place_and_read_back_as_written(db: Db) -> None:
    renamed = OfficeSender("Office of Senator Ana Lopez", "casework@lopez.example.gov")
    moved = dataclasses.replace(MARIA, contact_email="maria@example.net", preferred_language="en")
    with db.unit_of_work(office_id="rep-lopez") as uow:
        uow.offices.record(OfficeSender("Office of Rep. Ana Lopez", "old@lopez.example.gov"))
        uow.recipients.record(MARIA)
        uow.cases.record(CASE)
        uow.commit()
    with db.unit_of_work(office_id="rep-lopez") as uow:
        uow.offices.record(renamed)
        uow.recipients.record(moved)
        uow.cases.record(dataclasses.replace(CASE, reference="CW-2026-000043"))
        uow.commit()

    with db.unit_of_work(office_id="rep-lopez") as uow:
        assert uow.offices.sender() == renamed
        assert uow.recipients.get("sub-1") == moved
        assert uow.cases.for_submission("sub-1") == dataclasses.replace(
            CASE, reference="CW-2026-000043"
        )
        assert uow.recipients.get("sub-2") is None


def test_the_first_case_opened_for_a_submission_is_the_one_acknowledged(db: Db) -> None:
    later = dataclasses.replace(CASE, case_id="case-2", opened_at=NOW + timedelta(minutes=1))
    with db.unit_of_work(office_id="rep-lopez") as uow:
        uow.cases.record(later)
        uow.cases.record(CASE)
        uow.commit()
    with db.unit_of_work(office_id="rep-lopez") as uow:
        assert uow.cases.for_submission("sub-1") == CASE


def test_an_office_sees_none_of_another_offices_rows(db: Db) -> None:
    delivery = first_acknowledgement(CASE, now=NOW, sender_address="casework@localhost")
    with db.unit_of_work(office_id="rep-lopez") as uow:
        uow.offices.record(OfficeSender("Office of Rep. Ana Lopez", "casework@lopez.example.gov"))
        uow.recipients.record(MARIA)
        uow.cases.record(CASE)
        uow.deliveries.add(delivery)
        uow.commit()

    with db.unit_of_work(office_id="rep-someone-else") as uow:
        assert uow.offices.sender() is None
        assert uow.recipients.get("sub-1") is None
        assert uow.cases.for_submission("sub-1") is None
        assert uow.deliveries.get(delivery.delivery_id) is None
        assert uow.deliveries.for_cause("sub-1", "acknowledgement") is None
        assert uow.deliveries.for_case("case-1") == []
        # The same idempotency key is free in another office.
        uow.deliveries.add(first_acknowledgement(CASE, now=NOW, sender_address="x@localhost"))
        uow.commit()


def test_a_delivery_reads_back_as_it_was_written(db: Db) -> None:
    delivery = first_acknowledgement(CASE, now=NOW, sender_address="casework@localhost")
    with db.unit_of_work(office_id="rep-lopez") as uow:
        uow.deliveries.add(delivery)
        uow.commit()

    with db.unit_of_work(office_id="rep-lopez") as uow:
        loaded = uow.deliveries.for_cause("sub-1", "acknowledgement")
        assert loaded == delivery
        assert loaded is not None and loaded.status is DeliveryStatus.SENDING
        assert uow.deliveries.for_case("case-1") == [delivery]


def test_a_submission_is_read_in_context_as_its_three_reads_would_find_it(db: Db) -> None:
    with db.unit_of_work(office_id="rep-lopez") as uow:
        assert uow.deliveries.in_context("sub-1", "acknowledgement") == (None, None, None)
    later = dataclasses.replace(CASE, case_id="case-2", opened_at=NOW + timedelta(minutes=1))
    delivery = first_acknowledgement(CASE, now=NOW, sender_address="casework@localhost")
    with db.unit_of_work(office_id="rep-lopez") as uow:
        uow.cases.record(later)
        uow.cases.record(CASE)
        uow.commit()
    with db.unit_of_work(office_id="rep-lopez") as uow:
        # A case opened, nobody to write to yet, nothing sent.
        assert uow.deliveries.in_context("sub-1", "acknowledgement") == (CASE, None, None)
        uow.recipients.record(MARIA)
        uow.deliveries.add(delivery)
        uow.commit()
    with db.unit_of_work(office_id="rep-someone-else") as uow:
        assert uow.deliveries.in_context("sub-1", "acknowledgement") == (None, None, None)

    with db.unit_of_work(office_id="rep-lopez") as uow:
        assert uow.deliveries.in_context("sub-1", "status_code") == (CASE, MARIA, None)
        case, recipient, loaded = uow.deliveries.in_context("sub-1", "acknowledgement")
        assert (case, recipient, loaded) == (
            uow.cases.for_submission("sub-1"),
            uow.recipients.get("sub-1"),
            delivery,
        )
        # Handed out as `for_cause` hands it out: it saves under its compare-and-set.
        assert loaded is not None
        loaded.sent(loaded.attempts, at=NOW + timedelta(minutes=2))
        uow.deliveries.save(loaded)
        uow.commit()
    with db.unit_of_work(office_id="rep-lopez") as uow:
        saved = uow.deliveries.get(delivery.delivery_id)
        assert saved is not None and saved.status is DeliveryStatus.SENT


def test_a_second_delivery_for_the_same_recipient_and_cause_is_refused(db: Db) -> None:
    first = first_acknowledgement(CASE, now=NOW, sender_address="casework@localhost")
    with db.unit_of_work(office_id="rep-lopez") as uow:
        uow.deliveries.add(first)
        uow.commit()

    with db.unit_of_work(office_id="rep-lopez") as uow, pytest.raises(DeliveryChangedElsewhere):
        uow.deliveries.add(first_acknowledgement(CASE, now=NOW, sender_address="x@localhost"))

    with db.unit_of_work(office_id="rep-lopez") as uow:
        assert uow.deliveries.for_case("case-1") == [first]


def test_a_delivery_moved_on_elsewhere_is_not_overwritten(
    db: Db, workers: Callable[[], Db]
) -> None:
    other_worker = workers()
    delivery = first_acknowledgement(CASE, now=NOW, sender_address="casework@localhost")
    with db.unit_of_work(office_id="rep-lopez") as uow:
        uow.deliveries.add(delivery)
        uow.commit()

    with db.unit_of_work(office_id="rep-lopez") as slow:
        stale = slow.deliveries.get(delivery.delivery_id)
        assert stale is not None
        with other_worker.unit_of_work(office_id="rep-lopez") as fast:
            current = fast.deliveries.get(delivery.delivery_id)
            assert current is not None
            current.give_up_cut_off()
            fast.deliveries.save(current)
            fast.commit()
        stale.refused(1, "ConnectionRefusedError")
        with pytest.raises(DeliveryChangedElsewhere):
            slow.deliveries.save(stale)

    with db.unit_of_work(office_id="rep-lopez") as uow:
        settled = uow.deliveries.get(delivery.delivery_id)
        assert settled is not None
        assert (settled.status, settled.last_error) == (DeliveryStatus.UNKNOWN, "CutOff")
        # Saved twice in one unit of work: each save starts from what the last one wrote.
        settled.sent(1, at=NOW)
        uow.deliveries.save(settled)
        settled.sent_at = NOW + timedelta(seconds=1)
        uow.deliveries.save(settled)
        uow.commit()


def test_a_sent_acknowledgement_reaches_the_outbox_in_the_contracts_wire_form(
    db: Db, db_backend: str
) -> None:
    if db_backend == "fake":
        pytest.skip("the wire form is the real outbox's")
    delivery = first_acknowledgement(CASE, now=NOW, sender_address="casework@localhost")
    with db.unit_of_work(office_id="rep-lopez") as uow:
        uow.deliveries.add(delivery)
        uow.commit()
    sent_at = NOW + timedelta(seconds=2)

    with db.unit_of_work(office_id="rep-lopez", correlation_id="corr-1") as uow:
        loaded = uow.deliveries.get(delivery.delivery_id)
        assert loaded is not None
        loaded.sent(1, at=sent_at)
        uow.deliveries.save(loaded)
        uow.commit()

    outbox = metadata.tables["outbox"]
    assert isinstance(db, DatabaseAccess)
    with db.platform_work() as session:  # test inspection of the whole outbox: cross-office
        [row] = session.execute(select(outbox)).mappings()
    assert (row["event_type"], row["office_id"], row["correlation_id"]) == (
        "notify.acknowledgement_sent",
        "rep-lopez",
        "corr-1",
    )
    assert json.loads(row["payload"]) == {
        "case_id": "case-1",
        "submission_id": "sub-1",
        "channel": "email",
        "sent_at": sent_at.isoformat(),
        "resent_after_doubt": False,
    }
    assert "@" not in row["payload"]


# --- Contact preferences: one row per constituent, the latest change wins ----------------------


def test_a_constituents_row_is_made_once_per_office_and_only_its_first_is_announced(
    db: Db,
) -> None:
    first = ContactPreference.offer("c-1", "secret-1", now=NOW)
    with db.unit_of_work(office_id="rep-lopez") as uow:
        assert uow.preferences.add_if_new(first) is True
        again = ContactPreference.offer("c-1", "secret-2", now=NOW)
        assert uow.preferences.add_if_new(again) is False  # the same unit of work sees it
        assert again.events == []
        uow.commit()

    with db.unit_of_work(office_id="rep-lopez") as uow:
        assert uow.preferences.add_if_new(ContactPreference.offer("c-1", "s-3", now=NOW)) is False
        assert uow.preferences.get("c-1") == ContactPreference("c-1", "secret-1")
        assert uow.preferences.get("c-2") is None
    with db.unit_of_work(office_id="rep-someone-else") as uow:
        assert uow.preferences.get("c-1") is None
        assert uow.preferences.add_if_new(ContactPreference.offer("c-1", "theirs", now=NOW))
        uow.commit()
    with db.unit_of_work(office_id="rep-lopez") as uow:
        kept = uow.preferences.get("c-1")
        assert kept is not None and kept.unsubscribe_token == "secret-1"


def test_a_row_made_by_another_worker_meanwhile_is_the_one_kept_and_announced(
    db: Db, workers: Callable[[], Db]
) -> None:
    other_worker = workers()
    with db.unit_of_work(office_id="rep-lopez") as slow:
        assert slow.preferences.get("c-1") is None
        with other_worker.unit_of_work(office_id="rep-lopez") as fast:
            assert preferences.preference_of(fast, "c-1", now=NOW).unsubscribe_token
            fast.commit()
        made = preferences.preference_of(slow, "c-1", now=NOW)
        late = ContactPreference.offer("c-1", "too-late", now=NOW)
        assert slow.preferences.add_if_new(late) is False and late.events == []
        slow.commit()

    with db.unit_of_work(office_id="rep-lopez") as uow:
        assert uow.preferences.get("c-1") == made
    assert made.unsubscribe_token != "too-late"


def test_only_a_change_later_than_the_kept_one_is_written_whoever_writes_first(
    db: Db, workers: Callable[[], Db]
) -> None:
    other_worker = workers()
    with db.unit_of_work(office_id="rep-lopez") as uow:
        uow.preferences.add_if_new(ContactPreference("c-1", "secret-1"))
        uow.commit()

    with db.unit_of_work(office_id="rep-lopez") as slow:
        earlier = slow.preferences.get("c-1")
        assert earlier is not None
        with other_worker.unit_of_work(office_id="rep-lopez") as fast:
            later = fast.preferences.get("c-1")
            assert later is not None and later.change(email_opted_out=True, at=NOW)
            fast.preferences.save(later)
            fast.commit()
        # Read before the later change committed, the earlier one looks new: the write says no.
        assert earlier.change(email_opted_out=False, at=NOW - timedelta(minutes=1))
        slow.preferences.save(earlier)
        slow.commit()

    with db.unit_of_work(office_id="rep-lopez") as uow:
        kept = uow.preferences.get("c-1")
        assert kept == ContactPreference("c-1", "secret-1", email_opted_out=True, changed_at=NOW)
        assert kept is not None and kept.changed_at is not None
        assert kept.change(email_opted_out=False, at=NOW + timedelta(minutes=1))
        uow.preferences.save(kept)
        uow.commit()
    with db.unit_of_work(office_id="rep-lopez") as uow:
        back = uow.preferences.get("c-1")
        assert back is not None and not back.email_opted_out


def test_a_constituents_row_is_read_once_per_unit_of_work(
    workers: Callable[[], Db], db_backend: str
) -> None:
    if db_backend == "fake":
        pytest.skip("statements are the real repository's")
    db = workers()
    with db.unit_of_work(office_id="rep-lopez") as uow:
        uow.preferences.add_if_new(ContactPreference("c-1", "secret-1"))
        uow.commit()
    with statements_with("FROM contact_preferences") as statements:
        with db.unit_of_work(office_id="rep-lopez") as uow:
            first = uow.preferences.get("c-1")
            assert first is not None and uow.preferences.get("c-1") is first
            assert len(statements) == 1
            # That there is none is remembered too: a new constituent's plan asks twice.
            assert uow.preferences.get("c-2") is None and uow.preferences.get("c-2") is None
            assert len(statements) == 2
            made = ContactPreference.offer("c-2", "secret-2", now=NOW)
            assert uow.preferences.add_if_new(made)
            assert uow.preferences.get("c-2") is made
            assert len(statements) == 2
            # A STOP may move the row on: the next question reads it again.
            uow.preferences.stop_texts("c-1", NOW)
            again = uow.preferences.get("c-1")
            assert again is not None and again.texts_stopped_at is not None
            assert len(statements) == 3
            uow.commit()
        with db.unit_of_work(office_id="rep-lopez") as uow:
            assert uow.preferences.get("c-2") == made
        assert len(statements) == 4


def test_a_row_made_elsewhere_after_none_was_seen_is_read_afresh(
    workers: Callable[[], Db], db_backend: str
) -> None:
    """One transaction saw no row; another made it and committed; the first one's insert meets
    the conflict, and its next question finds the other's row, not the None it remembered."""
    db, other = workers(), workers()
    with db.unit_of_work(office_id="rep-lopez") as uow:
        assert uow.preferences.get("c-3") is None
        with other.unit_of_work(office_id="rep-lopez") as theirs:
            assert theirs.preferences.add_if_new(ContactPreference("c-3", "their-secret"))
            theirs.commit()
        assert not uow.preferences.add_if_new(ContactPreference("c-3", "my-secret"))
        found = uow.preferences.get("c-3")
        assert found is not None and found.unsubscribe_token == "their-secret"


def test_an_offices_row_is_read_once_per_batch_and_again_after_it_changes(
    workers: Callable[[], Db], db_backend: str
) -> None:
    if db_backend == "fake":
        pytest.skip("statements are the real repository's")
    db = workers()
    with db.unit_of_work(office_id="rep-lopez") as uow:
        uow.offices.record(OfficeSender("Office of Rep. Ana Lopez", "casework@lopez.example.gov"))
        uow.commit()
    renamed = OfficeSender("Office of Senator Ana Lopez", "casework@lopez.example.gov")
    registered = {
        "office_id": "rep-lopez",
        "name": renamed.name,
        "reply_to_email": renamed.reply_to_email,
    }
    senders: list[OfficeSender | None] = []

    def ask(uow: NotifyWork, event: Any) -> None:
        senders.append(uow.offices.sender())
        uow.offices.schedule()
        if event.event_id == "e-2":
            uow.offices.record(renamed)

    events = [
        incoming(OFFICE_REGISTERED, registered, office_id="rep-lopez", event_id=f"e-{n}")
        for n in range(1, 5)
    ]
    with statements_with("FROM offices") as statements:
        assert db.consume_batch(events, ask, claim=False) == {}

    # Four events of one office in one transaction: read once, and once more after e-2's change.
    assert len(statements) == 2
    assert [sender.name if sender else None for sender in senders] == [
        "Office of Rep. Ana Lopez",
        "Office of Rep. Ana Lopez",
        "Office of Senator Ana Lopez",
        "Office of Senator Ana Lopez",
    ]


# --- The staff side: roster, assignments, the bell ----------------------------------------------


def notification(user_id: str, cause: str, at: datetime) -> StaffNotification:
    return StaffNotification(
        notification_id=f"n-{user_id}-{cause}",
        user_id=user_id,
        case_id="case-1",
        reference="CW-2026-000042",
        kind="first_contact",
        summary="Contact the constituent",
        cause=cause,
        created_at=at,
    )


def test_the_roster_and_the_latest_assignment_are_kept_per_office(db: Db) -> None:
    sam = Colleague("u-sam", "Sam Rivera", "caseworker", True)
    with db.unit_of_work(office_id="rep-lopez") as uow:
        uow.staff.record(sam, NOW)
        uow.staff.record(dataclasses.replace(sam, role="supervisor", active=False), NOW)
        uow.assignments.record(Assignment("case-1", "u-ann", NOW + timedelta(hours=1)))
        uow.assignments.record(Assignment("case-1", "u-sam", NOW))  # older: arrived late
        uow.assignments.record(Assignment("case-2", "u-sam", NOW))
        uow.commit()

    with db.unit_of_work(office_id="rep-lopez") as uow:
        assert uow.staff.roster() == [Colleague("u-sam", "Sam Rivera", "supervisor", False)]
        assert uow.assignments.assignees(["case-1", "case-2", "case-3"]) == {
            "case-1": "u-ann",
            "case-2": "u-sam",
        }
        assert uow.assignments.assignees([]) == {}
    with db.unit_of_work(office_id="sen-okafor") as uow:
        assert uow.staff.roster() == []
        assert uow.assignments.assignees(["case-1"]) == {}


def test_the_bell_lists_newest_first_counts_unread_and_marks_only_its_owners(db: Db) -> None:
    with db.unit_of_work(office_id="rep-lopez") as uow:
        uow.notifications.add_all(
            [
                notification("u-ann", "r-1:1", NOW),
                notification("u-ann", "r-2:1", NOW + timedelta(minutes=1)),
                notification("u-sam", "r-1:1", NOW),
            ]
        )
        uow.commit()
    with db.unit_of_work(office_id="rep-lopez") as uow:
        # The same person and cause again (a replay) is skipped, not a second notification.
        uow.notifications.add_all([notification("u-ann", "r-1:1", NOW + timedelta(hours=1))])
        uow.commit()

    with db.unit_of_work(office_id="rep-lopez") as uow:
        listed = uow.notifications.for_person("u-ann", unread_only=False, limit=10)
        assert [n.cause for n in listed] == ["r-2:1", "r-1:1"]
        assert listed[1] == notification("u-ann", "r-1:1", NOW)
        assert uow.notifications.unread_count("u-ann") == 2
        assert uow.notifications.mark_read("u-ann", ["n-u-sam-r-1:1", "n-u-ann-r-1:1"], NOW) == 1
        assert uow.notifications.mark_read("u-ann", [], NOW) == 0
        uow.commit()
    with db.unit_of_work(office_id="rep-lopez") as uow:
        unread = uow.notifications.for_person("u-ann", unread_only=True, limit=10)
        assert [n.cause for n in unread] == ["r-2:1"]
        assert uow.notifications.for_person("u-ann", unread_only=False, limit=1)[0].cause == "r-2:1"
        assert uow.notifications.unread_count("u-sam") == 1
        assert uow.notifications.mark_read("u-ann", None, NOW) == 1
        uow.commit()
    with db.unit_of_work(office_id="rep-lopez") as uow:
        assert uow.notifications.unread_count("u-ann") == 0
        read = uow.notifications.for_person("u-ann", unread_only=False, limit=10)
        assert all(n.read_at == NOW for n in read)
    with db.unit_of_work(office_id="sen-okafor") as uow:
        assert uow.notifications.for_person("u-ann", unread_only=False, limit=10) == []
        assert uow.notifications.mark_read("u-ann", None, NOW) == 0


def test_a_cases_reminders_are_read_once_per_unit_of_work(
    workers: Callable[[], Db], db_backend: str
) -> None:
    if db_backend == "fake":
        pytest.skip("statements are the real repository's")
    db = workers()
    first_contact = case_key("case-1", ReminderKind.FIRST_CONTACT)
    unassigned = case_key("case-1", ReminderKind.UNASSIGNED)
    other_case = case_key("case-2", ReminderKind.FIRST_CONTACT)
    inquiry = inquiry_key("inquiry-1", "reply_due")
    reminder = Reminder.schedule(
        cancel_key=first_contact,
        case_id="case-1",
        reference="CW-2026-000042",
        kind=ReminderKind.FIRST_CONTACT,
        summary="Contact the constituent",
        due_at=NOW + timedelta(days=2),
        now=NOW,
    )
    with statements_with("FROM reminders") as statements:
        with db.unit_of_work(office_id="rep-lopez") as uow:
            assert uow.reminders.by_key(first_contact) is None  # reads case-1's reminders
            assert uow.reminders.by_key(first_contact) is None
            assert uow.reminders.by_key(unassigned) is None
            uow.reminders.add_if_new(reminder)
            assert uow.reminders.by_key(first_contact) is reminder
            assert len(statements) == 1
            assert uow.reminders.by_key(other_case) is None  # another case: read too
            assert uow.reminders.by_key(inquiry) is None  # not a case's key: by itself
            assert uow.reminders.by_key(inquiry) is None
            assert len(statements) == 3
            uow.commit()
        # Another unit of work reads again, and finds what the first committed.
        with db.unit_of_work(office_id="rep-lopez") as uow:
            found = uow.reminders.by_key(first_contact)
            assert uow.reminders.by_key(unassigned) is None
        assert found is not None and found.reminder_id == reminder.reminder_id
        assert len(statements) == 4


def scheduled(kind: ReminderKind, case_id: str = "case-1") -> Reminder:
    return Reminder.schedule(
        cancel_key=case_key(case_id, kind),
        case_id=case_id,
        reference="CW-2026-000042",
        kind=kind,
        summary=f"{kind.value} of {case_id}",
        due_at=NOW + timedelta(days=2),
        now=NOW,
    )


def test_reminders_added_later_go_in_one_statement_and_keep_a_key_taken_meanwhile(
    workers: Callable[[], Db], db_backend: str
) -> None:
    db, other_worker = workers(), workers()
    first_contact = scheduled(ReminderKind.FIRST_CONTACT)
    quiet = scheduled(ReminderKind.NO_ACTIVITY)
    unassigned = scheduled(ReminderKind.UNASSIGNED)
    with (
        statements_with("INSERT INTO reminders") as inserts,
        db.unit_of_work(office_id="rep-lopez") as uow,
    ):
        assert uow.reminders.by_key(unassigned.cancel_key) is None
        with other_worker.unit_of_work(office_id="rep-lopez") as theirs:
            reminders.cancel_reminder(
                theirs, "case-1", unassigned.cancel_key, ReminderKind.UNASSIGNED, NOW
            )
            theirs.commit()
        for reminder in (first_contact, quiet, unassigned):
            # As an opening schedules them: each asks about its key and the case first.
            reminders.schedule_new(uow, reminder)
        assert uow.reminders.by_key(quiet.cancel_key) == quiet  # answered before written
        uow.commit()
    if db_backend != "fake":
        # The other worker's tombstone, then this one's three reminders in one statement.
        assert len(inserts) == 2

    with db.unit_of_work(office_id="rep-lopez") as uow:
        kept = {r.cancel_key: r for r in uow.reminders.for_case("case-1")}
    assert kept[first_contact.cancel_key].reminder_id == first_contact.reminder_id
    assert kept[quiet.cancel_key].pending
    # The key taken meanwhile keeps the other worker's cancelled tombstone.
    assert kept[unassigned.cancel_key].reminder_id != unassigned.reminder_id
    assert kept[unassigned.cancel_key].state is ReminderState.CANCELLED


def test_a_reminder_added_later_whose_key_was_taken_is_not_saved_over_the_holder(
    workers: Callable[[], Db],
) -> None:
    db, other_worker = workers(), workers()
    mine = scheduled(ReminderKind.FIRST_CONTACT)
    with db.unit_of_work(office_id="rep-lopez") as uow:
        assert uow.reminders.by_key(mine.cancel_key) is None
        with other_worker.unit_of_work(office_id="rep-lopez") as theirs:
            assert theirs.reminders.add_if_new(scheduled(ReminderKind.FIRST_CONTACT))
            theirs.commit()
        uow.reminders.add_later(mine)
        mine.move_to(NOW + timedelta(days=5))
        with pytest.raises(ReminderChangedElsewhere):
            uow.reminders.save(mine)


UNASSIGNED = case_key("case-1", ReminderKind.UNASSIGNED)
Step = Callable[[NotifyWork], None]


def schedule_unassigned(uow: NotifyWork) -> None:
    reminder = Reminder.schedule(
        cancel_key=UNASSIGNED,
        case_id="case-1",
        reference="CW-2026-000042",
        kind=ReminderKind.UNASSIGNED,
        summary="Nobody has taken this case",
        due_at=NOW + timedelta(days=1),
        now=NOW,
    )
    reminders.schedule_new(uow, reminder)


def cancel_unassigned(uow: NotifyWork) -> None:
    reminders.cancel_reminder(uow, "case-1", UNASSIGNED, ReminderKind.UNASSIGNED, NOW)


@pytest.mark.parametrize(
    ("slow_step", "fast_step"),
    [
        pytest.param(cancel_unassigned, schedule_unassigned, id="opening-committed-first"),
        pytest.param(schedule_unassigned, cancel_unassigned, id="assignment-committed-first"),
    ],
)
def test_an_opening_and_its_assignment_heard_at_once_leave_the_key_cancelled(
    db: Db, workers: Callable[[], Db], slow_step: Step, fast_step: Step
) -> None:
    # The slow worker looks at the key, the fast one commits its step on the same key, then
    # the slow one takes its own step: no clash rolls it back, whichever came first.
    other_worker = workers()
    with db.unit_of_work(office_id="rep-lopez") as slow:
        assert slow.reminders.by_key(UNASSIGNED) is None
        with other_worker.unit_of_work(office_id="rep-lopez") as fast:
            fast_step(fast)
            fast.commit()
        slow_step(slow)
        slow.commit()

    with db.unit_of_work(office_id="rep-lopez") as uow:
        kept = uow.reminders.by_key(UNASSIGNED)
        assert kept is not None and kept.state is ReminderState.CANCELLED and not kept.pending
        assert [r.cancel_key for r in uow.reminders.for_case("case-1")] == [UNASSIGNED]


def test_only_a_case_key_names_its_case() -> None:
    assert case_of_key(case_key("3f6c-case:odd", ReminderKind.NO_ACTIVITY)) == "3f6c-case:odd"
    assert case_of_key(inquiry_key("inquiry-1", "overdue:second")) is None
    assert case_of_key("case:") is None and case_of_key("case:no-purpose") is None
