"""Run a service's Alembic migrations: `python -m services.chassis.migrate intake [cases ...]`.

Each service keeps its own history in `services/<service>/migrations`; the database URL comes
from the same settings the service reads (`CASEWORK_<SERVICE>_DATABASE_URL`).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from services.chassis.config import load_settings

SERVICES_DIR = Path(__file__).resolve().parent.parent
MIGRATED_SERVICES = ("intake", "cases", "agencies", "notify", "metrics", "gateway")


def alembic_config(service: str, database_url: str | None = None) -> Config:
    url = database_url or load_settings(service).database_url
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
    args = parser.parse_args(argv)
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
