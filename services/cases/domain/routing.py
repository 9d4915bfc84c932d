"""Who gets a new case: round robin among the office's staff who take cases."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

ASSIGNABLE_ROLES = frozenset({"caseworker", "supervisor"})
ROUND_ROBIN = "round_robin"
# The finest step a stored timestamp keeps (both databases store microseconds).
TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class RosterMember:
    user_id: str
    display_name: str
    role: str
    last_assigned_at: datetime | None = None

    @property
    def takes_cases(self) -> bool:
        return self.role in ASSIGNABLE_ROLES


def next_in_rotation(roster: Iterable[RosterMember]) -> RosterMember | None:
    """The member who takes cases and waited longest since their last one.

    Never-assigned members come first; ties go by name (then id) so the choice is the same on
    every instance. None when nobody in the office takes cases.
    """
    candidates = [member for member in roster if member.takes_cases]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda member: (
            member.last_assigned_at is not None,
            member.last_assigned_at or datetime.min,
            member.display_name,
            member.user_id,
        ),
    )


def turn_taken_at(now: datetime, roster: Iterable[RosterMember]) -> datetime:
    """When a turn taken `now` is dated: never at or before the office's latest turn.

    The rotation orders people by when they last had a case, so turns must be dated in the order
    they were taken; a clock read before waiting for the office's turn (or on another host)
    could otherwise date this one earlier and hand the next case to whoever just had one.
    """
    latest = max(
        (member.last_assigned_at for member in roster if member.last_assigned_at is not None),
        default=None,
    )
    if latest is None or now > latest:
        return now
    return latest + TICK
