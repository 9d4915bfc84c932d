"""The demo seed on both databases: it needs the roster, writes realistic cases across the
lifecycle through the office's counter, announces nothing, and a second run adds nothing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from services.cases import seed
from services.cases.models import Base, CaseRow, ReferenceCounterRow, StaffMemberRow
from services.cases.tests.conftest import Office

outbox = Base.metadata.tables["outbox"]


def test_without_anyone_who_takes_cases_the_seed_says_so_and_exits_1(
    office: Office, capsys: pytest.CaptureFixture[str]
) -> None:
    assert seed.main(["--count", "5"]) == 1
    assert "nobody in office rep-demo takes cases" in capsys.readouterr().err
    assert office.cases() == []


def test_the_seed_writes_the_demo_office_once_across_the_lifecycle(office: Office) -> None:
    with office.engine.begin() as connection:
        for user, name, role in (
            ("d-1", "Sam Rivera", "caseworker"),
            ("d-2", "Pat Boss", "supervisor"),
            ("d-3", "Ira Intern", "read_only"),
        ):
            connection.execute(
                insert(StaffMemberRow).values(
                    office_id=seed.OFFICE,
                    user_id=user,
                    display_name=name,
                    role=role,
                    updated_at=datetime.now(UTC),
                )
            )

    assert seed.main(["--count", "80"]) == 0
    assert seed.main(["--count", "80"]) == 0  # nothing more

    with Session(office.engine) as session:
        cases = list(session.scalars(select(CaseRow).where(CaseRow.office_id == seed.OFFICE)))
        counted = session.scalar(
            select(func.sum(ReferenceCounterRow.last_number)).where(
                ReferenceCounterRow.office_id == seed.OFFICE
            )
        )
        announced = session.scalar(select(func.count()).select_from(outbox))
    assert len(cases) == 80 and counted == 80 and announced == 0
    assert len({case.reference for case in cases}) == 80
    statuses = Counter(case.status for case in cases)
    assert {"new", "open", "waiting_on_agency", "closed"} <= set(statuses)
    assert {case.assigned_to_id for case in cases} == {"d-1", "d-2"}
    assert len({case.category for case in cases}) >= 8
    ages = [(datetime.now(UTC) - case.opened_at).days for case in cases]
    assert min(ages) < 20 and max(ages) > 150
    closed = [case for case in cases if case.status == "closed"]
    assert all(case.outcome_result and case.closed_at for case in closed)
    assert any(case.priority == "urgent" for case in cases)
    assert any(case.due_on is not None for case in cases)
