"""Gateway's service layer: admin commands in one office's unit of work each, and the reads
behind the staff pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from services.chassis.domain import Actor
from services.chassis.errors import NotFound
from services.chassis.schemas import is_office_id
from services.gateway.domain.queue import CaseQueue, QueueFilter, ServiceUnavailable
from services.gateway.domain.staff import (
    AddStaffMember,
    DuplicateEmail,
    Office,
    OfficeChange,
    OfficeSummary,
    RegisterOffice,
    ReminderIntervals,
    SendingHours,
    StaffMember,
    StaffMemberOutcome,
    normalise_email,
)
from services.gateway.ports import GatewayDatabase, Offices, PlatformDatabase
from services.gateway.repository import OfficeListing
from services.gateway.schemas import CasePageSchema, OfficeCountsSchema

if TYPE_CHECKING:  # the admin commands import this module without nameko or eventlet
    from services.chassis.remote import RemoteService


def register_office(db: GatewayDatabase, command: RegisterOffice, *, actor: Actor) -> OfficeChange:
    """Create the office, or update its name and reply-to; announce it only if it changed."""
    with db.unit_of_work(office_id=command.office_id, actor=actor) as uow:
        office = uow.offices.get(for_update=True)
        if office is None:
            office = uow.offices.add(Office.register(command))
            change = OfficeChange.CREATED
        else:
            change = office.register_again(command)
            if not change.announced:
                return change
            uow.offices.save(office)
        uow.audit(f"office_{change.value}", "office", office.office_id)
        uow.commit()
        return change


def add_staff_member(
    db: GatewayDatabase, command: AddStaffMember, *, actor: Actor, existing_ok: bool = False
) -> StaffMemberOutcome:
    """Add a staff member to an office and announce them (routing needs the caseworkers).

    The same email twice in one office is a conflict, or with `existing_ok` (the demo seed)
    the existing member, unchanged and not announced again.
    """
    with db.unit_of_work(office_id=command.office_id, actor=actor) as uow:
        if uow.offices.get() is None:
            raise NotFound(
                f"there is no office {command.office_id!r}; register it first with add-office"
            )
        existing = uow.staff.by_email(normalise_email(command.email))
        if existing is not None:
            if existing_ok:
                return StaffMemberOutcome(existing, created=False)
            raise DuplicateEmail(command.office_id, existing.email)
        member = uow.staff.add(StaffMember.join(command, user_id=str(uuid.uuid4())))
        uow.audit("staff_member_added", "user", member.user_id)
        uow.commit()
        return StaffMemberOutcome(member, created=True)


def change_staff_member(
    db: GatewayDatabase,
    office_id: str,
    user_id: str,
    *,
    actor: Actor,
    role: str | None = None,
    specialties: tuple[str, ...] | None = None,
    active: bool | None = None,
) -> StaffMember:
    """The office admin changes a member's role, specialties or whether they may sign in;
    announced to routing when anything changed (a deactivated member gets no new cases and
    is signed out everywhere)."""
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        member = uow.staff.get(user_id)
        if member is None:
            raise NotFound(f"{office_id} has no such staff member")
        if member.change(role=role, specialties=specialties, active=active):
            uow.staff.save(member)
            uow.audit("staff_member_changed", "user", member.user_id)
            uow.commit()
        return member


def announce_staff(db: GatewayDatabase, office_id: str, *, actor: Actor) -> int:
    """Announce every member of the office again, as they are now, so services that keep
    the roster (cases' routing, notify's bell) catch up after an upgrade; how many."""
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        if uow.offices.get() is None:
            raise NotFound(f"there is no office {office_id}")
        members = uow.staff.all()  # tracked: each announcement is kept at commit
        for member in members:
            member.announce_again()
        uow.audit("staff_announced", "office", office_id)
        uow.commit()
    return len(members)


def set_office_timezone(
    db: GatewayDatabase, office_id: str, timezone: str, *, actor: Actor
) -> None:
    """The office admin says where the office works; dates on its pages follow, and the
    services hear of it (agencies counts the office's deadlines in its zone)."""
    _change_office(
        db,
        office_id,
        actor,
        lambda office: office.set_timezone(timezone),
        lambda offices: offices.set_timezone(timezone),
        "office.timezone_set",
    )


def set_reminder_intervals(
    db: GatewayDatabase, office_id: str, intervals: ReminderIntervals, *, actor: Actor
) -> None:
    """The office admin says when the office's reminders fall due; notify hears of it and
    schedules the office's reminders from then on by them."""
    _change_office(
        db,
        office_id,
        actor,
        lambda office: office.set_reminder_intervals(intervals),
        lambda offices: offices.set_reminder_intervals(intervals),
        "office.reminder_intervals_set",
    )


def set_sending_hours(
    db: GatewayDatabase, office_id: str, hours: SendingHours | None, *, actor: Actor
) -> None:
    """The office admin says when the office's messages to constituents go out (None: the
    legislature's hours); notify hears of it and holds the office's messages by them."""
    _change_office(
        db,
        office_id,
        actor,
        lambda office: office.set_sending_hours(hours),
        lambda offices: offices.set_sending_hours(hours),
        "office.sending_hours_set",
    )


def _change_office(
    db: GatewayDatabase,
    office_id: str,
    actor: Actor,
    change: Callable[[Office], bool],
    store: Callable[[Offices], None],
    action: str,
) -> None:
    """One of the office admin's settings: the office read for update, changed (announced
    by the aggregate when it did), stored if it changed, audited either way."""
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        office = uow.offices.get(for_update=True)
        if office is None:
            raise NotFound(f"there is no office {office_id!r}")
        if change(office):
            store(uow.offices)
        uow.audit(action, "office", office_id)
        uow.commit()


def office_schedule(db: GatewayDatabase, office_id: str) -> Office:
    """The office as its settings page shows it: reminder intervals and sending hours."""
    with db.unit_of_work(office_id=office_id) as uow:
        office = uow.offices.get()
        if office is None:
            raise NotFound(f"there is no office {office_id!r}")
        return office


def reminder_intervals(db: GatewayDatabase, office_id: str) -> ReminderIntervals:
    return office_schedule(db, office_id).reminders


def list_offices(db: PlatformDatabase) -> list[OfficeSummary]:
    # Every office at once, for legislature IT's home page and `list-offices`: this spans
    # offices by nature, so it is platform work rather than one office's unit of work.
    with db.platform_work() as session:
        return OfficeListing(session).all()


def find_office(db: GatewayDatabase, office_id: str) -> OfficeSummary:
    summary = None
    if is_office_id(office_id):
        with db.unit_of_work(office_id=office_id) as uow:
            summary = uow.offices.summary()
    if summary is None:
        raise NotFound(f"there is no office {office_id!r}")
    return summary


def assignee_id(db: GatewayDatabase, office_id: str, assignee: str | None, me: str) -> str | None:
    """The user id a queue's `assignee` filter means: "me", or a staff member's email (one
    nobody in the office has matches no case)."""
    if assignee is None:
        return None
    if assignee == "me":
        return me
    with db.unit_of_work(office_id=office_id) as uow:
        member = uow.staff.by_email(normalise_email(assignee))
    return member.user_id if member is not None else "nobody"


def case_queue(
    cases: RemoteService,
    metrics: RemoteService | None,
    office: OfficeSummary,
    query: QueueFilter,
    *,
    assigned_to: str | None = None,
) -> CaseQueue:
    """The office's cases from `cases` and, with `metrics`, its counts, asked at the same time.

    Raises `ServiceUnavailable` when cases does not answer; when only metrics does not, the
    queue comes without counts (caseworkers can work without the figures).
    """
    page_reply = cases.send(
        "list_cases",
        office_id=office.office_id,
        status=query.status,
        active=query.active,
        assigned_to=assigned_to,
        unassigned=query.unassigned,
        category=query.category,
        agency=query.agency,
        priority=query.priority,
        tag=query.tag,
        overdue=query.overdue,
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
