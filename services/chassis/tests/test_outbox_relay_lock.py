"""Relays in several processes on one SQLite file (intake's worker and intake-web) take turns
through the file's relay lock, so no event goes out twice because two of them polled it."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.chassis.db import create_db_engine, new_metadata
from services.chassis.outbox import OutboxRelay
from services.chassis.uow import DatabaseAccess, UnitOfWork
from services.contracts import STAFF_MEMBER_ADDED

ROOT = Path(__file__).resolve().parents[3]
METADATA = new_metadata()
OUTBOX = METADATA.tables["outbox"]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, sessionmaker[Any]]]:
    url = f"sqlite:///{tmp_path}/intake.db"
    engine = create_db_engine(url)
    METADATA.create_all(engine)
    yield url, sessionmaker(engine)
    engine.dispose()


def lock_path(url: str) -> str:
    return url.removeprefix("sqlite:///") + ".relay.lock"


def write_events(sessions: sessionmaker[Any], count: int) -> list[str]:
    access: DatabaseAccess[UnitOfWork] = DatabaseAccess(
        sessions, METADATA, lambda: None, service="intake", unit_of_work_type=UnitOfWork
    )
    with access.unit_of_work(office_id="rep-a") as uow:
        for n in range(count):
            uow.emit(
                STAFF_MEMBER_ADDED, {"user_id": f"u-{n}", "display_name": "A", "role": "caseworker"}
            )
        uow.commit()
    with sessions() as session:
        return list(session.scalars(select(OUTBOX.c.event_id).order_by(OUTBOX.c.id)))


def lock_is_free(path: str) -> bool:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)


class RecordingPublisher:
    def __init__(self, while_publishing: Any = None) -> None:
        self.published: list[str] = []
        self.while_publishing = while_publishing

    def publish_many(
        self, messages: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]
    ) -> list[Exception | None]:
        if self.while_publishing:
            self.while_publishing()
        self.published.extend(body["event_id"] for body, _ in messages)
        return [None] * len(messages)

    def close(self) -> None:
        pass


def relay(sessions: sessionmaker[Any], publisher: RecordingPublisher) -> OutboxRelay:
    return OutboxRelay(sessions, OUTBOX, publisher, service="intake")  # type: ignore[arg-type]


def test_a_relay_holds_the_files_relay_lock_while_it_publishes_and_frees_it_after(
    database: tuple[str, sessionmaker[Any]],
) -> None:
    url, sessions = database
    write_events(sessions, 3)
    seen: list[bool] = []
    publisher = RecordingPublisher(lambda: seen.append(lock_is_free(lock_path(url))))

    assert relay(sessions, publisher).publish_batch() == 3

    assert seen == [False]
    assert lock_is_free(lock_path(url))


def test_a_relay_waits_for_the_lock_another_process_holds_and_gives_up_only_when_stopping(
    database: tuple[str, sessionmaker[Any]],
) -> None:
    url, sessions = database
    ids = write_events(sessions, 2)
    other = os.open(lock_path(url), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other, fcntl.LOCK_EX)  # another open file: conflicts like another process
    try:
        stopping = relay(sessions, RecordingPublisher())
        stopping.stop()
        assert stopping.publish_batch() == 0

        publisher = RecordingPublisher()
        waiting = threading.Thread(target=relay(sessions, publisher).publish_batch)
        waiting.start()
        time.sleep(0.3)  # several of its retries
        assert publisher.published == []
    finally:
        os.close(other)
    waiting.join(timeout=10)
    assert publisher.published == ids


# Each process: a relay over the shared file whose "broker" writes what it was given to a
# file, slowly enough that the two processes' batches overlap without the lock.
RELAY_PROCESS = """
import sys, time
from pathlib import Path
from sqlalchemy.orm import sessionmaker
from services.chassis.db import create_db_engine, new_metadata
from services.chassis.outbox import OutboxRelay

url, record, ready, go = sys.argv[1:5]

class SlowBroker:
    def publish_many(self, messages):
        with open(record, "a") as out:
            out.writelines(body["event_id"] + "\\n" for body, _ in messages)
        time.sleep(0.02)
        return [None] * len(messages)

relay = OutboxRelay(
    sessionmaker(create_db_engine(url)), new_metadata().tables["outbox"], SlowBroker(),
    service="intake", batch_size=10,
)
Path(ready).touch()
while not Path(go).exists():
    time.sleep(0.01)
while relay.publish_batch():
    pass
"""


def test_two_processes_relaying_one_sqlite_file_publish_every_event_exactly_once(
    database: tuple[str, sessionmaker[Any]], tmp_path: Path
) -> None:
    url, sessions = database
    ids = write_events(sessions, 200)
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                RELAY_PROCESS,
                url,
                str(tmp_path / f"published-{n}"),
                str(tmp_path / f"ready-{n}"),
                str(go),
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for n in range(2)
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{n}").exists() for n in range(2)):
        assert time.monotonic() < deadline, "the relay processes never started"
        assert all(p.poll() is None for p in processes), "a relay process failed to start"
        time.sleep(0.05)
    go.touch()
    assert [p.wait(timeout=60) for p in processes] == [0, 0]

    published = Counter(
        line
        for n in range(2)
        if (tmp_path / f"published-{n}").exists()
        for line in (tmp_path / f"published-{n}").read_text().split()
    )
    assert set(published) == set(ids)
    assert max(published.values()) == 1, "an event published by both relays"
    with sessions() as session:
        assert session.scalar(select(OUTBOX.c.id).where(OUTBOX.c.sent_at.is_(None))) is None
