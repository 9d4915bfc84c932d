"""Shared body of every service's `migrations/env.py` (online and offline modes)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData, engine_from_config, pool


def run(target_metadata: MetaData) -> None:
    cfg = context.config
    url = cfg.get_main_option("sqlalchemy.url")
    # SQLite cannot ALTER most things in place; batch mode copies the table instead.
    batch = bool(url and url.startswith("sqlite"))
    if context.is_offline_mode():
        context.configure(
            url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=batch
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connectable = engine_from_config(
        cfg.get_section(cfg.config_ini_section) or {}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=batch
        )
        with context.begin_transaction():
            context.run_migrations()
