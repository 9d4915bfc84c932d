"""Gateway's repositories against both databases (on PostgreSQL behind the tenant wall): what
a clash on a unique key becomes, and that one office's unit of work writes only that office."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from services.chassis.domain import Actor
from services.chassis.errors import Conflict
from services.chassis.uow import DatabaseAccess
from services.gateway import admin
from services.gateway.domain.staff import (
    AddStaffMember,
    DuplicateEmail,
    Office,
    RegisterOffice,
    StaffMember,
)
from services.gateway.models import Base
from services.gateway.repository import GatewayUnitOfWork

LOPEZ = RegisterOffice("rep-lopez", "Office of Rep. Ana Lopez", "casework@lopez.example.gov")
IT = Actor.staff("cli:it", origin="admin-cli")


@pytest.fixture
def db(service_database: Callable[..., str]) -> Iterator[DatabaseAccess[GatewayUnitOfWork]]:
    service_database("gateway", Base.metadata)
    with admin.gateway_database() as database:
        with database.unit_of_work(office_id=LOPEZ.office_id, actor=IT) as uow:
            uow.offices.add(Office.register(LOPEZ))
            uow.commit()
        yield database


def test_an_office_registered_meanwhile_is_a_conflict(
    db: DatabaseAccess[GatewayUnitOfWork],
) -> None:
    with (
        pytest.raises(Conflict, match="registered at the same time"),
        db.unit_of_work(office_id=LOPEZ.office_id, actor=IT) as uow,
    ):
        uow.offices.add(Office.register(LOPEZ))


def test_an_email_taken_meanwhile_is_a_duplicate_naming_the_field(
    db: DatabaseAccess[GatewayUnitOfWork],
) -> None:
    command = AddStaffMember(LOPEZ.office_id, "Sam Rivera", "sam@lopez.example.gov", "caseworker")
    with db.unit_of_work(office_id=LOPEZ.office_id, actor=IT) as uow:
        uow.staff.add(StaffMember.join(command, user_id="u-1"))
        uow.commit()

    with (
        pytest.raises(DuplicateEmail) as duplicate,
        db.unit_of_work(office_id=LOPEZ.office_id, actor=IT) as uow,
    ):
        uow.staff.add(StaffMember.join(command, user_id="u-2"))
    assert duplicate.value.fields == {"email": ["already used in this office"]}

    with db.unit_of_work(office_id=LOPEZ.office_id) as uow:
        found = uow.staff.by_email("sam@lopez.example.gov")
        assert found is not None and found.user_id == "u-1"
        summary = uow.offices.summary()
        assert summary is not None and summary.staff_count == 1


def test_one_offices_unit_of_work_neither_sees_nor_writes_another_office(
    db: DatabaseAccess[GatewayUnitOfWork],
) -> None:
    other = Office.register(RegisterOffice("sen-okafor", "Sen. Okafor", "cw@okafor.gov"))

    with db.unit_of_work(office_id="sen-okafor") as uow:
        assert uow.offices.get() is None
    with (
        pytest.raises(ValueError, match="cannot be written"),
        db.unit_of_work(office_id=LOPEZ.office_id, actor=IT) as uow,
    ):
        uow.offices.add(other)
