"""The few SQL helpers every part of the tenant wall uses: the connection (a migration's, when
none is given), quoting a name, running statements."""

from __future__ import annotations

from sqlalchemy import Connection, text


def _bind(connection: Connection | None) -> Connection:
    if connection is not None:
        return connection
    from alembic import op  # only inside a migration

    return op.get_bind()


def quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)  # type: ignore[no-any-return]


def _run(connection: Connection, *statements: str) -> None:
    for statement in statements:
        connection.execute(text(statement))
