"""The office's workload: active cases per staff member who takes cases, by how long ago they
were opened, so a supervisor sees who is swamped and which cases are ageing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.cases.domain.routing import RosterMember

# The buckets' lower bounds in days since opening: < 7, 7 to 30, 30 to 90, 90 and more.
BUCKET_DAYS = (7, 30, 90)
UNASSIGNED_NAME = "Unassigned"


@dataclass(frozen=True)
class AgeBuckets:
    under_7: int = 0
    from_7_to_30: int = 0
    from_30_to_90: int = 0
    over_90: int = 0

    @property
    def total(self) -> int:
        return self.under_7 + self.from_7_to_30 + self.from_30_to_90 + self.over_90


@dataclass(frozen=True)
class CaseworkerLoad:
    user_id: str | None
    display_name: str
    role: str | None
    ages: AgeBuckets = field(default_factory=AgeBuckets)

    @property
    def total(self) -> int:
        return self.ages.total


def bucket_cutoffs(now: datetime) -> tuple[datetime, datetime, datetime]:
    """Opened after the first: under 7 days; after the second: under 30; the third: 90."""
    first, second, third = (now - timedelta(days=days) for days in BUCKET_DAYS)
    return first, second, third


@dataclass(frozen=True)
class AssigneeCount:
    """One assignee's active cases by age, as the repository counted them (None: nobody)."""

    user_id: str | None
    name: str | None
    ages: AgeBuckets


def workload(
    roster: Iterable[RosterMember], counts: Mapping[str | None, AssigneeCount]
) -> list[CaseworkerLoad]:
    """A row per member who takes cases (by name), then anyone else who still holds active
    cases (someone who stopped taking cases), then the unassigned."""
    rows = []
    known = {member.user_id: member for member in roster}
    for member in sorted(known.values(), key=lambda m: (m.display_name, m.user_id)):
        if member.takes_cases:
            count = counts.get(member.user_id)
            ages = count.ages if count else AgeBuckets()
            rows.append(CaseworkerLoad(member.user_id, member.display_name, member.role, ages))
    listed = {row.user_id for row in rows}
    others = [c for c in counts.values() if c.user_id is not None and c.user_id not in listed]
    for count in sorted(others, key=lambda c: (c.name or "", c.user_id or "")):
        former = known.get(count.user_id or "")
        name = former.display_name if former else count.name or count.user_id or ""
        rows.append(
            CaseworkerLoad(count.user_id, name, former.role if former else None, count.ages)
        )
    unassigned = counts.get(None)
    rows.append(
        CaseworkerLoad(None, UNASSIGNED_NAME, None, unassigned.ages if unassigned else AgeBuckets())
    )
    return rows
