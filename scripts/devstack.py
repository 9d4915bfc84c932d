"""Helpers for `scripts/run` and `scripts/test`: readiness waits, PostgreSQL databases, leftover
test vhosts and per-process log files. Run with the project's virtualenv:

    python scripts/devstack.py wait-ready --timeout 60 --watch-pid 1234 intake=http://127.0.0.1:8001/ready
    python scripts/devstack.py create-databases postgresql+psycopg2://postgres@127.0.0.1:5432/casework_intake
    python scripts/devstack.py check-postgres postgresql+psycopg2://postgres@127.0.0.1:5432/postgres
    python scripts/devstack.py clean-test-vhosts
    honcho start | python scripts/devstack.py split-logs var/log
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

DEFAULT_MANAGEMENT_API = "http://guest:guest@127.0.0.1:15672"
# nameko's pytest fixtures, and tests/e2e's whole-system runs.
TEST_VHOST_PREFIXES = ("nameko_test_", "casework_e2e_")


# --- readiness ------------------------------------------------------------------------------


def probe(url: str) -> tuple[bool, str]:
    """(ready, what the endpoint said) for one `/ready` URL."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own URL)
            return response.status == 200, f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        detail = " ".join(exc.read(500).decode("utf-8", "replace").split())
        return False, f"HTTP {exc.code} {detail[:200]}"
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"no answer ({reason})"


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_ready(
    targets: dict[str, str], timeout: float, watch_pid: int | None, log_hint: str | None = None
) -> int:
    """Poll every `/ready` until all answer 200. Exit codes: 0 ready, 1 timed out, 2 the
    process manager died (a service crashed at start-up)."""
    deadline = time.monotonic() + timeout
    waiting = dict(targets)
    last: dict[str, str] = {}
    reported = time.monotonic()
    while waiting:
        for name, url in list(waiting.items()):
            ready, said = probe(url)
            if ready:
                print(f"    {name} is ready ({url})", flush=True)
                del waiting[name]
            else:
                last[name] = said
        if not waiting:
            break
        if watch_pid is not None and not process_alive(watch_pid):
            print("    the process manager stopped before every service was ready", flush=True)
            return 2
        if time.monotonic() > deadline:
            for name, url in waiting.items():
                where = f"; its log is {log_hint.format(name=name)}" if log_hint else ""
                said = last.get(name, "never answered")
                print(f"ERROR: {name} is not ready ({url}: {said}){where}", flush=True)
            return 1
        if time.monotonic() - reported > 10:
            print(f"    still waiting for: {', '.join(sorted(waiting))}", flush=True)
            reported = time.monotonic()
        time.sleep(0.5)
    return 0


# --- PostgreSQL -----------------------------------------------------------------------------


def _psycopg2_dsn(url: str) -> tuple[str, str]:
    """(libpq URL of the server's `postgres` database, database name) for a SQLAlchemy URL."""
    parsed = urllib.parse.urlsplit(url.replace("postgresql+psycopg2://", "postgresql://", 1))
    database = parsed.path.lstrip("/") or "postgres"
    admin = parsed._replace(path="/postgres").geturl()
    return admin, database


