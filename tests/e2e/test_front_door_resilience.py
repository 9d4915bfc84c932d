"""intake-web, the front door, starts and accepts submissions while it cannot reach RabbitMQ
and every other service is stopped; once the broker and the services are back, its own relay
publishes what it accepted and each becomes one case."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections import Counter

import pytest
import requests

from services.chassis.testing import free_port
from tests.e2e.system import System

pytestmark = pytest.mark.e2e

SUBMISSIONS = 20


class BrokerDoor:
    """A port in front of the local RabbitMQ: nothing listens on it (connections are refused,
    as by a broker that is down) until `open()`, then it forwards every connection to 5672."""

    def __init__(self) -> None:
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        for sock in [*self._connections, *([self._listener] if self._listener else [])]:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(("127.0.0.1", 5672))
            self._connections += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def pending_submissions(system: System) -> int:
    return int(
        system.query(
            "intake",
            "SELECT count(*) FROM outbox "
            "WHERE sent_at IS NULL AND event_type = 'intake.submission_received'",
        )[0][0]
    )


def publish_failures(system: System) -> float:
    text = requests.get(system.url("intake-web", "/metrics"), timeout=5).text
    match = re.search(r"^casework_intake_outbox_publish_failures_total (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def cases_per_submission(system: System, submitted: set[str]) -> Counter[str]:
    rows = system.query("cases", "SELECT submission_id FROM cases")
    return Counter(row.submission_id for row in rows if row.submission_id in submitted)


def test_intake_web_accepts_with_the_broker_unreachable_and_each_submission_becomes_one_case(
    fresh_system: System,
) -> None:
    system = fresh_system
    # Every other process is down, and intake-web starts in that state. Only intake-web may
    # publish intake's outbox in this test: intake's worker stays down throughout.
    others = ("cases", "agencies", "notify", "metrics", "gateway")
    for name in ("intake", "intake-web", *others):
        system.stop_process(name)
    door = BrokerDoor()
    try:
        system.start_service(
            "intake-web",
            CASEWORK_AMQP_URI=f"amqp://guest:guest@127.0.0.1:{door.port}/{system.vhost}",
        )
        system.wait_ready("intake-web")

        accepted = []
        for n in range(SUBMISSIONS):
            response = system.submit(n)
            assert response.status_code == 202, response.text
            accepted.append(response.json())
        submitted = {receipt["submission_id"] for receipt in accepted}
        assert len(submitted) == SUBMISSIONS

        # Accepted, kept, not published: the relay has tried and is backing off.
        system.wait_for(
            lambda: publish_failures(system) >= 1, 30, "intake-web's relay never tried to publish"
        )
        assert pending_submissions(system) == SUBMISSIONS
        assert not cases_per_submission(system, submitted)

        door.open()  # the broker is back; intake-web is not restarted
        for name in others:  # and so is the rest of the system
            system.start_service(name)
        for name in others:
            system.wait_ready(name)

        system.wait_for(
            lambda: set(cases_per_submission(system, submitted)) == submitted,
            60,
            lambda: (
                f"{len(cases_per_submission(system, submitted))}/{SUBMISSIONS} cases opened; "
                f"intake-web's log:\n{system.log_tail('intake-web')}"
            ),
        )
        system.wait_for(
            lambda: pending_submissions(system) == 0, 30, "intake's outbox never drained"
        )
        system.wait_for(
            lambda: (
                not any(
                    depth
                    for queue, depth in system.queue_depths().items()
                    if queue.endswith("intake.submission_received")
                )
            ),
            30,
            lambda: f"submissions left in the queues: {system.queue_depths()}",
        )
        per_submission = cases_per_submission(system, submitted)
        assert set(per_submission) == submitted
        assert max(per_submission.values()) == 1, "a submission opened two cases"
    finally:
        door.close()
