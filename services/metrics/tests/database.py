"""Metrics' database access as the service builds it, over a test database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import sessionmaker

from services.chassis.db import create_db_engine
from services.chassis.uow import DatabaseAccess
from services.metrics.models import Base
from services.metrics.repository import MetricsUnitOfWork

MetricsDatabase = DatabaseAccess[MetricsUnitOfWork]


@contextmanager
def metrics_database(url: str, platform_url: str | None = None) -> Iterator[MetricsDatabase]:
    """Units of work connect to `url`; platform work to `platform_url` when it is another
    (on PostgreSQL behind the tenant wall: the service's role and its platform role)."""
    engine = create_db_engine(url)
    platform_engine = create_db_engine(platform_url) if platform_url else engine
    try:
        yield DatabaseAccess(
            sessionmaker(engine, expire_on_commit=False),
            Base.metadata,
            on_events=lambda: None,
            service="metrics",
            unit_of_work_type=MetricsUnitOfWork,
            platform_sessions=sessionmaker(platform_engine, expire_on_commit=False),
        )
    finally:
        engine.dispose()
        platform_engine.dispose()
