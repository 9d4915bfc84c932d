"""Open caseload per caseworker: who holds a case, and whether it is still being worked, when
assignments and status changes arrive in any order.

The rule. Each case keeps two facts, each the latest of its kind: its holder (the assignment
with the latest `assigned_at`) and its lifecycle state (the status change with the latest
`changed_at`). A case counts in its holder's open load unless its latest known status is a
finished one (resolved, closed, withdrawn, transferred). So:

- a case that finishes leaves its holder's load; a reopened case (a later change back to a
  working status) returns to the load of whoever holds it then;
- a reassignment, by routing or by a supervisor, is simply a later assignment: the case moves
  from the old holder to the new one;
- an event older than the one already applied (delivered late, from another queue) changes
  nothing, and the same event twice changes nothing.

Each fact depends only on which events arrived, never on their order, and the load is a pure
function of the two facts: whatever order the events are delivered in, the end state is the
one their timestamps say. Ties (two events of one case with the same timestamp) are broken by
a value of the event itself, arbitrary but independent of delivery order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

# Nobody works on a case in these any more; every other status is a working one.
FINISHED_STATUSES: frozenset[str] = frozenset({"resolved", "closed", "withdrawn", "transferred"})


@dataclass(frozen=True)
class Assignment:
    caseworker_id: str
    caseworker_name: str
    assigned_at: datetime

    def supersedes(self, other: Assignment) -> bool:
        """The later assignment wins. A tie is broken by caseworker id, which is arbitrary but
        makes the outcome independent of the order in which events are delivered."""
        return (self.assigned_at, self.caseworker_id) > (other.assigned_at, other.caseworker_id)


def assign(current: Assignment | None, incoming: Assignment) -> Assignment:
    """Who holds a case held by `current` (None if never assigned) once `incoming` is applied.

    A reassignment is a later assignment and takes the case from its holder. An assignment
    older than the one known (delivered out of order), or the same fact again, leaves the
    holder as it was.
    """
    if current is None or incoming.supersedes(current):
        return incoming
    return current


@dataclass(frozen=True)
class CaseStatus:
    """Where a case stands, as the status change (or closure) that put it there told."""

    status: str
    changed_at: datetime

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    def supersedes(self, other: CaseStatus) -> bool:
        """The later change wins; a tie is broken by the status's name (arbitrary, but the
        same whichever arrives first)."""
        return (self.changed_at, self.status) > (other.changed_at, other.status)


def change_status(current: CaseStatus | None, incoming: CaseStatus) -> CaseStatus:
    """Where a case stands once `incoming` is applied to what is known (None: nothing yet, so
    the case is being worked). An older change, or the same one again, changes nothing."""
    if current is None or incoming.supersedes(current):
        return incoming
    return current


def in_open_caseload(status: CaseStatus | None) -> bool:
    """Whether a held case counts in its holder's load: unless it is known to be finished."""
    return status is None or not status.finished


@dataclass(frozen=True)
class CaseworkerLoad:
    """Cases a caseworker holds now, under the name their latest assignment gave."""

    caseworker_id: str
    name: str
    open_cases: int


def caseloads(
    holders: Mapping[str, Assignment], statuses: Mapping[str, CaseStatus]
) -> list[CaseworkerLoad]:
    """Every caseworker's open load from each case's holder and status (by case id): busiest
    first, then by name and id; a caseworker whose cases are all finished or moved is absent.
    Each is named as their latest assignment among the cases counted named them."""
    counted: dict[str, list[tuple[datetime, str, str]]] = {}
    for case_id, holder in holders.items():
        if in_open_caseload(statuses.get(case_id)):
            counted.setdefault(holder.caseworker_id, []).append(
                (holder.assigned_at, case_id, holder.caseworker_name)
            )
    return _busiest_first(
        CaseworkerLoad(caseworker_id, max(cases)[2], len(cases))
        for caseworker_id, cases in counted.items()
    )


def _busiest_first(loads: Iterable[CaseworkerLoad]) -> list[CaseworkerLoad]:
    return sorted(loads, key=lambda load: (-load.open_cases, load.name, load.caseworker_id))
