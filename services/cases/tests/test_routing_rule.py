"""Routing by specialty and lowest caseload (rules 1 and 5 of domain/routing.py), and the
roster's active flag and specialties as announcements change them, without a database."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.cases.domain.routing import (
    ROUND_ROBIN,
    RULE,
    TICK,
    RosterMember,
    Turn,
    after_announcement,
    route,
    take_turn,
)
from services.contracts import StaffMemberAdded

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
VETERANS = "veterans"


def member(
    user_id: str,
    *specialties: str,
    last: datetime | None = None,
    role: str = "caseworker",
    active: bool = True,
    name: str | None = None,
) -> RosterMember:
    return RosterMember(
        user_id,
        name or f"Member {user_id}",
        role,
        last,
        active=active,
        specialties=tuple(sorted(specialties)),
    )


def chosen(turn: Turn | None) -> tuple[str, str] | None:
    return None if turn is None else (turn.user_id, turn.method)


def test_a_case_goes_to_the_specialist_in_its_category_not_to_whoever_is_next_in_rotation() -> None:
    roster = [
        member("u-1"),  # never assigned: first in rotation
        member("u-2", "tax", last=T0),
        member("u-3", VETERANS, "tax", last=T0 + timedelta(minutes=5)),
    ]
    assert chosen(route(roster, VETERANS, {}, T0 + timedelta(hours=1))) == ("u-3", RULE)


def test_among_specialists_the_lowest_open_caseload_wins() -> None:
    roster = [member("u-1", VETERANS), member("u-2", VETERANS, last=T0), member("u-3", VETERANS)]
    caseloads = {"u-1": 4, "u-2": 2, "u-3": 3}
    assert chosen(route(roster, VETERANS, caseloads, T0)) == ("u-2", RULE)


def test_a_specialist_absent_from_the_caseloads_has_none_and_goes_first() -> None:
    roster = [member("u-1", VETERANS), member("u-2", VETERANS)]
    assert chosen(route(roster, VETERANS, {"u-1": 1}, T0)) == ("u-2", RULE)


def test_equal_caseloads_go_to_the_least_recently_assigned_never_assigned_first() -> None:
    roster = [
        member("u-1", VETERANS, last=T0 + timedelta(minutes=2)),
        member("u-2", VETERANS, last=T0 + timedelta(minutes=1)),
    ]
    caseloads = {"u-1": 2, "u-2": 2}
    assert chosen(route(roster, VETERANS, caseloads, T0)) == ("u-2", RULE)
    never = [*roster, member("u-3", VETERANS)]
    assert chosen(route(never, VETERANS, {**caseloads, "u-3": 2}, T0)) == ("u-3", RULE)


def test_equal_caseloads_and_times_go_by_user_id_code_point_by_code_point_not_by_name() -> None:
    roster = [
        member("u-9", VETERANS, last=T0, name="Alex Chen"),
        member("u-10", VETERANS, last=T0, name="Zoe Park"),
    ]
    assert chosen(route(roster, VETERANS, {}, T0)) == ("u-10", RULE)


def test_a_deactivated_specialist_gets_no_case_even_with_the_lowest_caseload() -> None:
    roster = [member("u-1", VETERANS, active=False), member("u-2", VETERANS)]
    assert chosen(route(roster, VETERANS, {"u-2": 9}, T0)) == ("u-2", RULE)


def test_a_specialist_whose_role_takes_no_cases_is_not_a_candidate() -> None:
    roster = [member("u-1", VETERANS, role="office_admin"), member("u-2", last=T0)]
    assert chosen(route(roster, VETERANS, {}, T0)) == ("u-2", ROUND_ROBIN)


def test_with_no_active_specialist_the_rotation_chooses_among_active_members() -> None:
    roster = [
        member("u-1", VETERANS, active=False),
        member("u-2", "tax"),  # never assigned: the rotation's next
        member("u-3", last=T0),
        member("u-4", active=False),  # never assigned either, but deactivated
    ]
    turn = route(roster, VETERANS, {"u-2": 5}, T0 + timedelta(hours=1))
    assert turn == take_turn(roster, T0 + timedelta(hours=1))
    assert chosen(turn) == ("u-2", ROUND_ROBIN)


def test_nobody_takes_a_case_when_everyone_who_would_is_deactivated() -> None:
    roster = [member("u-1", VETERANS, active=False), member("u-2", active=False)]
    assert route(roster, VETERANS, {}, T0) is None
    assert take_turn(roster, T0) is None


def test_a_turn_by_rule_is_dated_after_the_offices_latest_turn_like_any_other() -> None:
    roster = [member("u-1", VETERANS), member("u-2", last=T0 + timedelta(minutes=1))]
    turn = route(roster, VETERANS, {}, T0)
    assert turn == Turn("u-1", "Member u-1", T0 + timedelta(minutes=1) + TICK, RULE)


USER_IDS = st.sampled_from(["u-1", "u-2", "u-10", "U-3", "ü-4", "u-5"])
rosters = st.lists(
    st.builds(
        RosterMember,
        user_id=USER_IDS,
        display_name=st.sampled_from(["Alex Chen", "alex chen", "Jo Park"]),
        role=st.sampled_from(["caseworker", "supervisor", "office_admin"]),
        last_assigned_at=st.one_of(
            st.none(), st.integers(0, 5).map(lambda m: T0 + timedelta(minutes=m))
        ),
        active=st.booleans(),
        specialties=st.sampled_from([(), (VETERANS,), ("tax",), ("tax", VETERANS)]),
    ),
    max_size=6,
    unique_by=lambda m: m.user_id,
)


@given(rosters, st.lists(USER_IDS))
def test_the_rule_chooses_an_active_specialist_with_the_fewest_cases_else_the_rotation(
    roster: list[RosterMember], assigned: list[str]
) -> None:
    caseloads = Counter(assigned)
    turn = route(roster, VETERANS, caseloads, T0)

    candidates = [
        m for m in roster if m.active and m.role != "office_admin" and VETERANS in m.specialties
    ]
    if candidates:
        assert turn is not None and turn.method == RULE
        assert turn.user_id in {m.user_id for m in candidates}
        assert caseloads[turn.user_id] == min(caseloads[m.user_id] for m in candidates)
    else:
        assert turn == take_turn(roster, T0)
        assert turn is None or turn.method == ROUND_ROBIN


@given(st.lists(st.integers(0, 6), min_size=1, max_size=5), st.integers(0, 40))
def test_routing_a_category_fills_the_least_loaded_specialists_up_to_the_others(
    loads: list[int], openings: int
) -> None:
    """Each case goes to a lowest: once enough cases came to level the specialists, their
    caseloads never differ by more than one, and nobody else got one."""
    roster = {f"u-{n}": member(f"u-{n}", VETERANS) for n in range(len(loads))}
    roster["u-x"] = member("u-x")  # takes cases, no specialty
    caseloads = Counter({f"u-{n}": load for n, load in enumerate(loads)})
    clock = T0
    for _ in range(openings):
        turn = route(roster.values(), VETERANS, caseloads, clock)
        assert turn is not None and turn.user_id != "u-x"
        caseloads[turn.user_id] += 1
        roster[turn.user_id] = member(turn.user_id, VETERANS, last=turn.assigned_at)
        clock += timedelta(seconds=1)

    levelling = sum(max(loads) - load for load in loads)
    spread = max(caseloads.values()) - min(caseloads[f"u-{n}"] for n in range(len(loads)))
    if openings >= levelling:
        assert spread <= 1
    assert sum(caseloads.values()) == sum(loads) + openings


def announced(active: bool = True, *specialties: str, role: str = "caseworker") -> StaffMemberAdded:
    return StaffMemberAdded("u-3", "Sam Rivera", role, active, specialties)


def test_an_announcement_sets_the_active_flag_and_the_specialties_once_each_sorted() -> None:
    first = after_announcement(None, announced(True, VETERANS, "tax", VETERANS), T0)
    assert first == RosterMember(
        "u-3", "Sam Rivera", "caseworker", None, T0, True, ("tax", VETERANS)
    )


def test_a_newer_announcement_replaces_flag_and_specialties_and_keeps_the_turns() -> None:
    known = RosterMember("u-3", "Sam Rivera", "caseworker", T0, T0, True, (VETERANS,))
    later = T0 + timedelta(hours=1)
    assert after_announcement(known, announced(False), later) == RosterMember(
        "u-3", "Sam Rivera", "caseworker", T0, later, False, ()
    )


def test_a_late_older_announcement_cannot_reactivate_someone_deactivated_since() -> None:
    deactivated = after_announcement(
        RosterMember("u-3", "Sam Rivera", "caseworker", None, T0, True, (VETERANS,)),
        announced(False, VETERANS),
        T0 + timedelta(hours=1),
    )
    assert deactivated is not None and not deactivated.takes_cases

    assert after_announcement(deactivated, announced(True, VETERANS), T0) is None
    assert after_announcement(deactivated, announced(True, VETERANS), T0 + timedelta(hours=2))
