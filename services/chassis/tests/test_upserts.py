"""Upserts are compiled once per shape and cached, on both databases, without a cached form
ever carrying another statement's values: a value set ON CONFLICT is bound, not baked in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Integer, MetaData, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.chassis.db import create_db_engine, insert_on_conflict, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class Counter(Base):
    __tablename__ = "upsert_counters"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(32))
    total: Mapped[int] = mapped_column(Integer)


TABLE = Base.metadata.tables["upsert_counters"]


@pytest.fixture
def engine(service_database: Callable[[str, MetaData], str]) -> Iterator[Engine]:
    made = create_db_engine(service_database("chassis", Base.metadata))
    yield made
    made.dispose()


def dialect(engine: Engine) -> str:
    return engine.dialect.name


def cache_hit(result: Any) -> bool:
    return bool(result.context.cache_hit == result.context.dialect.CACHE_HIT)


def test_a_prebuilt_upsert_is_compiled_once_and_run_with_each_call_s_values(
    engine: Engine,
) -> None:
    statement = insert_on_conflict(dialect(engine), TABLE).on_conflict_do_update(
        index_elements=["name"], set_={"total": TABLE.c.total + 1}
    )
    hits = []
    with engine.begin() as connection:
        for label in ("first", "second", "third"):
            result = connection.execute(statement, {"name": "a", "label": label, "total": 1})
            hits.append(cache_hit(result))
        row = connection.execute(select(TABLE)).one()

    assert hits == [False, True, True]
    assert (row.name, row.label, row.total) == ("a", "first", 3)


def test_upserts_built_per_call_share_a_compiled_form_but_not_its_values(
    engine: Engine,
) -> None:
    """Built anew each time with `values()` and a Python value in SET: the second and third
    reuse the first one's compiled form, each with its own values."""
    hits = []
    with engine.begin() as connection:
        for label, total in (("first", 1), ("second", 20), ("third", 300)):
            statement = (
                insert_on_conflict(dialect(engine), TABLE)
                .values(name="a", label=label, total=total)
                .on_conflict_do_update(index_elements=["name"], set_={"label": label})
            )
            hits.append(cache_hit(connection.execute(statement)))
        row = connection.execute(select(TABLE)).one()

    assert hits == [False, True, True]
    assert (row.label, row.total) == ("third", 1)


def test_conflict_clauses_that_differ_are_cached_apart(engine: Engine) -> None:
    upsert = insert_on_conflict(dialect(engine), TABLE)
    variants = [
        upsert.on_conflict_do_nothing(),
        upsert.on_conflict_do_nothing(index_elements=["name"]),
        upsert.on_conflict_do_update(index_elements=["name"], set_={"label": "x"}),
        upsert.on_conflict_do_update(index_elements=["name"], set_={"total": 0}),
        upsert.on_conflict_do_update(
            index_elements=["name"], set_={"total": 0}, where=TABLE.c.total > 5
        ),
    ]
    keys = [variant._generate_cache_key() for variant in variants]

    assert all(key is not None for key in keys)
    assert len({key.key for key in keys if key is not None}) == len(variants)
    with engine.begin() as connection:
        connection.execute(variants[0], {"name": "a", "label": "kept", "total": 7})
        for variant in variants[1:]:
            connection.execute(variant, {"name": "a", "label": "new", "total": 1})
        row = connection.execute(select(TABLE)).one()
    # do nothing, do nothing, label x, total 0, then total > 5 no longer holds: kept as is.
    assert (row.label, row.total) == ("x", 0)
