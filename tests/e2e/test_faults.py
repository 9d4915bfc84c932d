"""Proof, not belief: kill services and restart the broker under load, then count."""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter

import pytest

from tests.e2e.system import SERVICES, System

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def post_many(system: System, count: int, clients: int, on_progress: object = None) -> list[dict]:
    """Post `count` submissions from `clients` threads; returns every accepted receipt."""
    accepted: list[dict] = []
    refused: list[str] = []
    lock = threading.Lock()
    numbers = iter(range(count))

    def client() -> None:
        while True:
            with lock:
                n = next(numbers, None)
            if n is None:
                return
            response = system.submit(n)
            with lock:
                if response.status_code == 202:
                    accepted.append(response.json())
                else:
                    refused.append(f"{response.status_code} {response.text[:200]}")
                if callable(on_progress):
                    on_progress(len(accepted))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not refused, refused[:5]
    return accepted


def assert_everything_arrived_exactly_once(system: System, accepted: list[dict]) -> None:
    submitted = {receipt["submission_id"] for receipt in accepted}

    def cases_opened() -> bool:
        return system.query("cases", "SELECT count(*) FROM cases")[0][0] >= len(submitted)

    system.wait_for(cases_opened, 120, "not every accepted submission became a case")
    rows = system.query("cases", "SELECT submission_id FROM cases")
    per_submission = Counter(row.submission_id for row in rows)
    assert set(per_submission) == submitted, "a case for a submission nobody made, or one missing"
    assert max(per_submission.values()) == 1, "duplicate cases"

    codes = {receipt["tracking_code"] for receipt in accepted}

    def all_mailed() -> bool:
        return len(system.emails()) >= len(codes)

    system.wait_for(all_mailed, 120, lambda: f"{len(system.emails())}/{len(codes)} emails")
    time.sleep(2)  # a duplicate would arrive within the relay interval
    mailed = Counter(
        code
        for message in system.emails()
        for code in codes
        if code in message.get_payload(decode=True).decode()
    )
    assert set(mailed) == codes and max(mailed.values()) == 1, "an email missing or sent twice"

    system.wait_for(
        lambda: all(v == 0 for v in system.outbox_pending().values()),
        60,
        lambda: f"outboxes not drained: {system.outbox_pending()}",
    )
    system.wait_for(
        lambda: not any(system.queue_depths().values()),
        60,
        lambda: f"queues not drained: {system.queue_depths()}",
    )


def test_no_submission_is_lost_or_duplicated_when_cases_is_killed_under_load(
    fresh_system: System,
) -> None:
    system = fresh_system
    killed = threading.Event()
    restarter = threading.Thread(target=lambda: restart_cases())

    def kill_cases_midway(accepted_so_far: int) -> None:
        if accepted_so_far >= 60 and not killed.is_set():
            killed.set()
            restarter.start()

    def restart_cases() -> None:
        system.kill("cases")
        time.sleep(1.0)
        system.start_service("cases")

    accepted = post_many(system, 200, clients=8, on_progress=kill_cases_midway)

    assert killed.is_set() and len(accepted) == 200
    # The posts can all be answered while cases is still down: wait for its restart to begin.
    restarter.join(timeout=30)
    system.wait_ready("cases")
    assert_everything_arrived_exactly_once(system, accepted)


def test_intake_keeps_accepting_with_every_other_service_stopped_and_through_a_broker_restart(
    fresh_system: System,
) -> None:
    system = fresh_system
    others = [service for service in SERVICES if service != "intake"]
    for service in others:
        system.stop_process(service)

    accepted = post_many(system, 20, clients=4)
    subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=120)
    try:
        accepted += post_many(system, 20, clients=4)
    finally:
        subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True, timeout=120)
    assert len(accepted) == 40

    for service in others:
        system.start_service(service)
    for service in others:
        system.wait_ready(service)
    assert_everything_arrived_exactly_once(system, accepted)
