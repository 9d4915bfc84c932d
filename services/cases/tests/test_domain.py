from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.cases.domain.cases import (
    REFERENCE,
    STATUSES,
    CaseStatus,
    assigned_summary,
    case_id_for,
    format_reference,
)
from services.cases.domain.routing import TICK, RosterMember, next_in_rotation, turn_taken_at

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_reference_is_the_year_and_a_six_digit_number() -> None:
    assert format_reference(2026, 42) == "CW-2026-000042"
    assert format_reference(2027, 1) == "CW-2027-000001"


def test_a_busy_office_outgrows_six_digits_without_losing_numbers() -> None:
    assert format_reference(2026, 1_234_567) == "CW-2026-1234567"


@pytest.mark.parametrize(("year", "number"), [(2026, 0), (2026, -3), (26, 1), (20260, 1)])
def test_impossible_reference_numbers_and_years_are_refused(year: int, number: int) -> None:
    with pytest.raises(ValueError):
        format_reference(year, number)


@given(st.integers(1000, 9999), st.integers(1, 10**8))
def test_a_reference_reads_back_as_the_year_and_number_it_was_made_from(
    year: int, number: int
) -> None:
    match = REFERENCE.match(format_reference(year, number))
    assert match is not None
    assert (int(match[1]), int(match[2])) == (year, number)


def test_a_submission_always_maps_to_the_same_case_id_and_offices_never_share_one() -> None:
    assert case_id_for("rep-lopez", "s-1") == case_id_for("rep-lopez", "s-1")
    assert case_id_for("rep-lopez", "s-1") != case_id_for("rep-lopez", "s-2")
    assert case_id_for("rep-lopez", "s-1") != case_id_for("sen-okafor", "s-1")


def test_the_status_vocabulary_has_the_two_waiting_states_and_starts_open() -> None:
    assert STATUSES == (
        "open",
        "waiting_on_agency",
        "waiting_on_constituent",
        "resolved",
        "closed",
    )
    assert CaseStatus("waiting_on_constituent") is CaseStatus.WAITING_ON_CONSTITUENT
    with pytest.raises(ValueError):
        CaseStatus("pending")


def test_the_assignment_note_names_the_caseworker_and_how() -> None:
    assert assigned_summary("Sam Rivera", "round_robin") == "Assigned to Sam Rivera (round robin)"


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


def test_the_status_vocabulary_is_the_one_other_services_are_promised() -> None:
    from services.cases.domain.cases import STATUSES
    from services.contracts.vocabulary import CASE_STATUSES

    assert STATUSES == CASE_STATUSES
