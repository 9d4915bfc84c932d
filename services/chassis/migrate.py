"""Run a service's Alembic migrations: `python -m services.chassis.migrate intake [cases ...]`.

Each service keeps its own history in `services/<service>/migrations`. Migrations connect as
the tables' owner, `CASEWORK_<SERVICE>_MIGRATION_DATABASE_URL`, which defaults to the URL the
service itself uses (`CASEWORK_<SERVICE>_DATABASE_URL`: SQLite, an un-walled PostgreSQL).

`--wait` migrates nothing: it waits until the service's database is at the head revision,
connecting as the service does (a Kubernetes init container while the migrate Job runs).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from services.chassis.config import load_settings

SERVICES_DIR = Path(__file__).resolve().parent.parent
MIGRATED_SERVICES = ("intake", "cases", "agencies", "notify", "metrics", "gateway")


def alembic_config(service: str, database_url: str | None = None) -> Config:
    url = database_url or load_settings(service).migration_database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
    cfg = Config()
    cfg.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


def upgrade(service: str, database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, database_url), revision)


def at_head(service: str, database_url: str) -> bool:
    """Whether the database has every head revision of the service's history."""
    heads = set(ScriptDirectory.from_config(alembic_config(service, database_url)).get_heads())
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads()) == heads
    finally:
        engine.dispose()


def wait_for_head(service: str, timeout: float, interval: float = 2.0) -> bool:
    """Poll, as the service connects, until its database is migrated; False on timeout."""
    url = load_settings(service).database_url
    deadline = time.monotonic() + timeout
    while True:
        try:
            if at_head(service, url):
                return True
            said = "not at head yet"
        except SQLAlchemyError as exc:
            said = type(exc).__name__
        if time.monotonic() > deadline:
            print(f"{service}: database not migrated within {timeout:g}s ({said})", flush=True)
            return False
        time.sleep(interval)


def autogenerate(service: str, message: str) -> None:
    """Write a new revision from the difference between the models and a scratch database."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        cfg = alembic_config(service, f"sqlite:///{scratch}/{service}.db")
        command.upgrade(cfg, "head")
        command.revision(cfg, message=message, autogenerate=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("services", nargs="*", default=list(MIGRATED_SERVICES))
    parser.add_argument("--autogenerate", metavar="MESSAGE", help="write a new revision instead")
    parser.add_argument(
        "--wait",
        action="store_true",
        help="migrate nothing: wait until the database is at head (as the service connects)",
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="for --wait, in seconds")
    args = parser.parse_args(argv)
    if args.wait:
        for service in args.services:
            if not wait_for_head(service, args.timeout):
                return 1
            print(f"{service}: database at head", flush=True)
        return 0
    if args.autogenerate:
        for service in args.services:
            autogenerate(service, args.autogenerate)
        return 0
    for service in args.services:
        upgrade(service)
        print(f"{service}: migrated to head")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
