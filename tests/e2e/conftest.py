from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.system import System

ONE_DATABASE = "postgresql_only"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{ONE_DATABASE}: checks what the browser shows or refuses, whatever database the "
        "services use: run against the system on PostgreSQL only",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each e2e module runs twice, on a system over PostgreSQL and one over SQLite (the
    embedded default). A test marked `postgresql_only` runs on the first alone: what it checks
    (accessibility, keyboard use, error pages, refusals) is the same over either database, and
    the SQLite system is exercised by the flows that store and read (a minute of suite time)."""
    kept, dropped = [], []
    for item in items:
        spec = getattr(item, "callspec", None)
        on_sqlite = spec is not None and spec.params.get("running_system") == "sqlite"
        (dropped if on_sqlite and item.get_closest_marker(ONE_DATABASE) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def running_system(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[System]:
    """The whole system, shared by the tests of one module (starting it takes seconds)."""
    system = System(Path(tmp_path_factory.mktemp(f"system-{request.param}")), request.param)
    try:
        system.start()
        yield system
    finally:
        system.stop()


@pytest.fixture
def fresh_system(tmp_path: Path) -> Iterator[System]:
    """A system of its own on PostgreSQL, for tests that kill things."""
    system = System(tmp_path, "postgresql")
    try:
        system.start()
        yield system
    finally:
        system.stop()
