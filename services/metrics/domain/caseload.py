"""Open caseload per caseworker: who holds a case when assignments arrive in any order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Assignment:
    caseworker_id: str
    assigned_at: datetime

    def supersedes(self, other: Assignment) -> bool:
        """The later assignment wins. A tie is broken by caseworker id, which is arbitrary but
        makes the outcome independent of the order in which events are delivered."""
        return (self.assigned_at, self.caseworker_id) > (other.assigned_at, other.caseworker_id)


@dataclass(frozen=True)
class CaseloadChange:
    """Who holds the case afterwards, and what to add to each caseworker's open caseload.

    `deltas` is sorted by caseworker id so that concurrent workers always lock caseload rows in
    the same order. A delta of 0 still names the holder, whose display name may have changed.
    """

    holder: Assignment
    deltas: tuple[tuple[str, int], ...]

    @property
    def moves_the_case(self) -> bool:
        return any(delta for _, delta in self.deltas)


def assign(current: Assignment | None, incoming: Assignment) -> CaseloadChange:
    """Apply an assignment event to a case held by `current` (None if never assigned)."""
    if current is None:
        return CaseloadChange(incoming, ((incoming.caseworker_id, 1),))
    if not incoming.supersedes(current):
        # Older than what we know (delivered out of order) or the same fact again.
        return CaseloadChange(current, ())
    if incoming.caseworker_id == current.caseworker_id:
        return CaseloadChange(incoming, ((incoming.caseworker_id, 0),))
    deltas = sorted([(current.caseworker_id, -1), (incoming.caseworker_id, 1)])
    return CaseloadChange(incoming, tuple(deltas))


@dataclass(frozen=True)
class CaseworkerLoad:
    caseworker_id: str
    name: str
    open_cases: int
