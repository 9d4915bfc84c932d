"""Cases under load in ONE office: start cases process(es) on a scratch PostgreSQL database and
RabbitMQ vhost, register a few caseworkers, publish N `intake.submission_received` events for
one office straight to RabbitMQ, and print cases opened/s and event -> case-opened latency.

    python bench/cases_open.py -n 3000                      # backlog: all events at once
    python bench/cases_open.py -n 3000 --rate 100           # latency at a fixed offered rate
    python bench/cases_open.py -n 3000 --processes 2        # two competing cases instances
    python bench/cases_open.py --source /tmp/cases-old      # measure another checkout

Everything it creates is its own and is removed at the end, whatever happens: the database
`casework_bench_cases_<pid>`, the vhost `bench-cases-<pid>`, and the cases processes it started
(stopped by PID). Latency runs from just before an event is published to the moment its
`cases.case_opened` reaches a queue this script binds, so it includes the cases consumer, its
commit and its outbox relay. Afterwards the database is checked: one case per submission,
distinct references, and how evenly the caseworkers were given cases.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pika
import psycopg2
import requests
from common import percentile

from services.chassis.messaging import new_envelope
from services.chassis.testing import free_port
from services.contracts import contract_for

REPO_ROOT = Path(__file__).resolve().parent.parent
OFFICE = "rep-bench"
EXCHANGE = "casework.events"
CATEGORIES = ("social_security", "veterans", "passport", "immigration")


@dataclass
class Observed:
    published_at: dict[str, float] = field(default_factory=dict)
    published_wall: dict[str, float] = field(default_factory=dict)
    opened_at: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def submission(n: int) -> dict[str, object]:
    return {
        "submission_id": str(uuid.uuid4()),
        "tracking_code": f"B{n:04d}-BNCH"[-9:],
        "constituent_id": str(uuid.uuid4()),
        "constituent_name": f"Bench Mark{n}",
        "contact_email": f"bench-{n}@example.org",
        "preferred_language": "en",
        "channel": "web",
        "category": CATEGORIES[n % len(CATEGORIES)],
        "agency_hint": None,
        "subject": "Benchmark request",
        "urgent": False,
        "privacy_release_signed": True,
        "received_at": datetime.now(UTC).isoformat(),
    }


class Broker:
    """A scratch vhost, created and deleted through the management API."""

    def __init__(self, management_url: str, amqp_host: str, vhost: str) -> None:
        self.management_url = management_url.rstrip("/")
        self.vhost = vhost
        self.quoted = urllib.parse.quote(vhost, safe="")
        self.amqp_uri = f"amqp://guest:guest@{amqp_host}:5672/{self.quoted}"

    def create(self) -> None:
        api = f"{self.management_url}/api"
        requests.put(f"{api}/vhosts/{self.quoted}", timeout=10).raise_for_status()
        requests.put(
            f"{api}/permissions/{self.quoted}/guest",
            json={"configure": ".*", "write": ".*", "read": ".*"},
            timeout=10,
        ).raise_for_status()

    def queue_depths(self) -> dict[str, object]:
        queues = requests.get(f"{self.management_url}/api/queues/{self.quoted}", timeout=10)
        return {queue["name"]: queue.get("messages") for queue in queues.json()}

    def delete(self) -> None:
        requests.delete(f"{self.management_url}/api/vhosts/{self.quoted}", timeout=10)


class Database:
    """A scratch PostgreSQL database for cases."""

    def __init__(self, admin_dsn: str, name: str) -> None:
        self.admin_dsn = admin_dsn
        self.name = name
        base, _, _ = admin_dsn.rpartition("/")
        self.dsn = f"{base}/{name}"
        self.url = self.dsn.replace("postgresql://", "postgresql+psycopg2://", 1)

    def _admin(self, statement: str) -> None:
        connection = psycopg2.connect(self.admin_dsn)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    def create(self) -> None:
        self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def scalar(self, query: str, *args: object) -> object:
        connection = psycopg2.connect(self.dsn)
        try:
            with connection.cursor() as cursor:
                cursor.execute(query, args)
                row = cursor.fetchone()
                return row[0] if row else None
        finally:
            connection.close()

    def rows(self, query: str, *args: object) -> list[tuple[object, ...]]:
        connection = psycopg2.connect(self.dsn)
        try:
            with connection.cursor() as cursor:
                cursor.execute(query, args)
                return list(cursor.fetchall())
        finally:
            connection.close()


def wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def start_cases(source: Path, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    nameko = Path(sys.executable).parent / "nameko"
    log = log_path.open("wb")
    return subprocess.Popen(
        [str(nameko), "run", "services.cases.service", "--config", "services/cases/config.yaml"],
        cwd=source,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def listen(amqp_uri: str, queue: str, stop_event: threading.Event, seen: Observed) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    for method, _, raw in channel.consume(queue, auto_ack=True, inactivity_timeout=0.2):
        if stop_event.is_set():
            break
        if method is None:
            continue
        now = time.perf_counter()
        event = json.loads(raw)
        with seen.lock:
            seen.opened_at.setdefault(event["payload"]["submission_id"], now)
    channel.cancel()
    connection.close()


def publish(channel: object, event_type: str, payload: dict[str, object]) -> None:
    body = new_envelope(contract_for(event_type), payload, office_id=OFFICE)
    headers = {name: value for name, value in body.items() if name != "payload" and value}
    channel.basic_publish(  # type: ignore[attr-defined]
        EXCHANGE,
        event_type,
        json.dumps(body).encode(),
        pika.BasicProperties(
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
            headers=headers,
        ),
    )


def run(args: argparse.Namespace, broker: Broker, database: Database) -> int:
    source = Path(args.source).resolve()
    env = dict(os.environ)
    env.update(
        CASEWORK_CASES_DATABASE_URL=database.url,
        CASEWORK_AMQP_URI=broker.amqp_uri,
        CASEWORK_LOG_LEVEL=args.log_level,
        PYTHONPATH=str(source),
    )
    subprocess.run(
        [sys.executable, "-m", "services.chassis.migrate", "cases"], cwd=source, env=env, check=True
    )

    processes: list[subprocess.Popen[bytes]] = []
    addresses: list[str] = []
    try:
        for number in range(args.processes):
            address = f"127.0.0.1:{free_port()}"
            log_path = Path(f"/tmp/bench-cases-{os.getpid()}-{number}.log")
            processes.append(
                start_cases(source, {**env, "CASEWORK_CASES_HTTP_ADDRESS": address}, log_path)
            )
            addresses.append(address)
            print(f"cases pid {processes[-1].pid} on {address}, log {log_path}")
        for address in addresses:
            wait_for(
                lambda address=address: _ready(address),  # type: ignore[misc]
                60,
                f"cases on {address} to be ready",
            )
        return measure(args, broker, database)
    finally:
        for process in processes:
            stop(process)


def _ready(address: str) -> bool:
    try:
        return requests.get(f"http://{address}/ready", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def measure(args: argparse.Namespace, broker: Broker, database: Database) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(broker.amqp_uri))
    channel = connection.channel()
    # No publisher confirms: waiting for one per event would make the publisher the bottleneck.
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    channel.queue_declare(queue, durable=False, auto_delete=False)
    channel.queue_bind(queue, EXCHANGE, routing_key="cases.case_opened")

    for number in range(args.staff):
        publish(
            channel,
            "gateway.staff_member_added",
            {
                "user_id": f"u-{number}",
                "display_name": f"Caseworker {number}",
                "role": "caseworker",
            },
        )
    try:
        wait_for(
            lambda: database.scalar("SELECT count(*) FROM staff_members") == args.staff,
            60,
            "the caseworkers to reach the roster",
        )
    except SystemExit:
        print(broker.queue_depths(), file=sys.stderr)
        raise

    seen = Observed()
    stop_event = threading.Event()
    listener = threading.Thread(
        target=listen, args=(broker.amqp_uri, queue, stop_event, seen), daemon=True
    )
    listener.start()

    interval = 1 / args.rate if args.rate else 0.0
    started = time.perf_counter()
    next_at = started
    for number in range(args.submissions):
        if interval:
            next_at += interval
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        payload = submission(number)
        seen.published_at[str(payload["submission_id"])] = time.perf_counter()
        seen.published_wall[str(payload["submission_id"])] = time.time()
        publish(channel, "intake.submission_received", payload)
    published_seconds = time.perf_counter() - started
    connection.close()

    deadline = time.perf_counter() + args.wait
    while time.perf_counter() < deadline:
        with seen.lock:
            if len(seen.opened_at) >= args.submissions:
                break
        time.sleep(0.2)
    stop_event.set()
    listener.join(timeout=5)

    with seen.lock:
        opened = dict(seen.opened_at)
    latencies = [
        opened[submission_id] - sent
        for submission_id, sent in seen.published_at.items()
        if submission_id in opened
    ]
    last = max(opened.values(), default=started)
    ms = 1000.0
    print(
        f"submissions published   {args.submissions} for one office, {args.staff} caseworkers, "
        f"{args.processes} cases process(es)"
        + (f", {args.rate:.0f}/s offered" if args.rate else ", all at once")
    )
    print(f"publishing took         {published_seconds:.1f} s")
    print(f"case_opened received    {len(latencies)} of {args.submissions}")
    print(f"case_opened events/s    {len(latencies) / max(last - started, 1e-9):.1f}")
    print(
        f"event -> case_opened    {percentile(latencies, 50) * ms:.0f} / "
        f"{percentile(latencies, 99) * ms:.0f} ms   (p50 / p99, to the event's arrival)"
    )

    # The case row itself: opened_at is read by the handler as it starts (same clock as ours).
    cases = database.rows(
        "SELECT submission_id, reference, assigned_to_id, extract(epoch FROM opened_at) "
        "FROM cases WHERE office_id = %s",
        OFFICE,
    )
    in_db = [
        float(row[3]) - seen.published_wall[str(row[0])]  # type: ignore[arg-type]
        for row in cases
        if str(row[0]) in seen.published_wall
    ]
    if cases:
        span = max(float(row[3]) for row in cases) - min(seen.published_wall.values())  # type: ignore[arg-type]
        print(f"cases written/s         {len(cases) / max(span, 1e-9):.1f}   (by opened_at)")
        print(
            f"event -> opened_at      {percentile(in_db, 50) * ms:.0f} / "
            f"{percentile(in_db, 99) * ms:.0f} ms   (p50 / p99, before the relay)"
        )
    submissions = Counter(row[0] for row in cases)
    references = [str(row[1]) for row in cases]
    shares = Counter(str(row[2]) for row in cases)
    numbers = sorted(int(reference.rsplit("-", 1)[1]) for reference in references)
    gaps = (numbers[-1] - len(numbers)) if numbers else 0
    print(
        f"check                   {len(cases)} cases, "
        f"{sum(1 for count in submissions.values() if count > 1)} submissions with >1 case, "
        f"{len(references) - len(set(references))} duplicate references, {gaps} gaps, "
        f"shares {sorted(shares.values())}"
    )
    healthy = (
        len(latencies) == args.submissions
        and len(cases) == args.submissions
        and len(set(references)) == len(references)
        and max(shares.values(), default=0) - min(shares.values(), default=0) <= 1
    )
    return 0 if healthy else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--submissions", type=int, default=2000)
    parser.add_argument("--staff", type=int, default=3, help="caseworkers in the office")
    parser.add_argument("--rate", type=float, default=0, help="events/s offered (0: all at once)")
    parser.add_argument("--processes", type=int, default=1, help="cases processes to start")
    parser.add_argument("--source", default=str(REPO_ROOT), help="checkout to run cases from")
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait for cases")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument(
        "--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin DSN"
    )
    parser.add_argument("--management-url", default="http://guest:guest@127.0.0.1:15672")
    parser.add_argument("--amqp-host", default="127.0.0.1")
    args = parser.parse_args()

    pid = os.getpid()
    broker = Broker(args.management_url, args.amqp_host, f"bench-cases-{pid}")
    database = Database(args.postgres, f"casework_bench_cases_{pid}")
    broker.create()
    try:
        database.create()
        try:
            return run(args, broker, database)
        finally:
            database.drop()
    finally:
        broker.delete()


if __name__ == "__main__":
    sys.exit(main())
