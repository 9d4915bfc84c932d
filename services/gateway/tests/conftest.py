"""A running gateway container on a fresh database and vhost, and the demo office with fake
`cases` and `metrics` services answering for it."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine

from services.gateway import seed
from services.gateway.models import Base
from services.gateway.service import GatewayService
from services.gateway.tests.support import (
    RPC_TIMEOUT_SECONDS,
    FakeCases,
    FakeMetrics,
    Gateway,
)


@pytest.fixture
def rpc_timeout() -> float:
    """The gateway's RPC deadline: generous, so that a page test on a loaded machine (the
    suite's shares side by side on two cores) does not see a slow reply as a failed one.
    Tests of the deadline itself (test_service.py) override it with RPC_TIMEOUT_SECONDS."""
    return 10 * RPC_TIMEOUT_SECONDS


@pytest.fixture
def gateway(
    service_database: Callable[..., str],
    amqp_uri: str,
    web_address: str,
    container_factory: Any,
    monkeypatch: pytest.MonkeyPatch,
    rpc_timeout: float,
) -> Iterator[Gateway]:
    monkeypatch.setenv("CASEWORK_GATEWAY_RPC_TIMEOUT_SECONDS", str(rpc_timeout))
    monkeypatch.setenv("CASEWORK_OUTBOX_INTERVAL_SECONDS", "0.2")
    url = service_database("gateway", Base.metadata)
    container_factory(GatewayService).start()
    engine = create_engine(url)
    yield Gateway(f"http://{web_address}", engine, amqp_uri, container_factory)
    engine.dispose()


@pytest.fixture
def demo_office(gateway: Gateway) -> Gateway:
    """The seeded demo office, with fake cases and metrics answering for it."""
    assert seed.main(out=io.StringIO()) == 0
    gateway.start(FakeCases, FakeMetrics)
    gateway.log_in()
    return gateway
