"""Proof, not belief: kill services and restart the broker under load, then count."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from typing import Any

import pytest
import requests

from tests.e2e.system import DEMO_OFFICE, PROCESSES, SERVICES, System

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def post_many(
    system: System,
    count: int,
    clients: int,
    on_progress: object = None,
    retry_unavailable: bool = False,
) -> list[dict]:
    """Post `count` submissions from `clients` threads; returns every accepted receipt.

    With `retry_unavailable`, a client that gets a 503 or no answer sends the same request
    again with the same Idempotency-Key, as a real client of the API does.
    """
    accepted: list[dict] = []
    refused: list[str] = []
    lock = threading.Lock()
    numbers = iter(range(count))
    run = uuid.uuid4().hex[:8]

    def send(n: int) -> requests.Response:
        deadline = time.monotonic() + 120
        while True:
            try:
                response = system.submit(n, idempotency_key=f"{run}-{n}")
            except requests.RequestException:
                if not retry_unavailable or time.monotonic() > deadline:
                    raise
            else:
                if response.status_code != 503 or not retry_unavailable:
                    return response
                if time.monotonic() > deadline:
                    return response
            time.sleep(0.2)  # a client's pause before it tries again

    def client() -> None:
        while True:
            with lock:
                n = next(numbers, None)
            if n is None:
                return
            response = send(n)
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


def metrics_totals(system: System) -> tuple[int, int, int, int]:
    """The demo office's received, opened, assigned and acknowledged counts in metrics: facts
    not yet rolled up plus the rolled-up totals, read in one statement (one snapshot)."""
    columns = ("received", "opened", "assigned", "acknowledged")
    parts = ", ".join(
        f"(SELECT coalesce(sum({c}), 0) FROM office_event_facts WHERE office_id = :office)"
        f" + (SELECT coalesce(sum({c}), 0) FROM office_daily_stats WHERE office_id = :office)"
        for c in columns
    )
    row = system.query("metrics", f"SELECT {parts}", office=DEMO_OFFICE)[0]
    return (int(row[0]), int(row[1]), int(row[2]), int(row[3]))


def facts_at_the_source(system: System) -> tuple[int, int, int, int]:
    """The same four counts, from the services where each fact happened."""

    def count(service: str, sql: str) -> int:
        return int(system.query(service, sql, office=DEMO_OFFICE)[0][0])

    return (
        count("intake", "SELECT count(*) FROM submissions WHERE office_id = :office"),
        count("cases", "SELECT count(*) FROM cases WHERE office_id = :office"),
        count(
            "cases",
            "SELECT count(*) FROM case_timeline WHERE office_id = :office AND kind = 'assigned'",
        ),
        count(
            "notify",
            "SELECT count(*) FROM deliveries WHERE office_id = :office AND status = 'sent'",
        ),
    )


def assert_everything_arrived_exactly_once(
    system: System, accepted: list[dict], *, killed: str | None = None
) -> None:
    """Every accepted submission became one case, one suggestion, one acknowledgement and one
    count of each in metrics. Only when notify itself was killed mid-send may an
    acknowledgement be left in doubt: it is then sent again with the same Message-ID, so the
    constituent may get two copies of that one (never of any other), and never none."""
    submitted = {receipt["submission_id"] for receipt in accepted}

    def cases_opened() -> bool:
        return system.query("cases", "SELECT count(*) FROM cases")[0][0] >= len(submitted)

    system.wait_for(cases_opened, 120, "not every accepted submission became a case")
    rows = system.query("cases", "SELECT submission_id FROM cases")
    per_submission = Counter(row.submission_id for row in rows)
    assert set(per_submission) == submitted, "a case for a submission nobody made, or one missing"
    assert max(per_submission.values()) == 1, "duplicate cases"

    def delivery_outcomes() -> dict[str, int]:
        rows = system.query("notify", "SELECT status, count(*) FROM deliveries GROUP BY status")
        return {status: int(count) for status, count in rows}

    # Every acknowledgement settled: sent, or (a send cut off by a kill, once its lease ran
    # out, which is short in these tests) unknown.
    system.wait_for(
        lambda: sum(delivery_outcomes().get(s, 0) for s in ("sent", "unknown")) >= len(submitted),
        120,
        lambda: f"acknowledgements not all settled: {delivery_outcomes()}",
    )
    outcomes = delivery_outcomes()
    unknown = outcomes.pop("unknown", 0)
    resent = system.query("notify", "SELECT count(*) FROM deliveries WHERE resent_in_doubt > 0")
    in_doubt = int(resent[0][0])
    assert killed == "notify" or unknown == in_doubt == 0, f"cut off: {unknown}, {in_doubt}"
    assert outcomes == {"sent": len(submitted) - unknown}, f"deliveries: {outcomes}"

    codes = {receipt["tracking_code"] for receipt in accepted}
    system.wait_for(
        lambda: len(system.emails()) >= len(codes) - unknown,
        120,
        lambda: f"{len(system.emails())}/{len(codes)} emails",
    )
    # Once every outbox and queue is empty nothing is left that could still arrive: a
    # duplicate, had there been one, is already here.
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
    message_ids: dict[str, set[str]] = {}
    mailed: Counter[str] = Counter()
    for message in system.emails():
        for code in codes:
            if code in message.get_payload(decode=True).decode():
                mailed[code] += 1
                message_ids.setdefault(code, set()).add(str(message["Message-ID"]))
    assert len(mailed) >= len(codes) - unknown, "an acknowledgement never sent"
    twice = [code for code, n in mailed.items() if n > 1]
    assert len(twice) <= in_doubt, f"emails sent twice that were never in doubt: {twice}"
    assert all(len(message_ids[code]) == 1 for code in twice), "a resend under a new Message-ID"

    suggestions = system.query(
        "agencies", "SELECT case_id, count(*) AS n FROM agency_suggestions GROUP BY case_id"
    )
    assert len(suggestions) >= len(submitted), "a case never got its agency suggestion"
    assert max(r.n for r in suggestions) == 1, "an agency suggested twice for one case"
    notes = system.query(
        "cases",
        "SELECT case_id, kind, count(*) AS n FROM case_timeline GROUP BY case_id, kind",
    )
    assert max(r.n for r in notes) == 1, "a timeline entry written twice"
    system.wait_for(
        lambda: metrics_totals(system) == facts_at_the_source(system),
        60,
        lambda: (
            f"metrics counted {metrics_totals(system)}, "
            f"the services hold {facts_at_the_source(system)}"
        ),
    )


# Notify last: only its kill may leave an acknowledgement in doubt (then sent again), and the
# checks after each round count everything accepted so far.
KILLED_IN_TURN = ("cases", "agencies", "metrics", "notify")


def test_nothing_is_lost_or_applied_twice_when_each_consumer_is_killed_mid_batch(
    fresh_system: System,
) -> None:
    """One system, four rounds: under load, SIGKILL one consumer with its batch in flight,
    start it again, and count everything accepted so far (one system for the four saves the
    suite three start-ups; a round that fails names its consumer)."""
    system = fresh_system
    accepted: list[dict] = []
    for consumer in KILLED_IN_TURN:
        killed = threading.Event()

        def restart(consumer: str = consumer) -> None:
            system.kill(consumer)  # SIGKILL: its batch in flight is neither committed nor acked
            time.sleep(1.0)
            system.start_service(consumer)

        restarter = threading.Thread(target=restart)

        def kill_midway(
            accepted_so_far: int, killed: threading.Event = killed, restarter: Any = restarter
        ) -> None:
            if accepted_so_far >= 60 and not killed.is_set():
                killed.set()
                restarter.start()

        round_accepted = post_many(system, 150, clients=8, on_progress=kill_midway)

        assert killed.is_set() and len(round_accepted) == 150, consumer
        accepted += round_accepted
        # The posts can all be answered while the consumer is still down: wait for its restart.
        restarter.join(timeout=30)
        system.wait_ready(consumer)
        assert_everything_arrived_exactly_once(system, accepted, killed=consumer)


@pytest.mark.alone
def test_nothing_is_lost_or_applied_twice_through_a_database_restart(
    fresh_system: System,
) -> None:
    system = fresh_system
    restarted = threading.Event()

    def restart_midway(accepted_so_far: int) -> None:
        if accepted_so_far >= 40 and not restarted.is_set():
            restarted.set()
            restart_postgresql()

    # Intake answers 503 while its database is away; these clients retry, as a portal does.
    accepted = post_many(system, 120, clients=4, on_progress=restart_midway, retry_unavailable=True)

    assert restarted.is_set() and len(accepted) == 120
    for process in PROCESSES:
        system.wait_ready(process)
    assert_everything_arrived_exactly_once(system, accepted)


def restart_postgresql() -> None:
    """Restart the machine's PostgreSQL cluster: every connection of every service drops."""
    version, name = subprocess.run(
        ["pg_lsclusters", "--no-header"], check=True, capture_output=True, text=True
    ).stdout.split()[:2]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart", "-m", "fast"],
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.alone
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


