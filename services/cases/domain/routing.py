"""Who gets a new case: a specialist in its category with the lowest open caseload, else the
office's rotation among the staff who take cases.

THE ROUTING RULE (the one rule; every implementation answers to it):

1. Only ACTIVE caseworkers and supervisors take cases (`ASSIGNABLE_ROLES`); with none, nobody
   does. A deactivated member keeps the cases they have and gets no new ones.
2. The rotation (`ROUND_ROBIN`): the next case goes to the member who waited longest since
   their last case: members never given one come first, then the earliest `last_assigned_at`.
3. Ties go by display name, then user id, compared code point by code point (as Python
   compares strings, not as a locale would), so every instance chooses alike.
4. A turn taken at `now` (by rotation or by rule 5) is dated `now`, unless some member of the
   office (whatever their role now) had a turn at or after `now`: then it is dated one tick (a
   microsecond) after the latest turn. Turns are thus dated in the order they were taken,
   whatever the clocks said.
5. Specialists before the rotation (`RULE`): when members who take cases list the case's
   category among their specialties, rules 2 and 3 do not apply: the case goes to the one of
   them with the lowest open caseload (cases of the office given to them and not finished:
   not resolved, closed, withdrawn or transferred); ties go to the least recently assigned
   (never assigned first), then by user id code point by code point.

`route` here is the rule itself (`take_turn` its rotation alone), used wherever the roster is in
memory (SQLite, the fake unit of work). On PostgreSQL the repository runs the same rule as one
SQL statement, so that an office's openings meet for one round trip only
(services/cases/adapters/rotation.py); tests hold both to turns written out by hand
(services/cases/tests/rotation_oracle.py) and to each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.contracts import StaffMemberAdded

ASSIGNABLE_ROLES = frozenset({"caseworker", "supervisor"})
ROUND_ROBIN = "round_robin"
RULE = "rule"
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
    active: bool = True
    # The request categories (the contracts' CATEGORIES) they are given first, sorted.
    specialties: tuple[str, ...] = ()

    @property
    def takes_cases(self) -> bool:
        return self.active and self.role in ASSIGNABLE_ROLES


@dataclass(frozen=True)
class Turn:
    """Whose turn a case is, and when they took it."""

    user_id: str
    display_name: str
    assigned_at: datetime
    # How they were chosen: `RULE` (a specialist) or `ROUND_ROBIN` (the rotation).
    method: str = ROUND_ROBIN


def specialists(roster: Iterable[RosterMember], category: str) -> list[RosterMember]:
    """Rules 1 and 5: the members who take cases and list `category` among their specialties;
    only their caseloads matter to the rule."""
    return [member for member in roster if member.takes_cases and category in member.specialties]


def least_loaded(
    candidates: Iterable[RosterMember], caseloads: Mapping[str, int]
) -> RosterMember | None:
    """Rule 5: the candidate with the lowest open caseload (absent from `caseloads`: none),
    then the least recently assigned, then by user id; None when there is no candidate."""
    return min(
        candidates,
        key=lambda member: (
            caseloads.get(member.user_id, 0),
            member.last_assigned_at is not None,
            member.last_assigned_at or datetime.min,
            member.user_id,
        ),
        default=None,
    )


def route(
    roster: Iterable[RosterMember], category: str, caseloads: Mapping[str, int], now: datetime
) -> Turn | None:
    """The routing rule: who takes the next case of `category` and when the turn is dated (None:
    nobody takes cases). `caseloads` holds the open caseload of at least every specialist in
    `category`. The chosen member's `last_assigned_at` becomes `turn.assigned_at`."""
    members = list(roster)
    specialist = least_loaded(specialists(members, category), caseloads)
    if specialist is None:
        return take_turn(members, now)
    return Turn(
        specialist.user_id, specialist.display_name, turn_taken_at(now, members), method=RULE
    )


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
    """The rotation (rules 1 to 4, no specialist): whose turn the next case is and when it is
    dated (None: nobody takes cases). The chosen member's `last_assigned_at` becomes
    `turn.assigned_at`."""
    members = list(roster)
    chosen = next_in_rotation(members)
    if chosen is None:
        return None
    return Turn(chosen.user_id, chosen.display_name, turn_taken_at(now, members))


def after_announcement(
    known: RosterMember | None, announced: StaffMemberAdded, at: datetime
) -> RosterMember | None:
    """The member once gateway announced them (joined, or changed name, role, active flag or
    specialties) at `at`; each announcement says all of these, so the latest one wins whole.

    None when cases already knows a newer announcement: events can arrive out of order, and a
    late old one must not give a case back to someone who no longer takes them (a role changed,
    or deactivated since).
    """
    if known is not None and known.announced_at is not None and known.announced_at > at:
        return None
    return RosterMember(
        announced.user_id,
        announced.display_name,
        announced.role,
        # Turns are the roster's own, not the announcement's.
        known.last_assigned_at if known is not None else None,
        announced_at=at,
        active=announced.active,
        specialties=tuple(sorted(set(announced.specialties))),
    )
