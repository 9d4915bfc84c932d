"""Gateway's service layer: admin commands in one unit of work each, and the reads behind the
staff pages."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.chassis.db import DatabaseAccess, UnitOfWork, utcnow
from services.chassis.errors import Conflict, NotFound
from services.contracts import OFFICE_REGISTERED, STAFF_MEMBER_ADDED
from services.gateway.domain.queue import CaseQueue, QueueFilter, ServiceUnavailable
from services.gateway.domain.staff import (
    AddStaffMember,
    OfficeChange,
    OfficeSettings,
    OfficeSummary,
    RegisterOffice,
    StaffMember,
    StaffMemberOutcome,
    normalise_email,
    office_change,
)
from services.gateway.models import Office, User
from services.gateway.schemas import CasePageSchema, OfficeCountsSchema

if TYPE_CHECKING:  # the admin commands import this module without nameko or eventlet
    from services.gateway.remote import RemoteService


def register_office(db: DatabaseAccess, command: RegisterOffice, *, actor: str) -> OfficeChange:
    """Create the office, or update its name and reply-to; announce it only if it changed."""
    with db.unit_of_work() as uow:
        office = uow.session.get(Office, command.office_id, with_for_update=True)
        wanted = OfficeSettings(command.name, command.reply_to_email)
        current = OfficeSettings(office.name, office.reply_to_email) if office else None
        change = office_change(current, wanted)
        if not change.announced:
            return change
        if office is None:
            uow.session.add(
                Office(
                    office_id=command.office_id,
                    name=command.name,
                    reply_to_email=command.reply_to_email,
                    created_at=utcnow(),
                )
            )
        else:
            office.name = command.name
            office.reply_to_email = command.reply_to_email
        uow.emit(
            OFFICE_REGISTERED,
            {
                "office_id": command.office_id,
                "name": command.name,
                "reply_to_email": command.reply_to_email,
            },
            office_id=command.office_id,
        )
        _audit(uow, command.office_id, actor, f"office_{change.value}", "office", command.office_id)
        try:
            uow.commit()
        except IntegrityError:
            raise Conflict(f"office {command.office_id} was registered at the same time") from None
        return change


def add_staff_member(
    db: DatabaseAccess, command: AddStaffMember, *, actor: str, existing_ok: bool = False
) -> StaffMemberOutcome:
    """Add a staff member to an office and announce them (routing needs the caseworkers).

    The same email twice in one office is a conflict, or with `existing_ok` (the demo seed)
    the existing member, unchanged and not announced again.
    """
    email = normalise_email(command.email)
    with db.unit_of_work() as uow:
        if uow.session.get(Office, command.office_id) is None:
            raise NotFound(
                f"there is no office {command.office_id!r}; register it first with add-office"
            )
        existing = _staff_by_email(uow, command.office_id, email)
        if existing is not None:
            if existing_ok:
                return StaffMemberOutcome(_member(existing), created=False)
            raise _duplicate(command.office_id, email)
        user = User(
            id=str(uuid.uuid4()),
            office_id=command.office_id,
            display_name=command.display_name,
            email=email,
            role=command.role,
            active=True,
            created_at=utcnow(),
        )
        uow.session.add(user)
        uow.emit(
            STAFF_MEMBER_ADDED,
            {"user_id": user.id, "display_name": user.display_name, "role": user.role},
            office_id=command.office_id,
        )
        _audit(uow, command.office_id, actor, "staff_member_added", "user", user.id)
        try:
            uow.commit()
        except IntegrityError:
            # Someone added the same email between our check and our commit.
            raise _duplicate(command.office_id, email) from None
        return StaffMemberOutcome(_member(user), created=True)


def list_offices(db: DatabaseAccess) -> list[OfficeSummary]:
    staff = (
        select(User.office_id, func.count().label("staff_count"))
        .where(User.active.is_(True))
        .group_by(User.office_id)
        .subquery()
    )
    with db.read() as session:
        rows = session.execute(
            select(Office, func.coalesce(staff.c.staff_count, 0))
            .outerjoin(staff, staff.c.office_id == Office.office_id)
            .order_by(Office.name, Office.office_id)
        ).all()
        return [_summary(office, count) for office, count in rows]


def find_office(db: DatabaseAccess, office_id: str) -> OfficeSummary:
    with db.read() as session:
        office = session.get(Office, office_id)
        if office is None:
            raise NotFound(f"there is no office {office_id!r}")
        count = session.execute(
            select(func.count()).where(User.office_id == office_id, User.active.is_(True))
        ).scalar_one()
        return _summary(office, count)


def case_queue(
    cases: RemoteService,
    metrics: RemoteService | None,
    office: OfficeSummary,
    query: QueueFilter,
) -> CaseQueue:
    """The office's cases from `cases` and, with `metrics`, its counts, asked at the same time.

    Raises `ServiceUnavailable` when cases does not answer; when only metrics does not, the
    queue comes without counts (caseworkers can work without the figures).
    """
    page_reply = cases.send(
        "list_cases",
        office_id=office.office_id,
        status=query.status,
        limit=query.limit,
        offset=query.offset,
    )
    counts_reply = None
    if metrics is not None:
        try:
            counts_reply = metrics.send("office_counts", office_id=office.office_id)
        except ServiceUnavailable:
            counts_reply = None
    page = page_reply.result(CasePageSchema())
    counts = None
    if counts_reply is not None:
        try:
            counts = counts_reply.result(OfficeCountsSchema())
        except ServiceUnavailable:
            counts = None
    return CaseQueue(
        office_id=office.office_id,
        office_name=office.name,
        query=query,
        page=page,
        counts=counts,
    )


def _staff_by_email(uow: UnitOfWork, office_id: str, email: str) -> User | None:
    return uow.session.scalars(
        select(User).where(User.office_id == office_id, User.email == email)
    ).first()


def _duplicate(office_id: str, email: str) -> Conflict:
    return Conflict(
        f"{office_id} already has a staff member with email {email}",
        fields={"email": ["already used in this office"]},
    )


def _audit(
    uow: UnitOfWork, office_id: str, actor: str, action: str, subject_type: str, subject_id: str
) -> None:
    uow.audit(
        office_id=office_id,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        origin="admin-cli",
    )


def _summary(office: Office, staff_count: int) -> OfficeSummary:
    return OfficeSummary(
        office_id=office.office_id,
        name=office.name,
        reply_to_email=office.reply_to_email,
        staff_count=int(staff_count),
    )


def _member(user: User) -> StaffMember:
    return StaffMember(
        user_id=user.id,
        office_id=user.office_id,
        display_name=user.display_name,
        email=user.email,
        role=user.role,
        active=user.active,
    )
