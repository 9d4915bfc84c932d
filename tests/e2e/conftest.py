from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.system import System


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
