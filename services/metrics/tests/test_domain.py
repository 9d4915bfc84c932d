"""Metrics' read-model rules, without a database."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.metrics.domain.acknowledgements import (
    percentile,
    seconds_to_acknowledge,
    summarise,
)
from services.metrics.domain.caseload import Assignment, assign
from services.metrics.domain.office_stats import (
    MAX_DAYS,
    DailyCounts,
    DailyIncrement,
    daily_series,
    increment_for,
    stats_day,
)

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_each_event_moves_exactly_its_own_counter() -> None:
    assert increment_for("intake.submission_received") == DailyIncrement(received=1)
    assert increment_for("cases.case_opened") == DailyIncrement(opened=1)
    assert increment_for("cases.case_assigned") == DailyIncrement(assigned=1)
    assert increment_for("notify.acknowledgement_sent") == DailyIncrement(acknowledged=1)


def test_an_event_metrics_does_not_count_is_refused() -> None:
    with pytest.raises(ValueError, match="moves no daily counter"):
        increment_for("agencies.agency_suggested")


def test_an_evening_event_in_washington_counts_on_the_next_utc_day() -> None:
    eastern = timezone(timedelta(hours=-5))
    assert stats_day(datetime(2026, 11, 23, 21, 30, tzinfo=eastern)) == date(2026, 11, 24)
    assert stats_day(datetime(2026, 11, 23, 18, 59, tzinfo=eastern)) == date(2026, 11, 23)


def test_a_timestamp_without_a_zone_has_no_day() -> None:
    with pytest.raises(ValueError):
        stats_day(datetime(2026, 11, 23, 12, 0))


def test_the_daily_series_ends_today_oldest_first_with_quiet_days_as_zero() -> None:
    today = date(2026, 11, 23)
    counts = [
        DailyCounts(date(2026, 11, 23), received=4, opened=3),
        DailyCounts(date(2026, 11, 21), received=1, acknowledged=1),
        DailyCounts(date(2026, 11, 10), received=9),  # before the window
    ]

    series = daily_series(counts, today=today, days=3)

    assert series == [
        DailyCounts(date(2026, 11, 21), received=1, acknowledged=1),
        DailyCounts(date(2026, 11, 22)),
        DailyCounts(date(2026, 11, 23), received=4, opened=3),
    ]


@pytest.mark.parametrize("days", [0, -1, MAX_DAYS + 1])
def test_a_series_must_cover_between_one_day_and_a_year(days: int) -> None:
    with pytest.raises(ValueError):
        daily_series([], today=date(2026, 11, 23), days=days)


def test_the_first_assignment_adds_the_case_to_that_caseload() -> None:
    change = assign(None, Assignment("u-1", NOON))

    assert change.holder == Assignment("u-1", NOON)
    assert change.deltas == (("u-1", 1),)


def test_a_reassignment_moves_the_case_between_caseloads() -> None:
    change = assign(Assignment("u-2", NOON), Assignment("u-1", NOON + timedelta(hours=1)))

    assert change.holder.caseworker_id == "u-1"
    assert change.deltas == (("u-1", 1), ("u-2", -1))
    assert change.moves_the_case


def test_an_assignment_older_than_the_one_known_changes_nothing() -> None:
    current = Assignment("u-2", NOON)

    change = assign(current, Assignment("u-1", NOON - timedelta(minutes=5)))

    assert change.holder == current
    assert change.deltas == ()


def test_the_same_caseworker_assigned_again_keeps_the_count_but_refreshes_the_name() -> None:
    change = assign(Assignment("u-1", NOON), Assignment("u-1", NOON + timedelta(days=1)))

    assert change.deltas == (("u-1", 0),)
    assert not change.moves_the_case


assignments = st.lists(
    st.builds(
        Assignment,
        caseworker_id=st.sampled_from(["u-1", "u-2", "u-3"]),
        assigned_at=st.integers(0, 5).map(lambda minutes: NOON + timedelta(minutes=minutes)),
    ),
    min_size=1,
    max_size=6,
)


@given(assignments, st.data())
def test_whatever_order_assignments_arrive_in_the_latest_holds_the_case_once(
    events: list[Assignment], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(events))
    outcomes = []
    for order in (events, shuffled):
        holder = None
        caseloads: Counter[str] = Counter()
        for incoming in order:
            change = assign(holder, incoming)
            holder = change.holder
            caseloads.update(dict(change.deltas))
        outcomes.append((holder, +caseloads))

    (first_holder, first_loads), (second_holder, second_loads) = outcomes
    latest = max(events, key=lambda a: (a.assigned_at, a.caseworker_id))
    assert first_holder == second_holder == latest
    assert first_loads == second_loads == Counter({latest.caseworker_id: 1})


def test_deltas_are_ordered_by_caseworker_so_workers_lock_rows_alike() -> None:
    for before, after in itertools.permutations(["u-9", "u-1"]):
        change = assign(Assignment(before, NOON), Assignment(after, NOON + timedelta(seconds=1)))
        assert [caseworker for caseworker, _ in change.deltas] == ["u-1", "u-9"]


def test_waits_are_measured_in_seconds_and_never_negative() -> None:
    assert seconds_to_acknowledge(NOON, NOON + timedelta(minutes=2)) == 120.0
    assert seconds_to_acknowledge(NOON, NOON - timedelta(seconds=3)) == 0.0


def test_percentiles_are_nearest_rank_so_they_are_waits_that_happened() -> None:
    waits = [float(n) for n in range(1, 21)]  # 1..20 seconds

    assert percentile(waits, 0.5) == 10.0
    assert percentile(waits, 0.95) == 19.0
    assert percentile([60.0, 120.0], 0.5) == 60.0
    assert percentile([60.0, 120.0], 0.95) == 120.0
    assert percentile([7.0], 0.95) == 7.0


def test_a_percentile_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError):
        percentile([], 0.5)


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=50))
def test_the_median_never_exceeds_the_95th_percentile(waits: list[float]) -> None:
    summary = dict(summarise("rep-a", waits).quantiles)
    assert min(waits) <= summary[0.5] <= summary[0.95] <= max(waits)
