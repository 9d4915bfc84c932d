"""pytest fixtures shared by every service's tests (loaded from the top-level conftest).

- `db_backend`: every database test runs on SQLite (the embedded default) and PostgreSQL.
- `service_database(service, metadata)`: a clean database for that service, its URL exported
  as `CASEWORK_<SERVICE>_DATABASE_URL` so the service under test finds it. On PostgreSQL the
  tenant wall is put up on it (`services.chassis.tenant_wall.apply_tenant_wall`, the function
  the migrations call) and the service under test connects as its service role, with the
  platform role for its platform engine; the URL returned is the administrator's, so a test's
  own checks see every office. `CASEWORK_TEST_TENANT_WALL=off` hands the service the
  administrator's URL instead (row-level security then holds nobody).
- `walled_databases`: per service, a fresh PostgreSQL database its own migrations built as
  its owner role (once per run), for tests of the tenant wall itself.
- `amqp_uri`: a fresh RabbitMQ vhost per test (nameko's `rabbit_config`).
- `web_address`: a free loopback port for the service's `@http` endpoints.
- `publish_event` / `wait_until`: drive and observe real services.
"""

from __future__ import annotations

import json
import os
import random
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from kombu import Connection, Producer
from nameko import config
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from services.chassis.messaging import (
    EVENTS_EXCHANGE,
    declare_topology,
    envelope_headers,
)
from services.chassis.messaging import new_envelope as envelope  # what tests publish
from services.chassis.tenant_wall import apply_tenant_wall, create_roles, roles_for
from services.contracts import EventContract

POSTGRES_ADMIN_URL = os.environ.get(
    "CASEWORK_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
_created_databases: set[str] = set()
# The password the test roles get (trust authentication ignores it); the same as
# `./scripts/run --postgres` gives them, so running both on one server changes nothing.
TEST_ROLE_PASSWORD = os.environ.get("CASEWORK_TEST_ROLE_PASSWORD", "casework")
_roles_ready: set[str] = set()


def tenant_wall_in_tests() -> bool:
    return os.environ.get("CASEWORK_TEST_TENANT_WALL", "on").lower() not in ("off", "0", "no")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--shard",
        metavar="I/N",
        help="run only the I-th of N equal shares of the selected tests (every N-th, from the "
        "I-th): ./scripts/test runs N such processes side by side",
    )


def parse_shard(shard: str) -> tuple[int, int]:
    """(I, N) of "I/N", 1 <= I <= N."""
    index, _, count = shard.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise pytest.UsageError(f"--shard takes I/N with 1 <= I <= N, not {shard!r}")
    return int(index), int(count)


def shard_of(items: list[Any], shard: str) -> tuple[list[Any], list[Any]]:
    """(kept, left out) for `shard` "I/N" (1-based). The end-to-end tests (marker `e2e`: each
    starts a whole system, a dozen processes) all go to the last share, one system at a time
    as when the suite runs in one process; the others are dealt out in turn to the first N-1,
    so each gets a part of every module. With N = 1, or no end-to-end test, all are dealt."""
    index, count = parse_shard(shard)
    whole = [item for item in items if item.get_closest_marker("e2e") is not None]
    dealt = [item for item in items if item.get_closest_marker("e2e") is None]
    if count == 1 or not whole:
        whole, dealt = [], items
    hands = count - 1 if whole else count
    chosen = {id(item) for item in whole} if index == count and whole else set()
    chosen |= {id(item) for n, item in enumerate(dealt) if n % hands == index - 1}
    kept = [item for item in items if id(item) in chosen]
    left_out = [item for item in items if id(item) not in chosen]
    return kept, left_out


