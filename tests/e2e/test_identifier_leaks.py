"""The identifiers a constituent gives with a privacy release (SSN, A-number, receipt, claim
and VA file numbers) stay sealed in intake: 1,000 of them go in through the public API, and
none is found afterwards in any service's database (intake's included, where only their
ciphertext may be), in any process's log, in the mail sent, or in a queue."""

from __future__ import annotations

import random
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, inspect, text

from tests.e2e.system import MANAGEMENT, System

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REQUESTS = 200  # five identifiers each: 1,000


def identifiers_for(rng: random.Random, n: int) -> dict[str, str]:
    """Five identifiers in the form intake stores them (normalised), distinct per request."""
    area = 100 + n  # 100..299: valid SSN areas
    return {
        "ssn": f"{area:03d}-{rng.randint(10, 99):02d}-{rng.randint(1000, 9999):04d}",
        "a_number": f"A{rng.randint(300_000_000, 399_999_999)}",
        "receipt_number": f"IOE{rng.randint(3_000_000_000, 3_999_999_999)}",
        "claim_number": f"CLM{rng.randint(30_000_000, 39_999_999)}Q{n:03d}",
        "va_file_number": f"{rng.randint(300_000_000, 399_999_999)}",
    }


def database_text(url: str) -> str:
    """Every row of every table, as PostgreSQL writes it as text."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            return "\n".join(
                str(row[0])
                for table in tables
                for row in connection.execute(text(f'SELECT t::text FROM "{table}" t'))
            )
    finally:
        engine.dispose()


def queued_messages(system: System) -> str:
    """The bodies of every message still in the vhost's queues (dead letters included),
    peeked and put back."""
    queues = requests.get(f"{MANAGEMENT}/api/queues/{system.vhost}", timeout=10).json()
    bodies: list[str] = []
    for queue in queues:
        if not queue.get("messages"):
            continue
        got = requests.post(
            f"{MANAGEMENT}/api/queues/{system.vhost}/{queue['name']}/get",
            json={"count": 10_000, "ackmode": "ack_requeue_true", "encoding": "auto"},
            timeout=30,
        ).json()
        bodies.extend(str(message.get("payload", "")) for message in got)
    return "\n".join(bodies)


def test_a_thousand_identifiers_never_leave_intake_in_clear(fresh_system: System) -> None:
    system = fresh_system
    rng = random.Random(20261203)
    given: list[str] = []
    for n in range(REQUESTS):
        identifiers = identifiers_for(rng, n)
        given.extend(identifiers.values())
        response = system.submit(
            n,
            privacy_release={
                "signed": True,
                "signature_name": f"Test Constituent{n}",
                "agencies": ["SSA", "USCIS", "VA"],
                "identifiers": identifiers,
            },
        )
        assert response.status_code == 202, response.text
    assert len(set(given)) == 5 * REQUESTS

    def all_cases_opened() -> bool:
        return system.query("cases", "SELECT count(*) FROM cases")[0][0] == REQUESTS

    system.wait_for(all_cases_opened, 120, "not every request became a case")
    system.wait_for(lambda: not any(system.outbox_pending().values()), 60, "outboxes did not drain")
    sealed = system.query(
        "intake", "SELECT count(*) FROM privacy_releases WHERE identifiers IS NOT NULL"
    )[0][0]
    assert sealed == REQUESTS  # the identifiers were kept, sealed

    places: dict[str, str] = {
        f"{service} database": database_text(url) for service, url in system.database_urls.items()
    }
    places.update(
        {f"{path.name}": path.read_text(errors="replace") for path in system.workdir.glob("*.log")}
    )
    places["mail"] = "\n".join(message.as_string() for message in system.emails())
    places["queues"] = queued_messages(system)
    assert places["intake database"] and places["mail"]  # the search looked at something

    leaks: dict[str, list[Any]] = {}
    for where, content in places.items():
        found = [value for value in given if value in content]
        if found:
            leaks[where] = found[:5]
    assert leaks == {}
