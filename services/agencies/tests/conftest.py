"""An agencies database built by the service's own Alembic migrations (so the seeded directory
is what production gets). On PostgreSQL the service connects as its own roles behind the
tenant wall the migrations put up: the service role for office work, the platform role for
the directory and the relay."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.agencies.models import Base
from services.chassis.migrate import upgrade
from services.chassis.tenant_wall import roles_for
from services.chassis.testing import (
    ensure_test_roles,
    fresh_postgres_database,
    role_url,
    tenant_wall_in_tests,
)

SERVICE = "agencies"
# The agencies the seed migration puts in the directory.
SEEDED_CODES = {
    "SSA",
    "VA",
    "USCIS",
    "DOS-PPT",
    "IRS",
    "CMS",
    "HUD",
    "OPM",
    "FEMA",
    "ED-FSA",
    "USPS",
    "SBA",
    "DOL",
    "DFAS",
    "BFS",
    "EEOC",
}


@pytest.fixture
def migrated_url(db_backend: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty database brought to head by the real migrations (schema and seed data); the
    administrator's URL, so a test's own checks see every office."""
    monkeypatch.delenv("CASEWORK_AGENCIES_MIGRATION_DATABASE_URL", raising=False)
    if db_backend == "sqlite":
        url = f"sqlite:///{tmp_path}/agencies.db"
        upgrade(SERVICE, url)
        monkeypatch.setenv("CASEWORK_AGENCIES_DATABASE_URL", url)
        monkeypatch.delenv("CASEWORK_AGENCIES_PLATFORM_DATABASE_URL", raising=False)
        return url
    url = fresh_postgres_database(f"casework_test_agencies_migrated_{os.getpid()}")
    ensure_test_roles(SERVICE)
    upgrade(SERVICE, url)
    if tenant_wall_in_tests():
        roles = roles_for(SERVICE)
        monkeypatch.setenv("CASEWORK_AGENCIES_DATABASE_URL", role_url(url, roles.service))
        monkeypatch.setenv("CASEWORK_AGENCIES_PLATFORM_DATABASE_URL", role_url(url, roles.platform))
    else:
        monkeypatch.setenv("CASEWORK_AGENCIES_DATABASE_URL", url)
        monkeypatch.delenv("CASEWORK_AGENCIES_PLATFORM_DATABASE_URL", raising=False)
    return url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = create_engine(migrated_url)
    yield engine
    engine.dispose()


def count_rows(engine: Engine, table: str) -> int:
    with Session(engine) as session:
        return int(
            session.execute(
                select(func.count()).select_from(Base.metadata.tables[table])
            ).scalar_one()
        )
