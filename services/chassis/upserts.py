"""INSERT ... ON CONFLICT statements that SQLAlchemy can cache.

SQLAlchemy compiles a statement once and keeps it under its cache key, but its PostgreSQL and
SQLite `Insert` say `inherit_cache = False`: their ON CONFLICT clause names no attributes for
a key, so every upsert was compiled afresh on every execution (about 7 % of notify's CPU under
load, and the inbox claim of every consumed batch). These subclasses name them: the conflict
target (constraint name, index elements, index predicate), and for DO UPDATE the values set
and the condition. Values given as Python objects become bound parameters in the key, as in
an UPDATE's `values()`, so a statement built per call with other values reuses the compiled
form with its own values."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, ClauseElement, Table, TableClause
from sqlalchemy.dialects.postgresql import dml as postgresql_dml
from sqlalchemy.dialects.sqlite import dml as sqlite_dml
from sqlalchemy.sql.visitors import InternalTraversal

# SQLite's conflict target has no constraint name.
_INDEX = [
    ("inferred_target_elements", InternalTraversal.dp_multi_list),
    ("inferred_target_whereclause", InternalTraversal.dp_clauseelement),
]
_TARGET = [("constraint_target", InternalTraversal.dp_string), *_INDEX]
_UPDATE = [
    ("update_values_to_set", InternalTraversal.dp_dml_ordered_values),
    ("update_whereclause", InternalTraversal.dp_clauseelement),
]


class _BoundSet:
    """DO UPDATE with its SET values given as Python objects bound now, as parameters of their
    column's type: the compiler would make them while compiling, and a cached compiled form
    would then keep the first statement's values for every later one."""

    update_values_to_set: list[tuple[Any, Any]]

    def __init__(self, table: TableClause, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.update_values_to_set = [
            (
                key,
                value
                if isinstance(value, ClauseElement) or hasattr(value, "__clause_element__")
                else BindParameter(None, value, type_=table.c[getattr(key, "key", key)].type),
            )
            for key, value in self.update_values_to_set
        ]


class _PostgresqlDoNothing(postgresql_dml.OnConflictDoNothing):
    _traverse_internals = _TARGET


class _PostgresqlDoUpdate(_BoundSet, postgresql_dml.OnConflictDoUpdate):
    _traverse_internals = _TARGET + _UPDATE


class _SqliteDoNothing(sqlite_dml.OnConflictDoNothing):
    _traverse_internals = _INDEX


class _SqliteDoUpdate(_BoundSet, sqlite_dml.OnConflictDoUpdate):
    _traverse_internals = _INDEX + _UPDATE


class _CachedConflicts:
    """An Insert whose ON CONFLICT clauses are the keyed subclasses above."""

    _keyed_nothing: Any
    _keyed_update: Any

    def on_conflict_do_nothing(self, *args: Any, **kwargs: Any) -> Any:
        made = super().on_conflict_do_nothing(*args, **kwargs)  # type: ignore[misc]
        made._post_values_clause = self._keyed_nothing(*args, **kwargs)
        return made

    def on_conflict_do_update(self, *args: Any, **kwargs: Any) -> Any:
        made = super().on_conflict_do_update(*args, **kwargs)  # type: ignore[misc]
        made._post_values_clause = self._keyed_update(made.table, *args, **kwargs)
        return made


class PostgresqlInsert(_CachedConflicts, postgresql_dml.Insert):
    """PostgreSQL's INSERT with a cache key that covers its ON CONFLICT clause."""

    inherit_cache = True
    _keyed_nothing = _PostgresqlDoNothing
    _keyed_update = _PostgresqlDoUpdate


class SqliteInsert(_CachedConflicts, sqlite_dml.Insert):
    """SQLite's INSERT with a cache key that covers its ON CONFLICT clause."""

    inherit_cache = True
    _keyed_nothing = _SqliteDoNothing
    _keyed_update = _SqliteDoUpdate


def insert_on_conflict(dialect: str, table: Table) -> Any:
    """An INSERT that can say ON CONFLICT (DO NOTHING / DO UPDATE) on this dialect, and is
    compiled once per shape rather than on every execution."""
    if dialect == "postgresql":
        return PostgresqlInsert(table)
    return SqliteInsert(table)