@pytest.hookimpl(trylast=True)  # after -m and -k, so the shares are of what runs
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    shard = config.getoption("--shard")
    if not shard:
        return
    kept, left_out = shard_of(items, shard)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the per-run databases this run created."""
    if not _created_databases:
        return
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for database in sorted(_created_databases):
            if database.endswith(f"_{os.getpid()}"):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    engine.dispose()


def postgres_url(database: str) -> str:
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


def ensure_postgres_database(database: str) -> str:
    if database not in _created_databases:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{database}"'))
        engine.dispose()
        _created_databases.add(database)
    return postgres_url(database)


def fresh_postgres_database(database: str, owner: str | None = None) -> str:
    """An empty database owned by `owner` (dropped first if a killed run left one behind),
    dropped when the run ends; name it `..._<pid>`."""
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        owned_by = f' OWNER "{owner}"' if owner else ""
        connection.execute(text(f'CREATE DATABASE "{database}"{owned_by}'))
    engine.dispose()
    _created_databases.add(database)
    return postgres_url(database)


def role_url(url: str, role: str) -> str:
    """`url` (an administrator's) connecting as `role` instead."""
    parsed = make_url(url).set(username=role, password=TEST_ROLE_PASSWORD)
    return parsed.render_as_string(hide_password=False)


def ensure_test_roles(service: str) -> None:
    """The service's roles with the test password, once per run (they are the server's)."""
    if service in _roles_ready:
        return
    roles = roles_for(service)
    engine = create_engine(POSTGRES_ADMIN_URL, poolclass=NullPool)
    with engine.begin() as connection:
        create_roles(connection, service, dict.fromkeys(roles.all(), TEST_ROLE_PASSWORD))
    engine.dispose()
    _roles_ready.add(service)


def wall_database(url: str, service: str) -> tuple[str, str]:
    """Put the tenant wall up on a database the tests built; (service URL, platform URL)."""
    ensure_test_roles(service)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        apply_tenant_wall(service, connection)
    engine.dispose()
    roles = roles_for(service)
    return role_url(url, roles.service), role_url(url, roles.platform)


# PostgreSQL databases this test process built, by URL: the metadata they were built from and
# whether the tenant wall is up. The next test on one empties its tables instead of dropping
# and creating them again and putting the wall back up (a few hundred statements a test).
_built: dict[str, tuple[int, bool]] = {}


def schema_changed(url: str) -> None:
    """A test altered the schema at `url` (a column's type, a policy): the next test that uses
    the database builds it again instead of emptying it."""
    database = make_url(url).database
    for built in [known for known in _built if make_url(known).database == database]:
        del _built[built]


def _end_other_sessions(engine: Engine) -> None:
    """End every other session on the database: a container stopped in the middle of a
    transaction leaves its session idle in it, holding locks that would make TRUNCATE or DROP
    wait for ever (a likely cause of a 300 s hang in CI). Nothing of the next test is
    connected yet."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )


def reset_schema(url: str, metadata: MetaData) -> bool:
    """An empty schema of `metadata` at `url`; True when it was (re)built rather than emptied."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        if engine.dialect.name == "postgresql":
            _end_other_sessions(engine)
        if engine.dialect.name == "postgresql" and _built.get(url, (None,))[0] == id(metadata):
            tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
            with engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            return False
        metadata.drop_all(engine)
        metadata.create_all(engine)
        if engine.dialect.name == "postgresql":
            _built[url] = (id(metadata), False)
        return True
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def walled_databases() -> dict[str, str]:
    """service -> administrator's URL of a fresh PostgreSQL database that the service's own
    migrations built, connected as its owner role (so the tenant wall is the migrations')."""
    from services.chassis.migrate import MIGRATED_SERVICES, upgrade

    urls = {}
    for service in MIGRATED_SERVICES:
        ensure_test_roles(service)
        owner = roles_for(service).owner
        url = fresh_postgres_database(f"casework_test_wall_{service}_{os.getpid()}", owner)
        upgrade(service, role_url(url, owner))
        urls[service] = url
    return urls


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_database(db_backend: str, tmp_path: Any) -> Callable[[str], str]:
    """`make(service)`: a database with nothing in it, for tests of that service's migrations."""

    def make(service: str) -> str:
        if db_backend == "sqlite":
            return f"sqlite:///{tmp_path}/{service}-migrated.db"
        return fresh_postgres_database(f"casework_test_{service}_migrated_{os.getpid()}")

    return make


@pytest.fixture
def service_database(
    db_backend: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str, MetaData], str]:
    def make(service: str, metadata: MetaData) -> str:
        prefix = f"CASEWORK_{service.upper()}_"
        if db_backend == "sqlite":
            url = f"sqlite:///{tmp_path}/{service}.db"
        else:
            # One database per service and test run: parallel runs must not drop each other's.
            url = ensure_postgres_database(f"casework_test_{service}_{os.getpid()}")
        reset_schema(url, metadata)
        monkeypatch.delenv(f"{prefix}MIGRATION_DATABASE_URL", raising=False)
        if db_backend == "postgresql" and tenant_wall_in_tests():
            if _built[url][1]:  # emptied: its wall is still up
                roles = roles_for(service)
                service_url = role_url(url, roles.service)
                platform_url = role_url(url, roles.platform)
            else:
                service_url, platform_url = wall_database(url, service)
                _built[url] = (_built[url][0], True)
            monkeypatch.setenv(f"{prefix}DATABASE_URL", service_url)
            monkeypatch.setenv(f"{prefix}PLATFORM_DATABASE_URL", platform_url)
        else:
            monkeypatch.setenv(f"{prefix}DATABASE_URL", url)
            monkeypatch.delenv(f"{prefix}PLATFORM_DATABASE_URL", raising=False)
        return url

    return make


