"""A running intake container on a fresh database and vhost, with the demo office registered."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine

from services.chassis.testing import wait_until
from services.contracts import OFFICE_REGISTERED
from services.intake.models import Base
from services.intake.service import IntakeService
from services.intake.tests.support import OFFICE, count


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
