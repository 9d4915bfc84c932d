"""The office a staff call acts in, and the office-scoped repository base binding it (and that
every office-bound repository does bind it)."""

from __future__ import annotations

import ast
from pathlib import Path
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


# A repository that names its unit of work's office by hand is one forgotten `where` away from
# another office's rows (on SQLite, the repository is the only wall). Two classes keep it on
# purpose: cases' `Tracked` is the flush helper its repositories are handed, not one itself,
# and intake's text replies are platform-wide (one number for every office).
HAND_SCOPED_ON_PURPOSE = {
    ("services/cases/adapters/tracking.py", "Tracked"),
    ("services/intake/adapters/text_replies.py", "TextReplyRepository"),
}


def test_no_repository_passes_its_office_by_hand() -> None:
    root = Path(__file__).resolve().parents[3]
    modules = [
        path
        for path in sorted((root / "services").glob("*/**/*.py"))
        if "tests" not in path.parts
        and (path.parent.name == "adapters" or path.name.endswith("repository.py"))
    ]
    assert len(modules) > 20, "the repositories' modules are where this test looks for them"
    by_hand = []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and "self._uow.office_id" in ast.unparse(node):
                where = (path.relative_to(root).as_posix(), node.name)
                if where not in HAND_SCOPED_ON_PURPOSE:
                    by_hand.append(where)
    assert by_hand == [], "bind the office through OfficeScopedRepository's _params/_rows/_row"
