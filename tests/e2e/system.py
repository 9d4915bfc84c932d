"""The whole system as separate processes: each service under `nameko run` with its own
database (and intake-web, intake's portal and public API, beside intake's worker on intake's
database), a fresh RabbitMQ vhost, and a real SMTP server writing to a Maildir.

Used by the end-to-end and fault-injection tests; nothing here reaches into a service's code,
only its HTTP endpoints, its database (read-only) and the broker.
"""

from __future__ import annotations

import base64
import mailbox
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from services.chassis.tenant_wall import roles_for
from services.chassis.testing import (
    ensure_test_roles,
    free_port,
    fresh_postgres_database,
    role_url,
)

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "cases", "agencies", "notify", "metrics", "gateway")
# Processes beside a service's nameko worker, on that service's database.
WEB_PROCESSES = {"intake-web": "intake"}
PROCESSES = (*SERVICES, *WEB_PROCESSES)
MANAGEMENT = os.environ.get("CASEWORK_TEST_RABBIT_API", "http://guest:guest@127.0.0.1:15672")
# Just after a broker restart (the fault tests make one) its management API may take a while
# to answer: each call is tried again for this long before a test gives up on it.
MANAGEMENT_PATIENCE_SECONDS = 90.0


def management(method: str, path: str, **kwargs: Any) -> requests.Response:
    """One call to RabbitMQ's management API, tried again while the broker is not answering
    (a refused connection, a timeout, a 5xx); any other answer is returned as it is."""
    deadline = time.monotonic() + MANAGEMENT_PATIENCE_SECONDS
    while True:
        try:
            response = requests.request(method, f"{MANAGEMENT}{path}", timeout=10, **kwargs)
            if response.status_code < 500:
                return response
        except (requests.ConnectionError, requests.Timeout):
            if time.monotonic() >= deadline:
                raise
        if time.monotonic() >= deadline:
            return response
        time.sleep(1)


DEMO_OFFICE = "rep-demo"


