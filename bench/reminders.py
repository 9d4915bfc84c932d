"""Reminders at legislature scale, on PostgreSQL behind the tenant wall.

    python bench/reminders.py [--pending 1000000] [--offices 500] [--due 10000]

Loads `--pending` reminders across `--offices` offices (`--due` of them falling due at one
moment `--lead` seconds after the sweepers start, the rest over the next 60 days), then for 1
and for 2 sweeper processes (the service's own sweep, `python -m services.notify.sweeper
--watch`, every 250 ms as notify's timer) measures: the time from that moment until every due
reminder has fired, lateness p50 and p99 (fired minus due, as the events say), the same seen
from outside (`visible_*`: when a reader polling every 20 ms first counted that share of the
firings committed), how many occurrences fired twice (the outbox holds one
`notify.reminder_due` per firing), and how many bells rang (each due case is a caseworker's:
one notification each). It ends with EXPLAIN ANALYZE of the two queries a sweep
runs at this size: the platform's look-up of offices with something due, and one office's
claim. Goal (issue "Reminders at legislature scale"): all fired within 10 s, p99 < 1 s, 0 twice.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2
from common import percentile
from sqlalchemy import create_engine, text

from services.chassis.testing import fresh_postgres_database, reset_schema, wall_database
from services.notify.models import metadata

ROOT = Path(__file__).resolve().parent.parent


def libpq(url: str) -> str:
    """SQLAlchemy's URL as psycopg2 takes it."""
    return url.replace("postgresql+psycopg2://", "postgresql://", 1)


DATABASE = "casework_bench_reminders"
CASEWORKERS = 5  # per office; each due case is given to one of them
COLUMNS = (
    "reminder_id, office_id, cancel_key, case_id, reference, kind, audience, summary, state, "
    "due_at, created_at, repeat_days, occurrence"
)
# Named columns, so a column added later (nullable, or with a default) does not break the COPY.
COPIED = {
    "reminders": COLUMNS,
    "staff": "office_id, user_id, display_name, role, active, updated_at",
}


def load(url: str, pending: int, offices: int, due: int, due_at: datetime) -> float:
    """COPY the reminders in (as the administrator); seconds taken."""
    started = time.perf_counter()
    rng = random.Random(7)
    created = due_at - timedelta(days=3)
    buffer, assignees = io.StringIO(), io.StringIO()
    for number in range(pending):
        office = f"office-{number % offices:03d}"
        case_id = str(uuid.UUID(int=rng.getrandbits(128)))
        when = due_at if number < due else due_at + timedelta(minutes=rng.randint(10, 86_400))
        buffer.write(
            f"{uuid.uuid4()}\t{office}\tcase:{case_id}:first_contact\t{case_id}\t"
            f"CW-2026-{number:07d}\tfirst_contact\tcaseworker\tContact the constituent\tpending\t"
            f"{when.isoformat()}\t{created.isoformat()}\t\\N\t0\n"
        )
        if number < due:  # each due case is someone's: its reminder rings their bell
            assignees.write(
                f"{office}\t{case_id}\tu-{number % CASEWORKERS}\t{created.isoformat()}\n"
            )
    roster = io.StringIO()
    for number in range(offices):
        for person in range(CASEWORKERS):
            roster.write(f"office-{number:03d}\tu-{person}\tCaseworker {person}\tcaseworker\tt\t")
            roster.write(f"{created.isoformat()}\n")
    connection = psycopg2.connect(libpq(url))
    with connection, connection.cursor() as cursor:
        for table, rows in (
            ("reminders", buffer),
            ("case_assignees", assignees),
            ("staff", roster),
        ):
            rows.seek(0)
            columns = f" ({COPIED[table]})" if table in COPIED else ""
            cursor.copy_expert(f"COPY {table}{columns} FROM STDIN", rows)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reminders")
    connection.close()
    return time.perf_counter() - started


def reset(url: str, due_at: datetime) -> None:
    """The fired reminders pending again, due at `due_at`; the outbox emptied."""
    connection = psycopg2.connect(libpq(url))
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reminders SET state = 'pending', occurrence = 0, fired_at = NULL, "
            "due_at = %s WHERE state = 'fired'",
            (due_at,),
        )
        cursor.execute("DELETE FROM outbox")
        cursor.execute("DELETE FROM staff_notifications")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reminders")
        cursor.execute("VACUUM ANALYZE outbox")
    connection.close()


def race(instances: int, env: dict[str, str], due_at: datetime, watch: float) -> list[dict]:
    command = [sys.executable, "-m", "services.notify.sweeper", "--watch", str(watch)]
    racers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(instances)
    ]
    return [json.loads(racer.communicate(timeout=watch + 120)[0]) for racer in racers]