# Below Linux's ephemeral range (32768-60999): a port handed out here is not also what the
# kernel picks for an outgoing connection (to PostgreSQL, RabbitMQ) while the service that is
# to listen on it is still starting, which made a started service fail with "Address already
# in use" now and then.
LISTEN_PORTS = range(20_000, 32_000)


# The share of LISTEN_PORTS this process picks from: with `--shard I/N`, its I-th N-th, so
# that pytest processes side by side never pick the same port between the check and the bind.
_listen_ports: range = LISTEN_PORTS


def ports_of_shard(shard: str | None) -> range:
    """The part of LISTEN_PORTS a process running `--shard I/N` listens on (all without)."""
    if not shard:
        return LISTEN_PORTS
    index, count = parse_shard(shard)
    span = len(LISTEN_PORTS) // count
    start = LISTEN_PORTS.start + (index - 1) * span
    return range(start, start + span)


def pytest_configure(config: pytest.Config) -> None:
    global _listen_ports
    _listen_ports = ports_of_shard(config.getoption("--shard"))


# Ports handed out by this process, not handed out again: a system under test takes a port
# for each process before any listens, so "nothing listens on it now" alone sometimes gave
# two of them one port ("Address already in use", about one system start in a hundred).
_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on and this process never handed out, for a service to use."""
    if len(_handed_out) > len(_listen_ports) // 2:
        _handed_out.clear()  # long ago: those tests and their processes are gone
    unused = [port for port in _listen_ports if port not in _handed_out]
    for port in random.Random().sample(unused, min(50, len(unused))):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(
        f"no free port between {_listen_ports.start} and {_listen_ports.stop} on 127.0.0.1"
    )


@pytest.fixture
def web_address() -> Iterator[str]:
    address = f"127.0.0.1:{free_port()}"
    with config.patch({"WEB_SERVER_ADDRESS": address}):
        yield address


@pytest.fixture
def amqp_uri(rabbit_config: None) -> str:
    uri = str(config["AMQP_URI"])
    with Connection(uri) as connection, connection.channel() as channel:
        declare_topology(channel)
    return uri


@pytest.fixture
def publish_event(amqp_uri: str) -> Callable[..., dict[str, Any]]:
    """Publish an event as its producer's outbox relay would; returns the envelope."""

    def publish(
        contract: EventContract,
        payload: Mapping[str, Any],
        *,
        office_id: str,
        event_id: str | None = None,
        raw_body: Any = None,
    ) -> dict[str, Any]:
        body = (
            raw_body
            if raw_body is not None
            else envelope(contract, payload, office_id=office_id, event_id=event_id)
        )
        headers = envelope_headers(body) if isinstance(body, dict) and "event_id" in body else {}
        with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
            Producer(connection.channel(), exchange=EVENTS_EXCHANGE).publish(
                json.dumps(body),
                headers=headers,
                routing_key=contract.event_type,
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                mandatory=True,
            )
        return body if isinstance(body, dict) else {}

    return publish


def wait_until(
    predicate: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05, message: str = ""
) -> Any:
    """Poll until `predicate()` is truthy; fail the test with `message` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(message or f"condition not met within {timeout}s")
        time.sleep(interval)