@dataclass
class System:
    workdir: Path
    backend: str = "postgresql"
    vhost: str = field(default_factory=lambda: f"casework_e2e_{uuid.uuid4().hex[:10]}")
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    database_urls: dict[str, str] = field(default_factory=dict)
    smtp_port: int = 0
    # intake's two processes share the master key and intake-web's signing secret; a fresh
    # pair per system keeps the development key files in var/ out of the tests.
    intake_master_key: str = field(
        default_factory=lambda: base64.urlsafe_b64encode(os.urandom(32)).decode()
    )
    intake_secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:5672/{self.vhost}"

    @property
    def maildir(self) -> Path:
        return self.workdir / "maildir"

    def url(self, service: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._create_vhost()
        for process in PROCESSES:
            self.ports[process] = free_port()
        for service in SERVICES:
            self.database_urls[service] = self._fresh_database(service)
        self._migrate()
        self._start_smtp()
        for process in PROCESSES:
            self.start_service(process)
        for process in PROCESSES:
            self.wait_ready(process)
        self.run_python("-m", "services.gateway.seed")
        self.wait_for(self._office_known, 30, "intake never learned the demo office")

    def stop(self) -> None:
        for name in list(self.processes):
            self.stop_process(name)
        management("DELETE", f"/api/vhosts/{self.vhost}")

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            CASEWORK_AMQP_URI=self.amqp_uri,
            CASEWORK_SMTP_HOST="127.0.0.1",
            CASEWORK_SMTP_PORT=str(self.smtp_port),
            CASEWORK_OUTBOX_INTERVAL_SECONDS="0.5",
            # An acknowledgement cut off mid-send is settled after its lease (7 timeouts + 5 s).
            CASEWORK_SMTP_TIMEOUT_SECONDS="2",
            CASEWORK_INTAKE_MASTER_KEY=self.intake_master_key,
            CASEWORK_INTAKE_SECRET_KEY=self.intake_secret_key,
            # The tests post hundreds of submissions from one address.
            CASEWORK_INTAKE_RATELIMIT_ENABLED="false",
            CASEWORK_INTAKE_RATELIMIT_STORAGE_URI="memory://",
            CASEWORK_INTAKE_MIN_FILL_SECONDS="0",  # the browser tests fill the form in at once
            # Messages about a case go at any hour: what the tests see must not depend on when
            # they run (the office's sending hours are tested with an injected clock).
            CASEWORK_NOTIFY_SENDING_HOURS="0-24",
            CASEWORK_NOTIFY_SENDING_DAYS="all",
            CASEWORK_INTAKE_WEB_ADDRESS=f"127.0.0.1:{self.ports['intake-web']}",
            # The links in constituents' emails lead to this system's portal.
            CASEWORK_PORTAL_BASE_URL=f"http://127.0.0.1:{self.ports['intake-web']}",
            PYTHONUNBUFFERED="1",
        )
        for service in SERVICES:
            prefix = f"CASEWORK_{service.upper()}_"
            url = self.database_urls[service]
            env[f"{prefix}DATABASE_URL"] = url
            if self.backend == "postgresql":
                roles = roles_for(service)
                env[f"{prefix}DATABASE_URL"] = role_url(url, roles.service)
                env[f"{prefix}PLATFORM_DATABASE_URL"] = role_url(url, roles.platform)
                env[f"{prefix}MIGRATION_DATABASE_URL"] = role_url(url, roles.owner)
            env[f"CASEWORK_{service.upper()}_HTTP_ADDRESS"] = f"127.0.0.1:{self.ports[service]}"
        return env

    def start_service(self, process: str, **environment: str) -> None:
        """Start a service's nameko process, or intake-web; `environment` overrides the
        system's variables for this process only (a broker it cannot reach)."""
        if process in WEB_PROCESSES:
            command = ["-m", f"services.{WEB_PROCESSES[process]}.portal"]
        else:
            command = [
                "-m",
                "nameko",
                "run",
                f"services.{process}.service",
                "--config",
                f"services/{process}/config.yaml",
            ]
        log = open(self.workdir / f"{process}.log", "ab")  # noqa: SIM115 - closed with the process
        self.processes[process] = subprocess.Popen(
            [sys.executable, *command],
            cwd=ROOT,
            env={**self.env(), **environment},
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self, service: str) -> None:
        """SIGKILL: no clean shutdown, in-flight messages are redelivered by the broker."""
        process = self.processes.pop(service)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_process(self, name: str) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def wait_ready(self, service: str, timeout: float = 60) -> None:
        def ready() -> bool:
            process = self.processes[service]
            if process.poll() is not None:
                raise AssertionError(f"{service} exited:\n{self.log_tail(service)}")
            try:
                return requests.get(self.url(service, "/ready"), timeout=2).status_code == 200
            except requests.RequestException:
                return False

        self.wait_for(ready, timeout, f"{service} not ready:\n{self.log_tail(service)}")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.workdir / f"{name}.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def run_python(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"{args} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    @staticmethod
    def wait_for(predicate: Any, timeout: float, message: str | Callable[[], str]) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(message() if callable(message) else message)

    # -- observations ------------------------------------------------------------------------

    def submit(
        self,
        n: int = 0,
        office: str = DEMO_OFFICE,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> requests.Response:
        body = {
            "constituent": {
                "first_name": "Test",
                "last_name": f"Constituent{n}",
                "email": f"constituent{n}@example.org",
            },
            "category": "veterans",
            "subject": f"Disability claim pending for months ({n})",
            "description": "Filed in March, no decision yet.",
            **extra,
        }
        return requests.post(
            self.url("intake-web", f"/api/v1/offices/{office}/submissions"),
            json=body,
            headers={"Idempotency-Key": idempotency_key} if idempotency_key else {},
            timeout=10,
        )

    def query(self, service: str, sql: str, **params: Any) -> list[Any]:
        engine = create_engine(self.database_urls[service])
        try:
            with engine.connect() as connection:
                return list(connection.execute(text(sql), params))
        finally:
            engine.dispose()

    def emails(self) -> list[Any]:
        return list(mailbox.Maildir(self.maildir, create=False)) if self.maildir.exists() else []

    def queue_depths(self) -> dict[str, int]:
        queues = management("GET", f"/api/queues/{self.vhost}").json()
        return {q["name"]: int(q.get("messages", 0)) for q in queues}

    def outbox_pending(self) -> dict[str, int]:
        return {
            service: int(
                self.query(service, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0]
            )
            for service in SERVICES
        }

    # -- setup helpers -----------------------------------------------------------------------

    def _create_vhost(self) -> None:
        management("PUT", f"/api/vhosts/{self.vhost}").raise_for_status()
        management(
            "PUT",
            f"/api/permissions/{self.vhost}/guest",
            json={"configure": ".*", "write": ".*", "read": ".*"},
        ).raise_for_status()

    def _fresh_database(self, service: str) -> str:
        """The administrator's URL (what the tests count with); the services themselves connect
        behind the tenant wall, as their own roles (see `env`)."""
        if self.backend == "sqlite":
            return f"sqlite:///{self.workdir}/{service}.db"
        ensure_test_roles(service)
        name = f"casework_e2e_{service}_{os.getpid()}"
        return fresh_postgres_database(name, roles_for(service).owner)

    def _migrate(self) -> None:
        self.run_python("-m", "services.chassis.migrate", *SERVICES)

    def _start_smtp(self) -> None:
        self.smtp_port = free_port()
        mailbox.Maildir(self.maildir, create=True)  # with its tmp/new/cur folders
        log = open(self.workdir / "smtp.log", "ab")  # noqa: SIM115 - closed with the process
        self.processes["smtp"] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{self.smtp_port}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(self.maildir),
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def _office_known(self) -> bool:
        return bool(
            self.query("intake", "SELECT 1 FROM offices WHERE office_id = :o", o=DEMO_OFFICE)
        )
