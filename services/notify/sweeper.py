"""The reminder sweep outside the service: `python -m services.notify.sweeper [--rounds N]`.

Opens notify's database as the service does (its role for offices' work, the platform role to
find offices with reminders due), runs the sweep `--rounds` times (0: until a sweep finds
nothing due), or with `--watch` ticks as the service's timer does, and prints what it fired
as JSON. For legislature IT clearing a backlog by hand while notify is stopped, for the
benchmark, and for the tests that race two sweepers: it is the same code the service's timer
runs, so any number of them may run at once.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import eventlet
from sqlalchemy.orm import sessionmaker

from services.chassis.config import env_int, load_settings
from services.chassis.db import create_db_engine, utcnow
from services.chassis.uow import DatabaseAccess
from services.notify import firing
from services.notify.adapters.reminders import next_due_reminder, offices_with_due_reminders
from services.notify.models import metadata
from services.notify.repository import NotifyUnitOfWork


def open_database() -> DatabaseAccess[NotifyUnitOfWork]:
    settings = load_settings("notify")
    engine = create_db_engine(settings.database_url)
    platform = (
        engine
        if settings.platform_database_url == settings.database_url
        else create_db_engine(settings.platform_database_url, pool_size=2)
    )
    return DatabaseAccess(
        sessionmaker(engine, expire_on_commit=False),
        metadata,
        lambda: None,  # the service's relay publishes the outbox; here it only fills
        service="notify",
        unit_of_work_type=NotifyUnitOfWork,
        platform_sessions=sessionmaker(platform, expire_on_commit=False),
    )


def sweep(db: Any, rounds: int = 0) -> dict[str, Any]:
    """Sweep `rounds` times (0: until nothing is due); what fired and how long it took."""
    started = time.perf_counter()
    fired, done = 0, 0
    while True:
        count = firing.fire_due_reminders(
            db, lambda now, limit: offices_with_due_reminders(db, now, limit), utcnow
        )
        fired += count
        done += 1
        if (rounds and done >= rounds) or (not rounds and count == 0):
            break
    return {"fired": fired, "sweeps": done, "seconds": round(time.perf_counter() - started, 3)}


def watch(db: Any, seconds: float, interval_ms: int, ahead_ms: int) -> dict[str, Any]:
    """Tick every `interval_ms` for `seconds` as the service's timer does: each tick sweeps,
    then fires what falls due before the next one at the moment it does."""
    ends = time.monotonic() + seconds
    interval = interval_ms / 1000
    fired, sweeps = 0, 0
    while time.monotonic() < ends:
        tick = time.monotonic()
        fired += firing.fire_within(
            db,
            lambda now, limit: offices_with_due_reminders(db, now, limit),
            lambda: next_due_reminder(db),
            utcnow,
            interval,
            firing.ahead_on(db, ahead_ms),
        )
        sweeps += 1
        time.sleep(max(0.0, interval - (time.monotonic() - tick)))
    return {"fired": fired, "sweeps": sweeps, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=0, help="sweeps to run (0: until idle)")
    parser.add_argument(
        "--watch", type=float, default=0, help="instead, sweep for this many seconds"
    )
    parser.add_argument("--interval-ms", type=int, default=250, help="between watched sweeps")
    parser.add_argument(
        "--ahead-ms",
        type=int,
        default=env_int("CASEWORK_NOTIFY_REMINDER_AHEAD_MS", 3000),
        help="prepare a moment's reminders this long before it (PostgreSQL; 0: off)",
    )
    arguments = parser.parse_args(argv)
    # As `nameko run` does for notify: psycopg2 and sleeps cooperative, so the sweep's lanes
    # overlap one transaction's database work with another's Python.
    eventlet.monkey_patch()
    db = open_database()
    if arguments.watch:
        print(json.dumps(watch(db, arguments.watch, arguments.interval_ms, arguments.ahead_ms)))
    else:
        print(json.dumps(sweep(db, arguments.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
