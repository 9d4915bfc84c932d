"""The rotation rule (domain/routing.py) and the roster's announcements, without a database."""

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.cases.domain.routing import (
    TICK,
    RosterMember,
    Turn,
    after_announcement,
    next_in_rotation,
    take_turn,
    turn_taken_at,
)
from services.cases.tests import rotation_oracle
from services.contracts import StaffMemberAdded

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class InMemoryOffice:
    """The roster as a list, turns taken with the domain's rule."""

    def __init__(self, roster: tuple[RosterMember, ...]) -> None:
        self.roster = {member.user_id: member for member in roster}

    def take_turn(self, now: datetime) -> Turn | None:
        turn = take_turn(self.roster.values(), now)
        if turn is not None:
            chosen = self.roster[turn.user_id]
            self.roster[turn.user_id] = replace(chosen, last_assigned_at=turn.assigned_at)
        return turn

    def join(self, member: RosterMember) -> None:
        self.roster[member.user_id] = member

    def change_role(self, user_id: str, role: str) -> None:
        self.roster[user_id] = replace(self.roster[user_id], role=role)


def test_the_rule_takes_the_turns_written_out_by_hand() -> None:
    office = InMemoryOffice(rotation_oracle.ROSTER)
    taken = rotation_oracle.replay(
        rotation_oracle.Office(office.take_turn, office.join, office.change_role)
    )
    assert taken == rotation_oracle.expected()


def test_someone_never_assigned_goes_before_everyone_already_assigned() -> None:
    roster = [
        RosterMember("u-1", "Alex Chen", "caseworker", T0),
        RosterMember("u-2", "Sam Rivera", "caseworker", None),
    ]
    chosen = next_in_rotation(roster)
    assert chosen is not None and chosen.user_id == "u-2"


def test_among_those_already_assigned_the_longest_waiting_goes_next() -> None:
    roster = [
        RosterMember("u-1", "Alex Chen", "caseworker", T0 + timedelta(minutes=5)),
        RosterMember("u-2", "Sam Rivera", "supervisor", T0),
    ]
    chosen = next_in_rotation(roster)
    assert chosen is not None and chosen.user_id == "u-2"


def test_ties_go_by_name_so_every_instance_chooses_alike() -> None:
    roster = [
        RosterMember("u-9", "Sam Rivera", "caseworker"),
        RosterMember("u-1", "Alex Chen", "caseworker"),
    ]
    chosen = next_in_rotation(reversed(roster))
    assert chosen is not None and chosen.display_name == "Alex Chen"


def test_admins_and_read_only_staff_are_never_given_cases() -> None:
    roster = [
        RosterMember("u-1", "Ada Admin", "office_admin"),
        RosterMember("u-2", "Ian Intern", "read_only"),
    ]
    assert next_in_rotation(roster) is None
    assert next_in_rotation([]) is None


members = st.lists(
    st.builds(
        RosterMember,
        user_id=st.uuids().map(str),
        display_name=st.sampled_from(["Alex Chen", "Sam Rivera", "Jo Park", "Jo Park"]),
        role=st.sampled_from(["caseworker", "supervisor", "office_admin", "read_only"]),
        last_assigned_at=st.one_of(
            st.none(), st.integers(0, 10_000).map(lambda s: T0 + timedelta(seconds=s))
        ),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda member: member.user_id,
)


@given(members, st.integers(1, 60))
def test_round_robin_shares_cases_evenly_whatever_the_roster_and_its_history(
    roster: list[RosterMember], assignments: int
) -> None:
    """Over N assignments to k caseworkers, nobody gets more than one case more than anyone."""
    clock = T0 + timedelta(days=1)
    counts: Counter[str] = Counter()
    current = {member.user_id: member for member in roster}
    for _ in range(assignments):
        chosen = next_in_rotation(current.values())
        if chosen is None:
            break
        counts[chosen.user_id] += 1
        clock += timedelta(seconds=1)
        current[chosen.user_id] = RosterMember(
            chosen.user_id, chosen.display_name, chosen.role, clock
        )

    takers = [member.user_id for member in roster if member.role in {"caseworker", "supervisor"}]
    assert set(counts) <= set(takers)
    if takers:
        per_member = [counts[user_id] for user_id in takers]
        assert sum(per_member) == assignments
        assert max(per_member) - min(per_member) <= 1
    else:
        assert not counts


def test_a_turn_is_dated_now_when_now_is_after_every_earlier_turn() -> None:
    roster = [
        RosterMember("u-1", "Alex Chen", "caseworker", T0),
        RosterMember("u-2", "Jo Park", "caseworker"),
    ]
    assert turn_taken_at(T0 + timedelta(seconds=1), roster) == T0 + timedelta(seconds=1)
    assert turn_taken_at(T0, []) == T0


@given(st.integers(-120, 0))
def test_a_clock_behind_the_latest_turn_dates_the_new_one_just_after_it(seconds: int) -> None:
    roster = [
        RosterMember("u-1", "Alex Chen", "caseworker", T0),
        RosterMember("u-2", "Sam Rivera", "office_admin", T0 - timedelta(hours=1)),
    ]
    taken = turn_taken_at(T0 + timedelta(seconds=seconds), roster)
    assert taken == T0 + TICK
    # So the rotation moves on: whoever just had a case is now the one who waited least.
    rotated = [
        RosterMember("u-1", "Alex Chen", "caseworker", taken),
        RosterMember("u-3", "Jo Park", "caseworker", T0 - timedelta(minutes=1)),
    ]
    chosen = next_in_rotation(rotated)
    assert chosen is not None and chosen.user_id == "u-3"


def test_nobody_takes_a_turn_in_an_office_where_nobody_takes_cases() -> None:
    assert take_turn([RosterMember("u-1", "Ada Admin", "office_admin")], T0) is None
    assert take_turn([], T0) is None


ANNOUNCED = StaffMemberAdded("u-3", "Sam Rivera", "caseworker")


def test_a_first_announcement_adds_the_member_with_no_turn_yet() -> None:
    assert after_announcement(None, ANNOUNCED, T0) == RosterMember(
        "u-3", "Sam Rivera", "caseworker", None, announced_at=T0
    )


def test_a_newer_announcement_changes_name_and_role_and_keeps_the_members_turns() -> None:
    known = RosterMember("u-3", "Sam Rivera", "caseworker", T0, announced_at=T0)
    later = T0 + timedelta(hours=1)
    renamed = StaffMemberAdded("u-3", "Sam Rivera-Diaz", "office_admin")

    assert after_announcement(known, renamed, later) == RosterMember(
        "u-3", "Sam Rivera-Diaz", "office_admin", T0, announced_at=later
    )


def test_an_announcement_older_than_what_is_known_changes_nothing() -> None:
    known = RosterMember("u-3", "Sam Rivera", "office_admin", None, announced_at=T0)
    assert after_announcement(known, ANNOUNCED, T0 - timedelta(seconds=1)) is None
