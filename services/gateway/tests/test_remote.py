"""Calls to other services answer or fail within their deadline, are counted when they fail,
and leave nothing waiting behind them (fake nameko client; no broker)."""

from __future__ import annotations

import time
from typing import Any

import eventlet
import pytest
from nameko.exceptions import RemoteError, UnknownService
from prometheus_client import REGISTRY

from services.chassis.errors import ServiceUnavailable
from services.chassis.observability import service_metric
from services.chassis.remote import RemoteService
from services.gateway.domain.queue import CasePage
from services.gateway.schemas import CasePageSchema

FAILURES = service_metric(
    "counter",
    "gateway",
    "rpc_failures_total",
    "RPC calls to other services that failed or did not answer in time",
    ["service"],
)


class Call:
    """What nameko's `call_async` returns: a correlation id and a blocking `result()`."""

    def __init__(self, reply: Any = None, error: Exception | None = None, delay: float = 0):
        self.correlation_id = "corr-1"
        self._reply = reply
        self._error = error
        self._delay = delay

    def result(self) -> Any:
        eventlet.sleep(self._delay)
        if self._error is not None:
            raise self._error
        return self._reply


class Client:
    def __init__(self, call: Call | None = None, refuse: Exception | None = None) -> None:
        self.call = call
        self.refuse = refuse
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, method: str) -> Any:
        client = self

        class Method:
            @staticmethod
            def call_async(**kwargs: Any) -> Call | None:
                if client.refuse is not None:
                    raise client.refuse
                client.sent.append((method, kwargs))
                return client.call

        return Method


def failures(service: str = "cases") -> float:
    return (
        REGISTRY.get_sample_value("casework_gateway_rpc_failures_total", {"service": service})
        or 0.0
    )


def remote(client: Client, pending: dict[str, Any] | None = None) -> RemoteService:
    return RemoteService(client, "cases", 0.2, FAILURES, pending if pending is not None else {})


def test_a_reply_in_time_is_loaded_with_the_schema() -> None:
    client = Client(Call({"cases": [], "total": 0, "extra": "ignored"}))

    page = remote(client).call("list_cases", CasePageSchema(), office_id="rep-demo", limit=5)

    assert page == CasePage(cases=(), total=0)
    assert client.sent == [("list_cases", {"office_id": "rep-demo", "limit": 5})]


def test_no_reply_by_the_deadline_fails_stops_waiting_and_is_counted() -> None:
    pending = {"corr-1": object(), "someone-else": object()}
    before = failures()
    began = time.monotonic()

    with pytest.raises(ServiceUnavailable) as unavailable:
        remote(Client(Call({"cases": [], "total": 0}, delay=5)), pending).call("list_cases")

    # Well before the reply would come (5 s), whatever the load on the machine.
    assert time.monotonic() - began < 2.5
    assert unavailable.value.reason == "timeout" and unavailable.value.status == 503
    assert list(pending) == ["someone-else"]
    assert failures() == before + 1


def test_a_service_that_is_not_running_fails_at_once() -> None:
    before = failures()

    with pytest.raises(ServiceUnavailable) as unavailable:
        remote(Client(refuse=UnknownService("cases"))).send("list_cases")

    assert unavailable.value.reason == "not running"
    assert failures() == before + 1


def test_an_error_raised_by_the_service_is_reported_by_type_only() -> None:
    error = RemoteError("ValidationFailed", "office_id 'Maria Lopez' is not valid")

    with pytest.raises(ServiceUnavailable) as unavailable:
        remote(Client(Call(error=error))).call("list_cases")

    assert unavailable.value.reason == "remote ValidationFailed"
    assert "Maria" not in unavailable.value.message


def test_a_reply_that_breaks_the_contract_is_a_failure_naming_the_fields() -> None:
    with pytest.raises(ServiceUnavailable) as unavailable:
        remote(Client(Call({"cases": [{"reference": "CW-1"}]}))).call(
            "list_cases", CasePageSchema()
        )

    assert "cases" in unavailable.value.reason and "total" in unavailable.value.reason
