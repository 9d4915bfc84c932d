"""The staff side of notify's storage: the office's roster and who each case was given to
(projections of gateway's and cases' events), and the notifications behind each person's bell.
Statements are built once at import."""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import RowMapping, bindparam, func, or_, select, text, update

from services.chassis.db import insert_on_conflict, office_rows
from services.notify.adapters.base import Repository, projected
from services.notify.domain.digest import Addressee
from services.notify.domain.notifications import Assignment, Colleague, StaffNotification
from services.notify.models import case_assignees, staff, staff_notifications

ROSTER = office_rows(staff)
ASSIGNEES = select(case_assignees.c.case_id, case_assignees.c.caseworker_id).where(
    case_assignees.c.office_id == bindparam("office_id"),
    case_assignees.c.case_id.in_(bindparam("case_ids", expanding=True)),
)
NOTIFICATIONS_OF = (
    office_rows(staff_notifications, "user_id")
    .order_by(staff_notifications.c.created_at.desc(), staff_notifications.c.notification_id)
    .limit(bindparam("limit"))
)
UNREAD_OF = NOTIFICATIONS_OF.where(staff_notifications.c.read_at.is_(None))
UNREAD_COUNT = select(func.count()).where(
    staff_notifications.c.office_id == bindparam("office_id"),
    staff_notifications.c.user_id == bindparam("user_id"),
    staff_notifications.c.read_at.is_(None),
)
# An UPDATE's parameters may not share its columns' names.
MARK_ALL_READ = (
    update(staff_notifications)
    .where(
        staff_notifications.c.office_id == bindparam("of_office"),
        staff_notifications.c.user_id == bindparam("of_user"),
        staff_notifications.c.read_at.is_(None),
    )
    .values(read_at=bindparam("at"))
)
MARK_READ = MARK_ALL_READ.where(
    staff_notifications.c.notification_id.in_(bindparam("notification_ids", expanding=True))
)
# Who may get the day's digest: active, with an address, not yet sent one for `day`.
NOT_YET_TODAY = or_(staff.c.digest_sent_on.is_(None), staff.c.digest_sent_on < bindparam("day"))
DIGEST_DUE = (
    select(staff.c.user_id, staff.c.display_name, staff.c.email)
    .where(
        staff.c.office_id == bindparam("office_id"),
        staff.c.active.is_(True),
        staff.c.email.is_not(None),
        NOT_YET_TODAY,
    )
    .order_by(staff.c.user_id)
)
RECORD_CONTACT = (
    update(staff)
    .where(staff.c.office_id == bindparam("of_office"), staff.c.user_id == bindparam("of_user"))
    .values(email=bindparam("email"))
)
# Compare-and-set: of two notify instances, one marks the day (the other's UPDATE, waiting for
# its commit, finds the day marked and changes nothing).
CLAIM_DIGEST = (
    update(staff)
    .where(
        staff.c.office_id == bindparam("of_office"),
        staff.c.user_id == bindparam("of_user"),
        NOT_YET_TODAY,
    )
    .values(digest_sent_on=bindparam("day"))
)
# PostgreSQL: `add_all`'s rows from one JSON array, each person and cause once.
NEW_FROM_JSON = text(
    """
    INSERT INTO staff_notifications (notification_id, office_id, user_id, case_id, reference,
                                     kind, summary, cause, created_at, read_at)
    SELECT v.notification_id, :office_id, v.user_id, v.case_id, v.reference, v.kind, v.summary,
           v.cause, v.created_at, v.read_at
      FROM json_to_recordset(CAST(:rows AS json)) AS v(
           notification_id text, user_id text, case_id text, reference text, kind text,
           summary text, cause text, created_at timestamptz, read_at timestamptz)
    ON CONFLICT (office_id, user_id, cause) DO NOTHING
    """
)
_NOTIFICATION_COLUMNS = tuple(c.name for c in staff_notifications.columns if c.name != "office_id")


