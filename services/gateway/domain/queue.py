"""An office's case queue as staff see it: the rows, the office's counts, paging and dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.chassis.errors import ServiceUnavailable  # noqa: F401 (re-exported: the queue names it)

# The statuses `cases.list_cases` filters by come from the contracts. A status cases adds
# later is still shown in the queue, just not offered as a filter until it is listed there.
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class CaseSummary:
    case_id: str
    reference: str
    status: str
    subject: str
    category: str
    constituent_name: str
    urgent: bool
    opened_at: datetime
    assigned_to_id: str | None
    assigned_to_name: str | None
    agency_code: str | None
    priority: str = "normal"
    tags: tuple[str, ...] = ()
    due_on: date | None = None
    updated_at: datetime | None = None

    def overdue_on(self, today: date) -> bool:
        return self.due_on is not None and self.due_on < today


@dataclass(frozen=True)
class OfficeCounts:
    received: int
    opened: int
    assigned: int
    acknowledged: int


@dataclass(frozen=True)
class QueueFilter:
    """What a queue shows. `assignee` is a staff member's email (or "me"), resolved to their
    user id before cases is asked; `active` leaves out finished cases."""

    status: str | None = None
    active: bool = False
    assignee: str | None = None
    unassigned: bool = False
    category: str | None = None
    agency: str | None = None
    priority: str | None = None
    tag: str | None = None
    overdue: bool = False
    limit: int = DEFAULT_PAGE_SIZE
    offset: int = 0

    def filters(self) -> dict[str, object]:
        """The filters that are set, as query-string values (for links to other pages)."""
        wanted: dict[str, object] = {
            "status": self.status,
            "active": "true" if self.active else None,
            "assignee": self.assignee,
            "unassigned": "true" if self.unassigned else None,
            "category": self.category,
            "agency": self.agency,
            "priority": self.priority,
            "tag": self.tag,
            "overdue": "true" if self.overdue else None,
        }
        return {name: value for name, value in wanted.items() if value is not None}


@dataclass(frozen=True)
class CasePage:
    cases: tuple[CaseSummary, ...]
    total: int


@dataclass(frozen=True)
class CaseQueue:
    office_id: str
    office_name: str
    query: QueueFilter
    page: CasePage
    counts: OfficeCounts | None  # None when metrics did not answer in time

    @property
    def first_shown(self) -> int:
        return self.query.offset + 1 if self.page.cases else 0

    @property
    def last_shown(self) -> int:
        return self.query.offset + len(self.page.cases)

    @property
    def previous_offset(self) -> int | None:
        if self.query.offset <= 0:
            return None
        return max(0, self.query.offset - self.query.limit)

    @property
    def next_offset(self) -> int | None:
        following = self.query.offset + self.query.limit
        return following if following < self.page.total else None


def status_label(status: str) -> str:
    """`waiting_on_agency` reads as "Waiting on agency"."""
    return status.replace("_", " ").capitalize()


def category_label(category: str) -> str:
    return category.replace("_", " ").capitalize()


def human_date(moment: datetime, now: datetime) -> str:
    """How long ago a case was opened, the way a caseworker would say it."""
    local = moment.astimezone(now.tzinfo)
    days = (now.date() - local.date()).days
    if days <= 0:
        return "Today"
    if days == 1:
        return "Yesterday"
    if days < 7:
        return f"{days} days ago"
    return f"{local.day} {local.strftime('%b %Y')}"
