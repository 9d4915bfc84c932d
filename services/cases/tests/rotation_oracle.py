"""Turns written out by hand for one office, the oracle every implementation of the rotation
rule (domain/routing.py) must reproduce: the domain's `take_turn`, and the repository's SQL on
PostgreSQL. Worked out from the rule's text, not from running any implementation.

The roster sets traps: names that differ only in case or accent (code point order puts "Alex
Chen" < "alex chen" < "Älex"), a tie on name and time broken by user id ("u-10" < "u-9"), an
admin never assigned, and a read-only member, once a caseworker, with the office's latest turn
(which dates new turns after it even though it may not take cases itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.cases.domain.routing import RosterMember, Turn

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
US = timedelta(microseconds=1)

ROSTER = (
    RosterMember("u-1", "alex chen", "caseworker", None),
    RosterMember("u-2", "Alex Chen", "caseworker", None),
    RosterMember("u-3", "Älex", "supervisor", T0 + 2 * MINUTE),
    RosterMember("u-4", "Zoe Park", "caseworker", T0 + MINUTE),
    RosterMember("u-9", "Jo Park", "caseworker", T0),
    RosterMember("u-10", "Jo Park", "caseworker", T0),
    RosterMember("u-5", "Ada Admin", "office_admin", None),
    RosterMember("u-6", "Ian Intern", "read_only", T0 + 10 * MINUTE),
)
LATEST = T0 + 10 * MINUTE  # the intern's old turn


@dataclass(frozen=True)
class TakeTurn:
    now: datetime
    user_id: str
    assigned_at: datetime


@dataclass(frozen=True)
class Join:
    member: RosterMember


@dataclass(frozen=True)
class ChangeRole:
    user_id: str
    role: str


Step = TakeTurn | Join | ChangeRole

STEPS: tuple[Step, ...] = (
    # The clock (T0 + 5 min) is behind the intern's turn: every turn is dated after the latest.
    # Never assigned first, by name: "Alex Chen" before "alex chen".
    TakeTurn(T0 + 5 * MINUTE, "u-2", LATEST + US),
    TakeTurn(T0 + 5 * MINUTE, "u-1", LATEST + 2 * US),
    # Then the longest waiting: the two Jo Parks (T0), by user id.
    TakeTurn(T0 + 5 * MINUTE, "u-10", LATEST + 3 * US),
    TakeTurn(T0 + 5 * MINUTE, "u-9", LATEST + 4 * US),
    TakeTurn(T0 + 5 * MINUTE, "u-4", LATEST + 5 * US),
    TakeTurn(T0 + 5 * MINUTE, "u-3", LATEST + 6 * US),
    # Round two begins with whoever had the first turn of round one; never the admin.
    TakeTurn(T0 + 5 * MINUTE, "u-2", LATEST + 7 * US),
    # The clock is now ahead of every turn: dated as it says.
    TakeTurn(T0 + HOUR, "u-1", T0 + HOUR),
    # Someone new goes first, one tick after the turn taken at the same instant.
    Join(RosterMember("u-7", "Bo Diaz", "caseworker", None)),
    TakeTurn(T0 + HOUR, "u-7", T0 + HOUR + US),
    # Zoe stops taking cases; the others continue in the order of their last turns.
    ChangeRole("u-4", "office_admin"),
    TakeTurn(T0 + 2 * HOUR, "u-10", T0 + 2 * HOUR),
    TakeTurn(T0 + 2 * HOUR, "u-9", T0 + 2 * HOUR + US),
    TakeTurn(T0 + 2 * HOUR, "u-3", T0 + 2 * HOUR + 2 * US),
    TakeTurn(T0 + 2 * HOUR, "u-2", T0 + 2 * HOUR + 3 * US),
    TakeTurn(T0 + 2 * HOUR, "u-1", T0 + 2 * HOUR + 4 * US),
    TakeTurn(T0 + 2 * HOUR, "u-7", T0 + 2 * HOUR + 5 * US),
    TakeTurn(T0 + 2 * HOUR, "u-10", T0 + 2 * HOUR + 6 * US),
)


@dataclass
class Office:
    """What a run of the oracle needs from an implementation."""

    take_turn: Callable[[datetime], Turn | None]
    join: Callable[[RosterMember], None]
    change_role: Callable[[str, str], None]


def replay(office: Office) -> list[tuple[str, datetime]]:
    """Play the steps; the turns taken, as (user id, date), to compare with `expected()`."""
    taken = []
    for step in STEPS:
        if isinstance(step, Join):
            office.join(step.member)
        elif isinstance(step, ChangeRole):
            office.change_role(step.user_id, step.role)
        else:
            turn = office.take_turn(step.now)
            assert turn is not None, "someone in this office always takes cases"
            taken.append((turn.user_id, turn.assigned_at))
    return taken


def expected() -> list[tuple[str, datetime]]:
    return [(step.user_id, step.assigned_at) for step in STEPS if isinstance(step, TakeTurn)]