def check_postgres(url: str) -> int:
    import psycopg2

    admin, _ = _psycopg2_dsn(url)
    try:
        psycopg2.connect(admin, connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(
            f"ERROR: cannot connect to PostgreSQL as {urllib.parse.urlsplit(admin).netloc}: "
            f"{first_line}\n"
            "  The tests connect as role postgres on 127.0.0.1 without a password. Either allow "
            "that in pg_hba.conf\n  ('host all postgres 127.0.0.1/32 trust', then reload), or "
            "set CASEWORK_TEST_POSTGRES_URL\n  (e.g. postgresql+psycopg2://postgres:secret@"
            "127.0.0.1:5432/postgres).",
            file=sys.stderr,
        )
        return 1
    return 0


def create_databases(urls: Iterable[str]) -> int:
    import psycopg2
    from psycopg2 import sql

    for url in urls:
        admin, database = _psycopg2_dsn(url)
        connection = psycopg2.connect(admin, connect_timeout=5)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
                if cursor.fetchone() is None:
                    cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
                    print(f"    created database {database}", flush=True)
                else:
                    print(f"    database {database} exists", flush=True)
        finally:
            connection.close()
    return 0


# --- RabbitMQ test vhosts -------------------------------------------------------------------


class ManagementApi:
    def __init__(self, base_url: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}"
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(
            None,
            self.base,
            urllib.parse.unquote(parts.username or "guest"),
            urllib.parse.unquote(parts.password or "guest"),
        )
        self.opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(passwords))

    def request(self, method: str, path: str) -> Any:
        request = urllib.request.Request(f"{self.base}/api/{path}", method=method)  # noqa: S310
        with self.opener.open(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def test_vhosts(self) -> set[str]:
        return {v["name"] for v in self.request("GET", "vhosts") if _is_test_vhost(v["name"])}

    def vhosts_in_use(self) -> set[str]:
        return {c.get("vhost", "") for c in self.request("GET", "connections")}


def _is_test_vhost(name: str) -> bool:
    return name.startswith(TEST_VHOST_PREFIXES)


def clean_test_vhosts(api_url: str, settle_seconds: float) -> int:
    """Delete `nameko_test_*` and `casework_e2e_*` vhosts left by killed test runs.

    A vhost counts as left over only when it had no connection in two looks `settle_seconds`
    apart, so a test run going on beside this one keeps its vhosts.
    """
    api = ManagementApi(api_url)
    try:
        idle = api.test_vhosts() - api.vhosts_in_use()
        if idle:
            time.sleep(settle_seconds)
            idle &= api.test_vhosts() - api.vhosts_in_use()
        for name in sorted(idle):
            api.request("DELETE", f"vhosts/{urllib.parse.quote(name, safe='')}")
    except (OSError, ValueError) as exc:
        print(f"ERROR: RabbitMQ management API at {api.base}: {exc}", file=sys.stderr)
        return 1
    print(f"    deleted {len(idle)} leftover test vhost(s)", flush=True)
    return 0


# --- log splitting --------------------------------------------------------------------------

HONCHO_LINE = re.compile(r"^\d\d:\d\d:\d\d (?P<name>\S+?)(?:\.\d+)?\s*\| (?P<text>.*)$")


def split_logs(directory: Path) -> int:
    """Echo honcho's output and append each process's lines to `<directory>/<process>.log`.

    honcho's own messages (`system`) go to `honcho.log`. SIGINT, SIGTERM and SIGHUP are
    ignored: a signal to the whole process group (the terminal's Ctrl-C, `kill -TERM --
    -PGID` from a supervisor, the terminal closing) must not kill this reader before honcho
    has finished stopping the services. A honcho whose reader is gone cannot say that it is
    stopping and never ends. This ends when honcho closes its output.
    """
    for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, signal.SIG_IGN)
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, Any] = {}
    echo = True
    try:
        for line in sys.stdin:
            if echo:
                try:
                    sys.stdout.write(line)
                    sys.stdout.flush()
                except OSError:  # the terminal is gone: keep writing the logs
                    echo = False
            match = HONCHO_LINE.match(line.rstrip("\n"))
            if not match:
                continue
            name = match["name"]
            name = "honcho" if name == "system" else re.sub(r"[^A-Za-z0-9_-]", "_", name)
            if name not in files:
                files[name] = open(directory / f"{name}.log", "a", encoding="utf-8")  # noqa: SIM115
            files[name].write(match["text"] + "\n")
            files[name].flush()
    finally:
        for handle in files.values():
            handle.close()
    return 0


# --- command line ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python scripts/devstack.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ready = sub.add_parser("wait-ready", help="wait until every NAME=URL answers 200")
    ready.add_argument("targets", nargs="+", metavar="NAME=URL")
    ready.add_argument("--timeout", type=float, default=60.0)
    ready.add_argument("--watch-pid", type=int, default=None)
    ready.add_argument("--log-hint", default=None, help="where a log is, e.g. var/log/{name}.log")
    databases = sub.add_parser("create-databases", help="create PostgreSQL databases if missing")
    databases.add_argument("urls", nargs="+")
    check = sub.add_parser("check-postgres", help="fail clearly when PostgreSQL refuses us")
    check.add_argument("url")
    vhosts = sub.add_parser("clean-test-vhosts", help="delete vhosts left by killed test runs")
    vhosts.add_argument(
        "--api", default=os.environ.get("CASEWORK_RABBITMQ_API", DEFAULT_MANAGEMENT_API)
    )
    vhosts.add_argument("--settle-seconds", type=float, default=3.0)
    split = sub.add_parser("split-logs", help="tee honcho's output into one file per process")
    split.add_argument("directory", type=Path)
    args = parser.parse_args(argv)

    try:
        if args.command == "wait-ready":
            targets = dict(target.split("=", 1) for target in args.targets)
            return wait_ready(targets, args.timeout, args.watch_pid, args.log_hint)
        if args.command == "create-databases":
            return create_databases(args.urls)
        if args.command == "check-postgres":
            return check_postgres(args.url)
        if args.command == "clean-test-vhosts":
            return clean_test_vhosts(args.api, args.settle_seconds)
        return split_logs(args.directory)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
