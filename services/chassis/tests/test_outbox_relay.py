"""The relay publishes pending events in order, marks them sent, and keeps what failed."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.orm import DeclarativeBase, sessionmaker

from services.chassis import outbox
from services.chassis.db import create_db_engine, new_metadata
from services.chassis.outbox import OutboxRelay
from services.chassis.uow import DatabaseAccess, UnitOfWork
from services.contracts import STAFF_MEMBER_ADDED


class Base(DeclarativeBase):
    metadata = new_metadata()


class FakePublisher:
    def __init__(self, fail_on: int | None = None) -> None:
        self.published: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.fail_on = fail_on

    def publish_many(
        self, messages: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]
    ) -> list[Exception | None]:
        """Confirms each message until the `fail_on`th, then loses the connection (the rest
        are unconfirmed), as `EventPublisher.publish_many` reports it."""
        outcomes: list[Exception | None] = []
        for body, headers in messages:
            if self.fail_on is not None and len(self.published) >= self.fail_on:
                outcomes.append(ConnectionError("broker away"))
                continue
            self.published.append((dict(body), dict(headers)))
            outcomes.append(None)
        return outcomes


@pytest.fixture
def sessions(service_database: Callable[[str, MetaData], str]) -> Iterator[sessionmaker[Any]]:
    engine = create_db_engine(service_database("chassis", Base.metadata))
    yield sessionmaker(engine)
    engine.dispose()


def write_events(sessions: sessionmaker[Any], count: int) -> list[str]:
    access: DatabaseAccess[UnitOfWork] = DatabaseAccess(
        sessions, Base.metadata, lambda: None, service="cases", unit_of_work_type=UnitOfWork
    )
    with access.unit_of_work(office_id="rep-a") as uow:
        for n in range(count):
            uow.emit(
                STAFF_MEMBER_ADDED,
                {"user_id": f"u-{n}", "display_name": "A", "role": "caseworker"},
            )
        uow.commit()
    outbox = Base.metadata.tables["outbox"]
    with sessions() as session:
        return list(session.scalars(select(outbox.c.event_id).order_by(outbox.c.id)))


def relay(
    sessions: sessionmaker[Any], publisher: FakePublisher, batch_size: int = 200
) -> OutboxRelay:
    return OutboxRelay(
        sessions,
        Base.metadata.tables["outbox"],
        publisher,  # type: ignore[arg-type]
        service="chassis",
        batch_size=batch_size,
    )


def pending(sessions: sessionmaker[Any]) -> list[Any]:
    outbox = Base.metadata.tables["outbox"]
    with sessions() as session:
        return list(session.execute(select(outbox).where(outbox.c.sent_at.is_(None))).mappings())


def test_pending_events_are_published_in_order_with_their_envelope(sessions: Any) -> None:
    ids = write_events(sessions, 3)
    publisher = FakePublisher()

    assert relay(sessions, publisher).publish_batch() == 3

    assert [body["event_id"] for body, _ in publisher.published] == ids
    body, headers = publisher.published[0]
    assert body["event_type"] == "gateway.staff_member_added" and body["office_id"] == "rep-a"
    assert body["payload"]["user_id"] == "u-0"
    assert headers["event_id"] == ids[0] and headers["schema_version"] == 1
    assert pending(sessions) == []


def test_a_broker_failure_keeps_the_rest_pending_and_a_later_run_publishes_each_once(
    sessions: Any,
) -> None:
    ids = write_events(sessions, 5)
    failing = FakePublisher(fail_on=2)

    with pytest.raises(ConnectionError):
        relay(sessions, failing).publish_batch()

    left = pending(sessions)
    assert [row["event_id"] for row in left] == ids[2:]
    assert all(row["attempts"] == 1 and row["last_error"] == "ConnectionError" for row in left)
    healthy = FakePublisher()
    relay(sessions, healthy).publish_batch()
    assert [body["event_id"] for body, _ in failing.published + healthy.published] == ids
    assert pending(sessions) == []


def test_large_backlogs_go_out_in_batches(sessions: Any) -> None:
    write_events(sessions, 5)
    publisher = FakePublisher()
    outbox_relay = relay(sessions, publisher, batch_size=2)

    assert [outbox_relay.publish_batch() for _ in range(4)] == [2, 2, 1, 0]
    assert len(publisher.published) == 5


def test_pending_count_and_age_are_exposed_as_gauges(sessions: Any) -> None:
    from prometheus_client import REGISTRY

    write_events(sessions, 2)
    relay(sessions, FakePublisher()).observe()
    assert REGISTRY.get_sample_value("casework_chassis_outbox_pending") == 2
    age = REGISTRY.get_sample_value("casework_chassis_outbox_oldest_pending_seconds")
    assert age is not None and 0 <= age < 60


def test_polls_skip_what_was_sent_long_ago_and_a_sweep_finds_a_late_committer(
    sessions: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("services.chassis.outbox.time.monotonic", lambda: clock[0])
    publisher = FakePublisher()
    outbox_relay = relay(sessions, publisher)
    write_events(sessions, 3)
    assert outbox_relay.publish_batch() == 3
    clock[0] += outbox.GRACE_SECONDS
    write_events(sessions, 1)
    assert outbox_relay.publish_batch() == 1
    # The first three are now behind the polls' mark: a row below it, whose transaction took
    # longer than the grace period to commit, is not seen by the next poll...
    late = _late_row(sessions)
    assert outbox_relay.publish_batch() == 0
    # ...but by the sweep, which reads from the first row.
    clock[0] += outbox.SWEEP_SECONDS
    assert outbox_relay.publish_batch() == 1
    assert publisher.published[-1][0]["event_id"] == late
    assert pending(sessions) == []


def _late_row(sessions: sessionmaker[Any]) -> str:
    """A pending row with an id below every row published so far, as a transaction that took
    its id early and committed late leaves."""
    table = Base.metadata.tables["outbox"]
    with sessions() as session, session.begin():
        first = session.execute(select(table).order_by(table.c.id).limit(1)).mappings().one()
        # Its id, taken early: the published row that holds it makes way.
        session.execute(table.delete().where(table.c.id == first["id"]))
        session.execute(table.insert(), {**first, "event_id": "late-event", "sent_at": None})
    return "late-event"


class RefusingPublisher(FakePublisher):
    """Refuses the events whose ids it is given, for as long as it is told to."""

    def __init__(self, refused: set[str]) -> None:
        super().__init__()
        self.refused = refused

    def publish_many(
        self, messages: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]
    ) -> list[Exception | None]:
        outcomes: list[Exception | None] = []
        for body, headers in messages:
            if body["event_id"] in self.refused:
                outcomes.append(ConnectionError("refused"))
            else:
                self.published.append((dict(body), dict(headers)))
                outcomes.append(None)
        return outcomes


def test_the_polls_mark_never_passes_a_row_still_to_be_sent(
    sessions: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("services.chassis.outbox.time.monotonic", lambda: clock[0])
    ids = write_events(sessions, 3)
    publisher = RefusingPublisher({ids[1]})
    outbox_relay = relay(sessions, publisher)

    with pytest.raises(ConnectionError):
        outbox_relay.publish_batch()
    clock[0] += outbox.GRACE_SECONDS
    write_events(sessions, 1)
    publisher.refused.clear()
    outbox_relay.publish_batch()  # no sweep yet: only the polls' mark decides what is read

    assert ids[1] in {body["event_id"] for body, _ in publisher.published}
    assert pending(sessions) == []


def test_rows_refused_again_and_again_are_parked_and_hold_up_no_others(
    sessions: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("services.chassis.outbox.time.monotonic", lambda: clock[0])
    monkeypatch.setattr("services.chassis.outbox.PARK_AFTER_ATTEMPTS", 2)
    ids = write_events(sessions, 3)
    # The first two are refused for good (events a broker cannot route, say): with a batch of
    # two, they would fill every poll.
    publisher = RefusingPublisher(set(ids[:2]))
    outbox_relay = relay(sessions, publisher, batch_size=2)

    for _ in range(3):
        with contextlib.suppress(ConnectionError):
            outbox_relay.publish_batch()

    assert [body["event_id"] for body, _ in publisher.published] == [ids[2]]
    # Later rows go out past them; a row that committed late below the polls' mark is found
    # by the next sweep, which pages past the parked rows.
    clock[0] += outbox.GRACE_SECONDS
    later = write_events(sessions, 3)[3:]
    outbox_relay.publish_batch()
    outbox_relay.publish_batch()
    clock[0] += outbox.GRACE_SECONDS
    outbox_relay.publish_batch()
    late = _late_row_after(sessions)
    assert outbox_relay.publish_batch() == 0
    clock[0] += outbox.SWEEP_SECONDS
    for _ in range(4):
        with contextlib.suppress(ConnectionError):
            outbox_relay.publish_batch()

    published = [body["event_id"] for body, _ in publisher.published]
    assert set(later) <= set(published) and late in published
    assert sorted(row["event_id"] for row in pending(sessions)) == sorted(ids[:2])


def _late_row_after(sessions: sessionmaker[Any]) -> str:
    """A pending row whose id lies among rows already sent, behind rows that keep failing."""
    table = Base.metadata.tables["outbox"]
    with sessions() as session, session.begin():
        sent = (
            session.execute(
                select(table).where(table.c.sent_at.is_not(None)).order_by(table.c.id).limit(1)
            )
            .mappings()
            .one()
        )
        session.execute(table.delete().where(table.c.id == sent["id"]))
        session.execute(table.insert(), {**sent, "event_id": "late-event", "sent_at": None})
    return "late-event"
