"""The throughput ladder, in one run against a running system on PostgreSQL: PostgreSQL's raw
single-commit rate, intake alone (every other service paused), then the whole flow at rising
offered rates; one table at the end, with CPU per submission per process, PostgreSQL's and
RabbitMQ's included.

    ./scripts/run --postgres                                   # terminal 1
    python bench/ladder.py                                     # 25 .. 300/s, 20 s a step
    python bench/ladder.py --rates 50,100,250 --seconds 30

Between steps it waits until every casework queue is empty, so no step pays for the last.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import requests
from common import percentile
from intake_e2e import Figures, process_name, run_load

MANAGEMENT = "http://guest:guest@127.0.0.1:15672"
SERVICES = ("gateway", "intake", "cases", "agencies", "notify", "metrics")


def raw_commit_rate(dsn: str, seconds: float, threads: int) -> tuple[float, float]:
    """Commits/s of one-row INSERT transactions from `threads` connections, and PostgreSQL's
    CPU ms per commit: the floor under every transaction the services run."""
    with psycopg2.connect(dsn) as setup, setup.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS casework_bench_commits "
            "(id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())"
        )
    counts = [0] * threads
    stop = time.monotonic() + seconds

    def commit_loop(index: int) -> None:
        connection = psycopg2.connect(dsn)
        cursor = connection.cursor()
        while time.monotonic() < stop:
            cursor.execute("INSERT INTO casework_bench_commits DEFAULT VALUES")
            connection.commit()
            counts[index] += 1
        connection.close()

    cpu_before = cpu_seconds("postgresql")
    workers = [threading.Thread(target=commit_loop, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    cpu_spent = cpu_seconds("postgresql") - cpu_before
    with psycopg2.connect(dsn) as setup, setup.cursor() as cursor:
        cursor.execute("DROP TABLE casework_bench_commits")
    total = sum(counts)
    return total / seconds, cpu_spent / total * 1000 if total else float("nan")


def cpu_seconds(kind: str) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid, args in processes():
        if process_name(args) == kind:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += sum(int(value) for value in fields[11:15]) / ticks  # children's too
    return total


def processes() -> Iterator[tuple[int, list[bytes]]]:
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                yield int(pid), f.read().split(b"\0")
        except OSError:
            continue


@contextmanager
def paused(services: tuple[str, ...]) -> Iterator[None]:
    """SIGSTOP these services' processes for the block (they keep their connections), then
    SIGCONT them."""
    pids = [pid for pid, args in processes() if process_name(args) in services]
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def wait_drained(timeout: float) -> bool:
    """Until every casework queue is empty (messages ready or unacked)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        queues = requests.get(f"{MANAGEMENT}/api/queues/%2F", timeout=10).json()
        if all(q.get("messages", 0) == 0 for q in queues if "--" in q["name"]):
            return True
        time.sleep(1)
    return False


def row(label: str, figures: Figures) -> str:
    ms = 1000.0
    kinds = (*SERVICES[1:], "postgresql", "rabbitmq")
    per = " ".join(f"{figures.cpu_ms_per_submission(k):5.1f}" for k in kinds)
    return (
        f"{label:<14}{figures.accepted_per_second:7.1f}"
        f"{percentile(figures.http, 50) * ms:8.0f}{percentile(figures.http, 99) * ms:7.0f}"
        f"{percentile(figures.opened, 50) * ms:8.0f}{percentile(figures.opened, 99) * ms:7.0f}"
        f"{percentile(figures.acknowledged, 99) * ms:8.0f}"
        f"   {per}  {figures.services_cpu_ms:6.1f} {figures.total_cpu_ms:6.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", default="25,50,100,150,200,250,300")
    parser.add_argument("--seconds", type=float, default=20, help="length of each rate step")
    parser.add_argument("--url", default="http://127.0.0.1:8001")
    parser.add_argument("--office", default="rep-demo")
    parser.add_argument("--amqp-uri", default="amqp://guest:guest@localhost:5672/%2F")
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--intake-requests", type=int, default=3000)
    args = parser.parse_args()
    load = dict(url=args.url, office=args.office, amqp_uri=args.amqp_uri)

    commits, pg_ms = raw_commit_rate(args.dsn, 5.0, threads=8)
    print(f"PostgreSQL raw commits/s {commits:.0f} ({pg_ms:.2f} ms of its CPU per commit)")
    wait_drained(120)

    rows: list[str] = []
    # Intake alone: everything else paused, so its queues fill; drained before the ladder.
    with paused(tuple(s for s in SERVICES if s != "intake")):
        alone = run_load(**load, requests=args.intake_requests, clients=16, wait=0)
    rows.append(row("intake alone", alone))
    print(rows[-1], flush=True)
    wait_drained(600)

    for rate in (float(r) for r in args.rates.split(",")):
        figures = run_load(
            **load,
            requests=int(rate * args.seconds),
            clients=max(8, min(64, int(rate / 5))),
            rate=rate,
            wait=60,
        )
        rows.append(row(f"flow {rate:.0f}/s", figures))
        print(rows[-1], flush=True)
        if not wait_drained(600):
            print("queues did not drain in 10 minutes; stopping the ladder")
            break

    kinds = " ".join(f"{k[:5]:>5}" for k in (*SERVICES[1:], "pg", "rmq"))
    print()
    print(f"PostgreSQL raw single-row commits: {commits:.0f}/s, {pg_ms:.2f} ms CPU per commit")
    print(
        f"{'step':<14}{'acc/s':>7}{'http50':>8}{'99':>7}{'open50':>8}{'99':>7}{'ack99':>8}"
        f"   {kinds}  {'svc':>6} {'all':>6}   (latencies ms; CPU ms per submission)"
    )
    for line in rows:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
