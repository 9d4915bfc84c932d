"""The message sweep's SQL on SQLite and PostgreSQL (behind the tenant wall, as notify's roles):
the platform look-up of offices with messages due, each office's claim, and two sweepers
claiming at once on PostgreSQL, each message taken by one."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from services.chassis.db import utcnow
from services.chassis.statement_log import statements_with
from services.notify import sweeper
from services.notify.adapters.deliveries import offices_with_messages_due
from services.notify.domain.delivery import CASE_UPDATE, EMAIL, Cause, Delivery, DeliveryStatus
from services.notify.models import metadata

OFFICES = ("rep-lopez", "sen-okafor", "rep-demo")
LEASE = timedelta(seconds=15)


@pytest.fixture
def db(service_database: Callable[..., str]) -> Any:
    service_database("notify", metadata)
    return sweeper.open_database()


def queue(db: Any, office: str, count: int, send_after: Any, prefix: str = "") -> None:
    now = utcnow()
    with db.unit_of_work(office_id=office) as uow:
        for number in range(count):
            cause = Cause(
                f"sub-{number}", f"case-{number}", CASE_UPDATE, EMAIL, f"{prefix}n-{number}"
            )
            content = json.dumps({"note": "News"})
            uow.deliveries.add(
                Delivery.queued(cause, now=now, send_after=send_after, content=content)
            )
        uow.commit()


def test_the_platform_finds_the_offices_with_messages_due_longest_waiting_first(db: Any) -> None:
    now = utcnow()
    queue(db, "rep-lopez", 2, now - timedelta(minutes=1))
    queue(db, "sen-okafor", 1, now - timedelta(minutes=5))
    queue(db, "rep-demo", 3, now + timedelta(hours=10))  # held for quiet hours

    assert offices_with_messages_due(db, now, 10) == ["sen-okafor", "rep-lopez"]
    assert offices_with_messages_due(db, now, 1) == ["sen-okafor"]
    assert offices_with_messages_due(db, now + timedelta(hours=11), 10)[-1] == "rep-demo"


def test_with_nothing_due_the_sweep_reads_only_the_earliest_moment(db: Any) -> None:
    now = utcnow()
    queue(db, "rep-demo", 3, now + timedelta(hours=10))  # held for quiet hours

    with statements_with("FROM deliveries") as asked:
        assert offices_with_messages_due(db, now, 10) == []
    with statements_with("FROM deliveries") as due:
        assert offices_with_messages_due(db, now + timedelta(hours=11), 10) == ["rep-demo"]

    # Its plan, unlike grouping by office, never depends on the table's statistics.
    assert len(asked) == 1 and asked[0].startswith("SELECT min(deliveries.send_after)")
    assert "GROUP BY" not in asked[0]
    assert len(due) == 2 and "GROUP BY deliveries.office_id" in due[1]


def test_an_office_claims_only_its_own_due_messages_oldest_first(db: Any) -> None:
    now = utcnow()
    queue(db, "rep-lopez", 3, now - timedelta(minutes=1))
    queue(db, "sen-okafor", 2, now - timedelta(minutes=2))
    queue(db, "rep-lopez", 1, now + timedelta(hours=1), prefix="later-")

    with db.unit_of_work(office_id="rep-lopez") as uow:
        claimed = uow.deliveries.claim_swept(now, 10)
    assert len(claimed) == 3
    assert {d.occasion_id for d in claimed} == {"n-0", "n-1", "n-2"}
    assert all(d.status is DeliveryStatus.QUEUED and d.content for d in claimed)


def test_a_started_message_leaves_the_sweep_until_its_lease_ends_and_a_sent_one_for_good(
    db: Any,
) -> None:
    now = utcnow()
    queue(db, "rep-lopez", 2, now - timedelta(seconds=1))
    with db.unit_of_work(office_id="rep-lopez") as uow:
        first, second = uow.deliveries.claim_swept(now, 10)
        first.start(now, sender_address="casework@localhost", lease=LEASE)
        second.start(now, sender_address="casework@localhost", lease=LEASE)
        second.sent(1, at=now)
        uow.deliveries.save(first)
        uow.deliveries.save(second)
        uow.commit()

    assert offices_with_messages_due(db, now + timedelta(seconds=5), 10) == []
    with db.unit_of_work(office_id="rep-lopez") as uow:
        [again] = uow.deliveries.claim_swept(now + LEASE, 10)
    assert again.delivery_id == first.delivery_id and again.status is DeliveryStatus.SENDING


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_two_sweepers_claiming_at_once_take_different_messages(db: Any) -> None:
    now = utcnow()
    queue(db, "rep-lopez", 6, now - timedelta(seconds=1))
    other = sweeper.open_database()

    with db.unit_of_work(office_id="rep-lopez") as first:
        mine = first.deliveries.claim_swept(now, 4)
        with other.unit_of_work(office_id="rep-lopez") as second:
            theirs = second.deliveries.claim_swept(now, 10)

    assert len(mine) == 4 and len(theirs) == 2
    assert not {d.delivery_id for d in mine} & {d.delivery_id for d in theirs}