class StaffRepository(Repository):
    def record(self, colleague: Colleague, at: datetime) -> None:
        self._upsert(
            staff,
            ("office_id", "user_id"),
            {**dataclasses.asdict(colleague), "updated_at": at},
            kept=("email", "digest_sent_on"),
        )

    def record_contact(self, user_id: str, email: str) -> bool:
        params = {"of_office": self._office_id, "of_user": user_id, "email": email}
        return int(self._session.execute(RECORD_CONTACT, params).rowcount) == 1  # type: ignore[attr-defined]

    def digest_due(self, day: date) -> list[Addressee]:
        rows = self._session.execute(DIGEST_DUE, {"office_id": self._office_id, "day": day})
        return [Addressee(row.user_id, row.display_name, row.email) for row in rows]

    def claim_digest(self, user_id: str, day: date) -> bool:
        params = {"of_office": self._office_id, "of_user": user_id, "day": day}
        return int(self._session.execute(CLAIM_DIGEST, params).rowcount) == 1  # type: ignore[attr-defined]

    def roster(self) -> list[Colleague]:
        return [projected(Colleague, row) for row in self._rows(ROSTER)]


class AssignmentRepository(Repository):
    def record(self, assignment: Assignment) -> None:
        self._upsert(
            case_assignees,
            ("office_id", "case_id"),
            dataclasses.asdict(assignment),
            newest_by="assigned_at",
        )

    def assignees(self, case_ids: Sequence[str]) -> dict[str, str]:
        if not case_ids:
            return {}
        rows = self._session.execute(
            ASSIGNEES, {"office_id": self._office_id, "case_ids": list(set(case_ids))}
        )
        return {row.case_id: row.caseworker_id for row in rows}


class NotificationRepository(Repository):
    def add_all(self, notifications: Sequence[StaffNotification]) -> None:
        """Write new notifications; one whose person and cause already have one is skipped
        (the unit of work that fires a reminder writes its notifications, so none exists
        unless the same occurrence fired twice, which the reminder's compare-and-set forbids)."""
        if not notifications:
            return
        if self._uow.dialect == "postgresql":
            # A sweep's bells, thousands at once: one statement and one JSON parameter (an
            # ON CONFLICT insert of many parameter sets would go row by row).
            rows = [
                {
                    "notification_id": n.notification_id,
                    "user_id": n.user_id,
                    "case_id": n.case_id,
                    "reference": n.reference,
                    "kind": n.kind,
                    "summary": n.summary,
                    "cause": n.cause,
                    "created_at": n.created_at.isoformat(),
                    "read_at": n.read_at.isoformat() if n.read_at else None,
                }
                for n in notifications
            ]
            self._session.execute(
                NEW_FROM_JSON, {"office_id": self._office_id, "rows": json.dumps(rows)}
            )
            return
        self._session.execute(
            _insert_new(self._uow.dialect),
            [
                {"office_id": self._office_id, **dataclasses.asdict(notification)}
                for notification in notifications
            ],
        )

    def for_person(self, user_id: str, *, unread_only: bool, limit: int) -> list[StaffNotification]:
        statement = UNREAD_OF if unread_only else NOTIFICATIONS_OF
        return [_notification(row) for row in self._rows(statement, user_id=user_id, limit=limit)]

    def unread_count(self, user_id: str) -> int:
        return int(
            self._session.execute(
                UNREAD_COUNT, {"office_id": self._office_id, "user_id": user_id}
            ).scalar_one()
        )

    def mark_read(self, user_id: str, notification_ids: Sequence[str] | None, at: datetime) -> int:
        """Mark the person's unread notifications read (these, or all); how many changed."""
        params = {"of_office": self._office_id, "of_user": user_id, "at": at}
        if notification_ids is None:
            result = self._session.execute(MARK_ALL_READ, params)
        elif not notification_ids:
            return 0
        else:
            result = self._session.execute(
                MARK_READ, {**params, "notification_ids": list(notification_ids)}
            )
        return int(result.rowcount)  # type: ignore[attr-defined]


def _notification(row: RowMapping) -> StaffNotification:
    return StaffNotification(**{name: row[name] for name in _NOTIFICATION_COLUMNS})


@functools.cache
def _insert_new(dialect: str) -> Any:
    """Insert notifications, skipping any whose (office, person, cause) is already there."""
    return insert_on_conflict(dialect, staff_notifications).on_conflict_do_nothing(
        index_elements=["office_id", "user_id", "cause"]
    )
