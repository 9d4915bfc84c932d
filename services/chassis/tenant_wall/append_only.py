"""Append-only tables (an audit log): on PostgreSQL a trigger refuses every UPDATE and DELETE
of their rows, whoever runs it, and the service role loses those privileges (`Wall.append_only`
says which tables; `apply_tenant_wall` applies it)."""

from __future__ import annotations

from sqlalchemy import Connection

from services.chassis.tenant_wall.sql import _bind, _run, quote

APPEND_ONLY_FUNCTION = "casework_append_only"
APPEND_ONLY = (
    f"CREATE OR REPLACE FUNCTION {APPEND_ONLY_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP "
    "USING ERRCODE = 'insufficient_privilege'; END $$",
    "DROP TRIGGER IF EXISTS {trigger} ON {table}",
    "CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
    f"FOR EACH ROW EXECUTE FUNCTION {APPEND_ONLY_FUNCTION}()",
)


def append_only_trigger(table: str) -> str:
    return f"{table}_append_only"


def refuse_changes(table: str, connection: Connection | None = None) -> None:
    """A trigger that refuses every UPDATE and DELETE of `table`'s rows, whoever runs it (the
    owner included, short of dropping the trigger). A no-op on SQLite. Idempotent."""
    bind = _bind(connection)
    if bind.dialect.name == "postgresql":
        names = {"table": quote(bind, table), "trigger": quote(bind, append_only_trigger(table))}
        _run(bind, *(statement.format(**names) for statement in APPEND_ONLY))


def allow_changes_to(table: str, role: str, connection: Connection | None = None) -> None:
    """Undo `refuse_changes`, and give `role` back UPDATE and DELETE (a downgrade)."""
    bind = _bind(connection)
    if bind.dialect.name == "postgresql":
        name, trigger = quote(bind, table), quote(bind, append_only_trigger(table))
        _run(
            bind,
            f"DROP TRIGGER IF EXISTS {trigger} ON {name}",
            f"GRANT UPDATE, DELETE ON {name} TO {quote(bind, role)}",
        )