def test_an_acknowledgement_cut_off_between_marking_and_sending_is_sent_again(
    fresh_system: System,
) -> None:
    """The defect measured under SIGKILL: notify marked an acknowledgement `sending` and was
    killed before the mail server answered, then settled it `unknown` and never resent it, so
    the constituent got nothing. Now it goes again, with the same Message-ID, and the case
    says so. The mail server is paused so the kill falls exactly in that window."""
    system = fresh_system
    # A patient notify, so its send is still waiting on the paused server when it is killed.
    system.kill("notify")
    system.start_service("notify", CASEWORK_SMTP_TIMEOUT_SECONDS="60")
    system.wait_ready("notify")
    smtp = system.processes["smtp"]
    smtp.send_signal(signal.SIGSTOP)
    try:
        receipt = system.submit(7).json()
        system.wait_for(
            lambda: system.query(
                "notify",
                "SELECT 1 FROM deliveries WHERE submission_id = :s AND status = 'sending'",
                s=receipt["submission_id"],
            ),
            60,
            "notify never started sending the acknowledgement",
        )
        system.kill("notify")  # between marking it `sending` and the server's answer
    finally:
        smtp.send_signal(signal.SIGCONT)
    # A brisk notify: its lease on the cut-off attempt (7 timeouts + 5 s) runs out in 12 s.
    system.start_service("notify", CASEWORK_SMTP_TIMEOUT_SECONDS="1")
    system.wait_ready("notify")

    def settled() -> list:
        return system.query(
            "notify",
            "SELECT status, attempts, resent_in_doubt FROM deliveries WHERE submission_id = :s",
            s=receipt["submission_id"],
        )

    system.wait_for(lambda: settled() and settled()[0].status == "sent", 120, str(settled))
    [delivery] = settled()
    assert (delivery.attempts, delivery.resent_in_doubt) == (2, 1)
    mailed = [
        message
        for message in system.emails()
        if receipt["tracking_code"] in message.get_payload(decode=True).decode()
    ]
    assert len({str(message["Message-ID"]) for message in mailed}) == 1
    assert 1 <= len(mailed) <= 2  # the paused server may have taken the first after all
    system.wait_for(
        lambda: system.query(
            "cases",
            "SELECT summary FROM case_timeline WHERE kind = 'acknowledgement_sent' "
            "AND summary LIKE '%sent again%'",
        ),
        30,
        "the case never showed that the acknowledgement went again",
    )
