"""Who gets a new case: the office's rotation among the staff who take cases.

THE ROTATION RULE (the one rule; every implementation answers to it):

1. Only caseworkers and supervisors take cases (`ASSIGNABLE_ROLES`); with none, nobody does.
2. The next case goes to the member who waited longest since their last case: members never
   given one come first, then the earliest `last_assigned_at`.
3. Ties go by display name, then user id, compared code point by code point (as Python
   compares strings, not as a locale would), so every instance chooses alike.
4. A turn taken at `now` is dated `now`, unless some member of the office (whatever their
   role now) had a turn at or after `now`: then it is dated one tick (a microsecond) after the
   latest turn. Turns are thus dated in the order they were taken, whatever the clocks said.

`take_turn` here is the rule itself, used wherever the roster is in memory (SQLite, the fake
unit of work). On PostgreSQL the repository runs the same rule as one SQL statement, so that an
office's openings meet for one round trip only (services/cases/adapters/rotation.py); tests hold
both to turns written out by hand (services/cases/tests/rotation_oracle.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.contracts import StaffMemberAdded

ASSIGNABLE_ROLES = frozenset({"caseworker", "supervisor"})
ROUND_ROBIN = "round_robin"
# The finest step a stored timestamp keeps (both databases store microseconds).
TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class RosterMember:
    """A member of the office's staff as cases knows them (from gateway's announcements)."""

    user_id: str
    display_name: str
    role: str
    last_assigned_at: datetime | None = None
    # When gateway last said who they are: an older announcement must not undo a newer one.
    announced_at: datetime | None = None

    @property
    def takes_cases(self) -> bool:
        return self.role in ASSIGNABLE_ROLES


@dataclass(frozen=True)
class Turn:
    """Whose turn a case is, and when they took it."""

    user_id: str
    display_name: str
    assigned_at: datetime


def next_in_rotation(roster: Iterable[RosterMember]) -> RosterMember | None:
    """Rules 1 to 3: the member who takes the next case, or None when nobody takes cases."""
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
    """Rule 4: when a turn taken `now` is dated.

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


def take_turn(roster: Iterable[RosterMember], now: datetime) -> Turn | None:
    """The rotation rule: whose turn the next case is and when it is dated (None: nobody takes
    cases). The chosen member's `last_assigned_at` becomes `turn.assigned_at`."""
    members = list(roster)
    chosen = next_in_rotation(members)
    if chosen is None:
        return None
    return Turn(chosen.user_id, chosen.display_name, turn_taken_at(now, members))


def after_announcement(
    known: RosterMember | None, announced: StaffMemberAdded, at: datetime
) -> RosterMember | None:
    """The member once gateway announced them (joined, or changed name or role) at `at`.

    None when cases already knows a newer announcement: events can arrive out of order, and a
    late old one must not give a case back to someone who no longer takes them.
    """
    if known is None:
        return RosterMember(
            announced.user_id, announced.display_name, announced.role, None, announced_at=at
        )
    if known.announced_at is not None and known.announced_at > at:
        return None
    return replace(known, display_name=announced.display_name, role=announced.role, announced_at=at)
