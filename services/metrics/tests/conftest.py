"""Metrics' real-database tests: one database per test on both backends, reached as the service
reaches it (on PostgreSQL its own role behind the tenant wall, and its platform role)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, MetaData

from services.chassis.db import create_db_engine
from services.metrics.models import Base

from .database import MetricsDatabase, metrics_database


@pytest.fixture
def database_url(service_database: Callable[[str, MetaData], str]) -> str:
    """The administrator's URL, which sees every office: for a test's own checks."""
    return service_database("metrics", Base.metadata)


@pytest.fixture
def db(database_url: str) -> Iterator[MetricsDatabase]:
    with metrics_database(
        os.environ["CASEWORK_METRICS_DATABASE_URL"],
        os.environ.get("CASEWORK_METRICS_PLATFORM_DATABASE_URL"),
    ) as db:
        yield db


@pytest.fixture
def admin(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()
