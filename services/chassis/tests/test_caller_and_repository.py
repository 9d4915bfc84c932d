"""The office a staff call acts in, and the office-scoped repository base binding it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import bindparam, create_engine, select
from sqlalchemy.orm import Session

from services.chassis.caller import Caller
from services.chassis.domain import Actor
from services.chassis.errors import NotFound
from services.chassis.repository import OfficeScopedRepository


def test_a_staff_caller_acts_in_the_office_it_names() -> None:
    actor = Actor.staff("u-1", "caseworker", None)
    assert Caller(actor, "rep-a").acting("rep-a") == ("rep-a", actor)


def test_a_caller_of_another_office_finds_nothing_there() -> None:
    with pytest.raises(NotFound):
        Caller(Actor.staff("u-1", "caseworker", None), "rep-a").acting("rep-b")


def test_every_statement_of_a_repository_binds_its_unit_of_works_office() -> None:
    engine = create_engine("sqlite://")
    statement: Any = select(bindparam("office_id"), bindparam("case_id"))
    with Session(engine) as session:
        uow: Any = SimpleNamespace(session=session, office_id="rep-a")
        repository = OfficeScopedRepository(uow)
        assert [tuple(row) for row in repository._rows(statement, case_id="c-1")] == [
            ("rep-a", "c-1")
        ]
        assert tuple(repository._row(statement, case_id="c-2")) == ("rep-a", "c-2")
        assert repository._params(case_id="c-3") == {"office_id": "rep-a", "case_id": "c-3"}
