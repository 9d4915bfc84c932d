"""The rotation as the repository takes it, against the turns written out by hand
(rotation_oracle.py), on both databases: on PostgreSQL that is the SQL of adapters/rotation.py
(apart for openings, inline for roster changes), on SQLite the domain rule over the roster read.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, text

from services.cases.domain.routing import RosterMember, Turn, take_turn
from services.cases.models import StaffMemberRow
from services.cases.tests import rotation_oracle
from services.cases.tests.conftest import OFFICE, Office
from services.cases.tests.rotation_oracle import T0
from services.chassis.testing import schema_changed

# The rotation alone: no member of these rosters lists any specialty.
NOBODYS_SPECIALTY = "passport"


@pytest.fixture
def linguistic_office(office: Office) -> Office:
    """On PostgreSQL, names compared as a typical production database does (en-US collation,
    where "alex chen" sorts with "Alex Chen"), not byte by byte as this test server might."""
    if office.engine.dialect.name == "postgresql":
        with office.engine.begin() as connection:
            if not connection.execute(
                text("SELECT 1 FROM pg_collation WHERE collname = 'en-US-x-icu'")
            ).first():
                pytest.skip("this PostgreSQL has no ICU en-US collation")
            schema_changed(str(office.engine.url))
            for column in ("display_name", "user_id"):
                connection.execute(
                    text(
                        f"ALTER TABLE staff_members ALTER COLUMN {column} "
                        'TYPE varchar(200) COLLATE "en-US-x-icu"'
                    )
                )
    return office


class DatabaseOffice:
    """The office's roster in the database; each step is a unit of work of its own."""

    def __init__(self, office: Office, via: str) -> None:
        self.office = office
        self.via = via

    def take_turn(self, now: datetime) -> Turn | None:
        with self.office.db.unit_of_work(office_id=OFFICE) as uow:
            if self.via == "openings":
                allocation = uow.allocations.take(str(uuid.uuid4()), now, NOBODYS_SPECIALTY)
                assert allocation is not None
                turn = allocation.turn
            else:
                turn = uow.staff.take_turn(now, NOBODYS_SPECIALTY)
            uow.commit()
        return turn

    def join(self, member: RosterMember) -> None:
        with self.office.db.unit_of_work(office_id=OFFICE) as uow:
            uow.staff.put(replace(member, announced_at=T0))
            uow.commit()

    def change_role(self, user_id: str, role: str) -> None:
        with self.office.db.unit_of_work(office_id=OFFICE) as uow:
            member = uow.staff.get(user_id)
            assert member is not None
            uow.staff.put(replace(member, role=role))
            uow.commit()


@pytest.mark.parametrize("via", ["openings", "roster"])
def test_the_repository_takes_the_turns_written_out_by_hand(
    linguistic_office: Office, via: str
) -> None:
    office = DatabaseOffice(linguistic_office, via)
    for member in rotation_oracle.ROSTER:
        office.join(member)

    taken = rotation_oracle.replay(
        rotation_oracle.Office(office.take_turn, office.join, office.change_role)
    )

    assert taken == rotation_oracle.expected()


rosters = st.lists(
    st.builds(
        RosterMember,
        user_id=st.sampled_from(["u-1", "U-2", "u-10", "ü-3", "u-4"]),
        # Case, accents and shared names: the database must order them as the rule says.
        display_name=st.sampled_from(["Alex Chen", "alex chen", "Älex", "Zoe Park", "Jo Park"]),
        role=st.sampled_from(["caseworker", "supervisor", "office_admin", "read_only"]),
        last_assigned_at=st.one_of(
            st.none(), st.integers(0, 5).map(lambda minutes: T0 + timedelta(minutes=minutes))
        ),
    ),
    max_size=5,
    unique_by=lambda member: member.user_id,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(roster=rosters, minutes=st.integers(-1, 6))
def test_on_postgresql_the_sql_and_the_domain_rule_agree_on_any_roster(
    linguistic_office: Office, db_backend: str, roster: list[RosterMember], minutes: int
) -> None:
    """Two independent implementations of the rule, one in SQL and one in Python, compared on
    rosters the oracle does not cover. (On SQLite the repository runs the Python rule itself,
    so there the comparison would prove nothing.)"""
    if db_backend != "postgresql":
        pytest.skip("SQLite's repository runs the domain rule itself")
    office = linguistic_office
    now = T0 + timedelta(minutes=minutes)
    with office.engine.begin() as connection:
        connection.execute(delete(StaffMemberRow))
    database = DatabaseOffice(office, "openings")
    for member in roster:
        database.join(member)

    assert database.take_turn(now) == take_turn(roster, now)
