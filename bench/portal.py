"""The constituent portal (intake-web) under load: the form page's latency at a fixed rate, and
what a submission costs through the form against one through the JSON API.

    CASEWORK_INTAKE_RATELIMIT_ENABLED=false ./scripts/run --postgres    # in one terminal
    python bench/portal.py --rate 20 --seconds 30 -n 300

1. `GET /o/<office>/` at `--rate` requests/s for `--seconds`: p50, p99, max and errors.
2. `-n` submissions through the form (each with its own form token, fetched first and used
   after the form's minimum fill time) and `-n` through `POST /api/v1/offices/<office>/
   submissions`, one client, in alternating blocks after a warm-up of each: requests/s,
   latency, and the CPU the intake-web process (its relay included) used per submission
   (from /proc, read once it went quiet after each block), so the two paths compare on cost.
The rate limits must be off on the system measured: this is one client sending hundreds of
requests a minute.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

from common import percentile

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
MIN_FILL_SECONDS = 3.5  # the portal's default time trap is 3 s


def intake_web_cpu_seconds() -> float:
    """CPU seconds used so far by the `python -m services.intake.portal` processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                args = handle.read().split(b"\0")
            if b"services.intake.portal" not in args:
                continue
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return total


class Client:
    """One keep-alive HTTP connection to the portal."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=30
        )

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers or {})
        response = self.connection.getresponse()
        data = response.read()
        return response.status, data, time.perf_counter() - started


def form_page_latency(base: str, office: str, rate: float, seconds: float) -> None:
    """Open-loop: a request every 1/rate s from a small pool of threads, so a slow answer does
    not slow the offered rate down."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    path = f"/o/{office}/"
    total = int(rate * seconds)
    start = time.perf_counter()

    def one() -> None:
        nonlocal errors
        client = Client(base)
        try:
            status, _, elapsed = client.request("GET", path)
        except OSError:
            status, elapsed = 0, 0.0
        with lock:
            if status == 200:
                latencies.append(elapsed)
            else:
                errors += 1

    threads = []
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=one)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    ms = sorted(value * 1000 for value in latencies)
    print(
        f"form page GET           {rate:.0f}/s for {seconds:.0f} s: {len(ms)} ok, {errors} errors; "
        f"p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, max {ms[-1]:.1f} ms"
    )


BOUNDARY = "----CaseworkBenchBoundary7MA4YWxkTrZu0gW"
FORM_CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def form_body(token: str, n: int) -> bytes:
    """The form as a browser posts it (`multipart/form-data`: it has a file input), with no
    file chosen: the empty, nameless file part a browser sends then."""
    fields = {
        "form_token": token,
        "website": "",
        "first_name": "Bench",
        "last_name": f"Constituent{n}",
        "email": f"bench{n}@example.org",
        "preferred_language": "en",
        "category": "veterans",
        "agency": "VA",
        "subject": f"Disability claim pending ({n})",
        "description": "Filed in March, no decision yet.",
        "outcome": "A decision on the claim.",
    }
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; "
        'name="attachments"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n'
    )
    parts.append(f"--{BOUNDARY}--\r\n")
    return "".join(parts).encode()


def api_body(n: int) -> bytes:
    """The same request as `form_body(_, n)`, as the form hands it to intake."""
    return json.dumps(
        {
            "constituent": {
                "first_name": "Bench",
                "last_name": f"Constituent{n}",
                "email": f"bench{n}@example.org",
                "preferred_language": "en",
            },
            "category": "veterans",
            "agency": "VA",
            "subject": f"Disability claim pending ({n})",
            "description": "Filed in March, no decision yet.\n\n"
            "Outcome wanted:\nA decision on the claim.",
            "urgent": False,
        }
    ).encode()


def report(label: str, latencies: list[float], cpu_seconds: float, wall: float) -> None:
    ms = sorted(value * 1000 for value in latencies)
    print(
        f"{label:<24}{len(ms)} in {wall:.1f} s ({len(ms) / wall:.0f}/s); "
        f"p50 {statistics.median(ms):.1f} ms, p99 {percentile(ms, 99):.1f} ms; "
        f"intake-web CPU {cpu_seconds / len(ms) * 1000:.2f} ms per submission"
    )


def settled_cpu_seconds(quiet_ms: float = 2.0, window: float = 0.3, limit: float = 5.0) -> float:
    """intake-web's CPU once it has gone quiet: its relay publishes a block's events after the
    answers went out, and that work belongs to the block, not to the next one."""
    deadline = time.monotonic() + limit
    last = intake_web_cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(window)
        now = intake_web_cpu_seconds()
        if (now - last) * 1000 <= quiet_ms:
            return now
        last = now
    return last


def submissions(base: str, office: str, n: int, block: int = 50) -> None:
    """`n` through each path, in alternating blocks of `block` after one warm-up block of
    each (each path first in every other round), every block's CPU read once intake-web went
    quiet: neither path pays for the other's relay work, a cold cache, or the machine getting
    busier through the run."""
    client = Client(base)
    # Tokens first (the form's minimum fill time counts from the page being served).
    tokens = []
    for _ in range(n + block):
        status, page, _ = client.request("GET", f"/o/{office}/")
        found = TOKEN.search(page.decode())
        if status != 200 or found is None:
            sys.exit(f"the form page answered {status} without a form token")
        tokens.append(found.group(1))
    time.sleep(MIN_FILL_SECONDS)
    numbers = iter(range(10 * (n + block)))

    def post_form() -> float:
        i = next(numbers)
        status, body, elapsed = client.request(
            "POST",
            f"/o/{office}/",
            form_body(tokens.pop(), i),
            {"Content-Type": FORM_CONTENT_TYPE},
        )
        if status != 303:
            sys.exit(f"a form submission answered {status}: {body[:300]!r}")
        return elapsed

    def post_api() -> float:
        status, body, elapsed = client.request(
            "POST",
            f"/api/v1/offices/{office}/submissions",
            api_body(next(numbers)),
            {"Content-Type": "application/json", "Idempotency-Key": f"bench-{uuid.uuid4()}"},
        )
        if status != 202:
            sys.exit(f"an API submission answered {status}: {body[:300]!r}")
        return elapsed

    paths = {"form POST": post_form, "JSON API POST": post_api}
    latencies: dict[str, list[float]] = {label: [] for label in paths}
    cpu = dict.fromkeys(paths, 0.0)
    wall = dict.fromkeys(paths, 0.0)
    for post in paths.values():  # warm-up, not counted
        for _ in range(block):
            post()
    done = 0
    while done < n:
        size = min(block, n - done)
        # Each path goes first in every other round: the second finds the database, the
        # relay and the allocator as the first left them.
        order = list(paths.items())
        if (done // block) % 2:
            order.reverse()
        for label, post in order:
            before, started = settled_cpu_seconds(), time.perf_counter()
            for _ in range(size):
                latencies[label].append(post())
            wall[label] += time.perf_counter() - started
            cpu[label] += settled_cpu_seconds() - before
        done += size
    for label in paths:
        report(label, latencies[label], cpu[label], wall[label])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8001")
    parser.add_argument("--office", default="rep-demo")
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("-n", type=int, default=300, help="submissions through each path")
    args = parser.parse_args()
    form_page_latency(args.url, args.office, args.rate, args.seconds)
    submissions(args.url, args.office, args.n)


if __name__ == "__main__":
    main()
