"""Open caseload per caseworker: who holds a case when assignments arrive in any order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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

    An assignment older than the one known (delivered out of order), or the same fact again,
    leaves the holder as it was.
    """
    if current is None or incoming.supersedes(current):
        return incoming
    return current


@dataclass(frozen=True)
class CaseworkerLoad:
    """Cases a caseworker holds now, under the name their latest assignment gave."""

    caseworker_id: str
    name: str
    open_cases: int
