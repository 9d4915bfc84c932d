"""Intake on a fresh database with the demo office registered: the nameko worker (a running
container on a fresh vhost) and intake-web (the Flask app, through its test client; no broker)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine

from services.chassis.testing import wait_until
from services.contracts import OFFICE_REGISTERED
from services.intake import keys
from services.intake.models import Base
from services.intake.service import IntakeService
from services.intake.tests.support import OFFICE, Portal, count, make_portal, register_office


@pytest.fixture
def intake(
    service_database: Callable[..., str],
    amqp_uri: str,
    web_address: str,
    container_factory: Any,
    publish_event: Callable[..., Any],
) -> Iterator[dict[str, Any]]:
    url = service_database("intake", Base.metadata)
    container = container_factory(IntakeService)
    container.start()
    publish_event(
        OFFICE_REGISTERED,
        {
            "office_id": OFFICE,
            "name": "Office of Rep. Lopez",
            "reply_to_email": "casework@lopez.example.gov",
        },
        office_id=OFFICE,
    )
    engine = create_engine(url)
    wait_until(lambda: count(engine, "offices"), message="office projection not written")
    yield {
        "base": f"http://{web_address}",
        "address": web_address,
        "engine": engine,
        "amqp_uri": amqp_uri,
    }
    engine.dispose()


@pytest.fixture
def intake_database(
    service_database: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Any]]:
    """A clean intake database with the demo office (inserted as its owner would be, so no
    broker is needed), and a master key for the identifiers releases seal."""
    url = service_database("intake", Base.metadata)
    monkeypatch.setenv("CASEWORK_INTAKE_MASTER_KEY", "q5Yh0f3X2w9hZr1bXl7c0pM3t8Vn4kQe6sJd2aUyLgI=")
    keys.forget_keys()  # data keys remembered for another test's database
    engine = create_engine(url)
    register_office(engine)
    yield {"url": url, "engine": engine}
    engine.dispose()
    keys.forget_keys()


@pytest.fixture
def portal(intake_database: dict[str, Any]) -> Iterator[Portal]:
    """intake-web on that database, as its service role connects, with the time trap off and
    limits no test reaches (the tests of those make their own app)."""
    made = make_portal(intake_database["engine"])
    yield made
    made.close()
