"""The overdue scan: the dates each inquiry is watched on, and the timer's pass that announces
every sent inquiry reaching an overdue level."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any

from services.agencies import repository
from services.agencies.adapters.inquiries import Schedule
from services.agencies.domain.clock import HolidayCalendar, OverdueLevel
from services.agencies.domain.inquiry import Inquiry, InquiryState
from services.agencies.handlers.settings import ensure_settings
from services.chassis.calendar import local_date
from services.chassis.db import utcnow
from services.chassis.observability import service_metric

OVERDUE_SCAN_LIMIT = 500

inquiries_overdue = service_metric(
    "counter",
    "agencies",
    "inquiries_overdue_total",
    "Inquiries that reached an overdue level without a final reply, by level",
    ["level"],
)
for _level in OverdueLevel:
    inquiries_overdue.labels(_level.value)


def schedule_of(inquiry: Inquiry, calendar: HolidayCalendar, today: date) -> Schedule:
    """The dates the overdue scan reads: the due date as of `today`, and the first day the
    next overdue level can be reached (none once answered, withdrawn or at the last level)."""
    deadline = inquiry.deadline(calendar, today)
    return Schedule(
        deadline.due_on if deadline else None, inquiry.next_overdue_check_on(calendar, today)
    )


def detect_overdue(db: Any, now: datetime | None = None, limit: int = OVERDUE_SCAN_LIMIT) -> int:
    """Announce every sent inquiry that reached an overdue level, once per level: candidates
    from every office (platform work), then each office's unit of work checks and commits
    its own (the stored level is the guard; on PostgreSQL a row another worker holds is
    skipped). Returns the levels announced."""
    now = now or utcnow()
    # No office's date is more than a day ahead of UTC's: the scan may pick a row a few hours
    # early, and the office's own check leaves it alone until its day comes.
    candidates = repository.overdue_candidates(db, now.date() + timedelta(days=1), limit)
    announced = 0
    for office_id, rows in groupby(sorted(candidates), key=itemgetter(0)):
        with db.unit_of_work(office_id=office_id) as uow:
            settings = ensure_settings(uow, now)
            calendar = settings.calendar
            today = local_date(now, settings.timezone)
            for _, inquiry_id in rows:
                inquiry = uow.inquiries.get_to_check(inquiry_id)
                if inquiry is None or InquiryState(inquiry.state) is not InquiryState.SENT:
                    continue
                levels = inquiry.check_overdue(today=today, at=now, calendar=calendar)
                uow.inquiries.save(inquiry, schedule_of(inquiry, calendar, today))
                for level in levels:
                    uow.after_commit(inquiries_overdue.labels(OverdueLevel(level).value).inc)
                announced += len(levels)
            uow.commit()
    return announced
