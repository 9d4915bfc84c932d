"""What every notify repository shares: scoping to its unit of work's office, and the
projection upsert built once per dialect and table."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    RowMapping,
    Select,
    Table,
    bindparam,
    func,
    select,
)

from services.chassis.db import insert_on_conflict
from services.chassis.repository import OfficeScopedRepository


@functools.cache
def upsert(
    dialect: str,
    table: Table,
    keys: Sequence[str],
    newest_by: str | None = None,
    kept: Sequence[str] = (),
) -> Any:
    """Insert a projection row, or replace every other column of the row with these keys
    except the `kept` ones (the service's own, which the projected event does not carry);
    with `newest_by` (a time column), only by a row at least as new as the one kept, so the
    latest announcement wins whatever order the events arrive in."""
    statement = insert_on_conflict(dialect, table)
    fixed = set(keys) | set(kept)
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in fixed},
        where=None if newest_by is None else statement.excluded[newest_by] >= table.c[newest_by],
    )


def due_in_office(
    table: Table, due: ColumnElement[Any], waiting: ColumnExpressionArgument[bool]
) -> Select[Any]:
    """The office's `waiting` rows whose `due` moment has come by `now`, oldest first, at
    most `limit`: read through the table's partial index on `due`."""
    return (
        select(table)
        .where(table.c.office_id == bindparam("office_id"), waiting, due <= bindparam("now"))
        .order_by(due)
        .limit(bindparam("limit"))
    )


def offices_with_due(
    table: Table, due: ColumnElement[Any], waiting: ColumnExpressionArgument[bool]
) -> Select[Any]:
    """Which offices have such rows, the longest waiting first (platform work: no tenant;
    each office's rows are claimed in its own unit of work)."""
    return (
        select(table.c.office_id)
        .where(waiting, due <= bindparam("now"))
        .group_by(table.c.office_id)
        .order_by(func.min(due))
        .limit(bindparam("limit"))
    )


P = TypeVar("P")


class Repository(OfficeScopedRepository):
    """Scoped to its unit of work's office (the chassis base): rows are read as mappings."""

    def _one(self, statement: Any, **params: Any) -> RowMapping | None:
        row = self._row(statement, **params)
        return row._mapping if row is not None else None

    def _one_projected(self, kind: type[P], statement: Any, **params: Any) -> P | None:
        """The projection's value object the statement finds, or None."""
        row = self._one(statement, **params)
        return projected(kind, row) if row else None

    def _rows(self, statement: Any, **params: Any) -> list[RowMapping]:
        return list(self._session.execute(statement, self._params(**params)).mappings())

    def _upsert(
        self,
        table: Table,
        keys: Sequence[str],
        values: Mapping[str, Any],
        newest_by: str | None = None,
        kept: Sequence[str] = (),
    ) -> None:
        statement = upsert(self._uow.dialect, table, tuple(keys), newest_by, tuple(kept))
        self._session.execute(statement, self._params(**values))


def projected(kind: type[P], row: Mapping[Any, Any]) -> P:
    """A projection's value object from its row: its fields are the row's column names."""
    return kind(**{f.name: row[f.name] for f in dataclasses.fields(kind)})  # type: ignore[arg-type]
