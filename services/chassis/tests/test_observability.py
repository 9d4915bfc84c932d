"""Entrypoint metrics count what the client got: an HTTP error response is not an `ok`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from nameko.web.handlers import http
from prometheus_client import REGISTRY
from sqlalchemy import MetaData
from werkzeug.wrappers import Request, Response

from services.chassis.errors import NotFound
from services.chassis.http import json_errors, json_response
from services.chassis.observability import outcome_of
from services.chassis.service import Database, ServiceBase

from .test_unit_of_work import Base


class FailingWebService(ServiceBase):
    name = "intake"
    db = Database(Base.metadata)

    @http("GET", "/boom")
    @json_errors
    def boom(self, request: Request) -> Response:
        raise RuntimeError("a bug behind a JSON error handler")

    @http("GET", "/missing")
    @json_errors
    def missing(self, request: Request) -> Response:
        raise NotFound("no such thing")

    @http("GET", "/fine")
    @json_errors
    def fine(self, request: Request) -> Response:
        return json_response(200, {"ok": True})


@pytest.fixture(params=["sqlite"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def calls(entrypoint: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "casework_intake_entrypoint_calls_total", {"entrypoint": entrypoint, "outcome": outcome}
    )
    return value or 0.0


def test_a_500_from_an_error_handler_counts_as_an_error_and_a_404_as_refused(
    service_database: Callable[[str, MetaData], str],
    amqp_uri: str,
    web_address: str,
    container_factory: Any,
) -> None:
    service_database("intake", Base.metadata)
    container_factory(FailingWebService).start()
    before = {
        name: calls(name, outcome)
        for name, outcome in (("boom", "error"), ("missing", "refused"), ("fine", "ok"))
    }

    assert requests.get(f"http://{web_address}/boom", timeout=5).status_code == 500
    assert requests.get(f"http://{web_address}/missing", timeout=5).status_code == 404
    assert requests.get(f"http://{web_address}/fine", timeout=5).status_code == 200

    assert calls("boom", "error") == before["boom"] + 1
    assert calls("boom", "ok") == 0
    assert calls("missing", "refused") == before["missing"] + 1
    assert calls("fine", "ok") == before["fine"] + 1


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (Response(status=503), "error"),
        (Response(status=422), "refused"),
        (Response(status=202), "ok"),
        ((500, "oops"), "error"),
        ((429, {}, "slow down"), "refused"),
        ({"cases": []}, "ok"),
        (None, "ok"),
    ],
)
def test_the_outcome_is_read_from_what_the_entrypoint_returned(result: Any, outcome: str) -> None:
    assert outcome_of(result) == outcome