class Watcher(threading.Thread):
    """When the firings become visible, seen from outside: counts the committed
    `notify.reminder_due` rows every 20 ms (a connection of its own, as any reader), so the
    lateness measured does not rest on the time the sweeper wrote into its events."""

    def __init__(self, url: str, due: int) -> None:
        super().__init__(daemon=True)
        self.url, self.due = url, due
        self.seen: list[tuple[datetime, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        connection = psycopg2.connect(libpq(self.url))
        connection.autocommit = True
        with connection.cursor() as cursor:
            while not self.stop.is_set():
                cursor.execute(
                    "SELECT count(*) FROM outbox WHERE event_type = 'notify.reminder_due'"
                )
                (count,) = cursor.fetchone()
                self.seen.append((datetime.now(UTC), count))
                if count >= self.due:
                    break
                time.sleep(0.02)
        connection.close()

    def visible_after(self, due_at: datetime, share: float) -> float | None:
        """Seconds from `due_at` until `share` of the due firings were visible."""
        wanted = share * self.due
        for moment, count in self.seen:
            if count >= wanted:
                return round((moment - due_at).total_seconds(), 3)
        return None


def measure(url: str, due: int, due_at: datetime) -> dict[str, object]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT payload FROM outbox WHERE event_type = 'notify.reminder_due'")
        ).all()
    events = [
        row.payload if isinstance(row.payload, dict) else json.loads(row.payload) for row in rows
    ]
    fired = [datetime.fromisoformat(event["fired_at"]) for event in events]
    lateness = [
        (
            datetime.fromisoformat(e["fired_at"]) - datetime.fromisoformat(e["due_at"])
        ).total_seconds()
        for e in events
    ]
    twice = sum(
        n - 1 for n in Counter((e["reminder_id"], e["occurrence"]) for e in events).values()
    )
    with engine.connect() as connection:
        notified = connection.execute(text("SELECT count(*) FROM staff_notifications")).scalar()
    engine.dispose()
    return {
        "fired": len(events),
        "expected": due,
        "all_fired_within_s": round((max(fired) - due_at).total_seconds(), 3) if fired else None,
        "lateness_p50_s": round(percentile(lateness, 50), 3),
        "lateness_p99_s": round(percentile(lateness, 99), 3),
        "fired_twice": twice,
        "staff_notified": notified,
    }


def explain(service_url: str, platform_url: str, now: datetime) -> dict[str, str]:
    plans = {}
    engine = create_engine(platform_url)
    with engine.connect() as connection:
        plan = connection.execute(
            text(
                "EXPLAIN (ANALYZE, BUFFERS) SELECT office_id FROM reminders "
                "WHERE state = 'pending' AND due_at <= :now GROUP BY office_id "
                "ORDER BY min(due_at) LIMIT 500"
            ),
            {"now": now},
        )
        plans["offices_with_due"] = "\n".join(row[0] for row in plan)
    engine.dispose()
    engine = create_engine(service_url)
    with engine.begin() as connection:
        connection.execute(text("SELECT set_config('casework.office_id', 'office-007', true)"))
        plan = connection.execute(
            text(
                "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM reminders WHERE office_id = "
                "'office-007' AND state = 'pending' AND due_at <= :now ORDER BY due_at "
                "LIMIT 200 FOR UPDATE SKIP LOCKED"
            ),
            {"now": now},
        )
        plans["office_claim"] = "\n".join(row[0] for row in plan)
    engine.dispose()
    return plans


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--offices", type=int, default=500)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--watch", type=float, default=15.0, help="seconds each race runs")
    parser.add_argument(
        "--lead",
        type=float,
        default=8.0,
        help="seconds from starting the sweepers to the moment the reminders fall due",
    )
    arguments = parser.parse_args()

    url = fresh_postgres_database(DATABASE)
    reset_schema(url, metadata)
    service_url, platform_url = wall_database(url, "notify")
    env = {
        **os.environ,
        "CASEWORK_NOTIFY_DATABASE_URL": service_url,
        "CASEWORK_NOTIFY_PLATFORM_DATABASE_URL": platform_url,
        "PYTHONPATH": str(ROOT),
    }
    due_at = datetime.now(UTC) + timedelta(seconds=60)
    seconds = load(url, arguments.pending, arguments.offices, arguments.due, due_at)
    print(
        f"loaded {arguments.pending:,} reminders across {arguments.offices} offices "
        f"in {seconds:.1f} s"
    )
    results = {}
    for instances in (1, 2):
        due_at = datetime.now(UTC) + timedelta(seconds=arguments.lead)
        reset(url, due_at)
        if instances == 1:  # the load's due moment has passed: move them to this one
            connection = psycopg2.connect(libpq(url))
            with connection, connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE reminders SET due_at = %s WHERE reference < %s",
                    (due_at, f"CW-2026-{arguments.due:07d}"),
                )
            connection.close()
        watcher = Watcher(url, arguments.due)
        watcher.start()
        counts = race(instances, env, due_at, arguments.watch)
        watcher.stop.set()
        watcher.join()
        results[instances] = {
            **measure(url, arguments.due, due_at),
            "visible_p50_s": watcher.visible_after(due_at, 0.50),
            "visible_p99_s": watcher.visible_after(due_at, 0.99),
            "visible_all_s": watcher.visible_after(due_at, 1.0),
            "per_instance": [c["fired"] for c in counts],
        }
        print(f"{instances} sweeper(s): {json.dumps(results[instances])}")
    plans = explain(service_url, platform_url, datetime.now(UTC))
    for name, plan in plans.items():
        print(f"\nEXPLAIN ANALYZE {name} at {arguments.pending:,} rows:\n{plan}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
