"""Metrics' read-model rules, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.metrics.domain.acknowledgements import (
    AcknowledgedSubmission,
    SubmissionTiming,
    percentile,
    seconds_to_acknowledge,
    summarise,
    times_by_office,
)
from services.metrics.domain.caseload import Assignment, assign
from services.metrics.domain.office_stats import (
    MAX_DAYS,
    CountedEvent,
    DailyCounts,
    DailyIncrement,
    daily_series,
    fold,
    increment_for,
    stats_day,
)

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_each_event_moves_exactly_its_own_counter() -> None:
    assert increment_for("intake.submission_received") == DailyIncrement(received=1)
    assert increment_for("cases.case_opened") == DailyIncrement(opened=1)
    assert increment_for("cases.case_assigned") == DailyIncrement(assigned=1)
    assert increment_for("notify.acknowledgement_sent") == DailyIncrement(acknowledged=1)


def test_increments_add_counter_by_counter() -> None:
    total = DailyIncrement(received=2, assigned=1) + DailyIncrement(received=1, acknowledged=4)

    assert total == DailyIncrement(received=3, assigned=1, acknowledged=4)


def test_folding_adds_up_events_per_office_and_day_and_leaves_out_the_rest() -> None:
    monday, tuesday = date(2026, 11, 23), date(2026, 11, 24)
    events = [
        CountedEvent("rep-a", monday, increment_for("intake.submission_received")),
        CountedEvent("rep-a", monday, increment_for("cases.case_opened")),
        CountedEvent("rep-a", monday, increment_for("intake.submission_received")),
        CountedEvent("rep-a", tuesday, increment_for("notify.acknowledgement_sent")),
        CountedEvent("rep-b", monday, increment_for("cases.case_assigned")),
    ]

    assert fold(events) == {
        ("rep-a", monday): DailyIncrement(received=2, opened=1),
        ("rep-a", tuesday): DailyIncrement(acknowledged=1),
        ("rep-b", monday): DailyIncrement(assigned=1),
    }
    assert fold([]) == {}


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


def test_the_first_assignment_gives_the_case_its_holder() -> None:
    assert assign(None, Assignment("u-1", "Ana Diaz", NOON)) == Assignment("u-1", "Ana Diaz", NOON)


def test_a_later_assignment_moves_the_case_to_its_caseworker() -> None:
    later = Assignment("u-1", "Ana Diaz", NOON + timedelta(hours=1))

    assert assign(Assignment("u-2", "Ben Okafor", NOON), later) == later


def test_an_assignment_older_than_the_one_known_changes_nothing() -> None:
    current = Assignment("u-2", "Ben Okafor", NOON)

    assert assign(current, Assignment("u-1", "Ana Diaz", NOON - timedelta(minutes=5))) == current


def test_the_same_caseworker_assigned_again_later_keeps_the_case_under_the_new_name() -> None:
    renamed = Assignment("u-1", "Ana Diaz-Reyes", NOON + timedelta(days=1))

    assert assign(Assignment("u-1", "Ana Diaz", NOON), renamed) == renamed


assignments = st.lists(
    st.builds(
        Assignment,
        caseworker_id=st.sampled_from(["u-1", "u-2", "u-3"]),
        caseworker_name=st.just("Sam Rivera"),
        assigned_at=st.integers(0, 5).map(lambda minutes: NOON + timedelta(minutes=minutes)),
    ),
    min_size=1,
    max_size=6,
)


@given(assignments, st.data())
def test_whatever_order_assignments_arrive_in_the_latest_holds_the_case(
    events: list[Assignment], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(events))
    holders = []
    for order in (events, shuffled):
        holder = None
        for incoming in order:
            holder = assign(holder, incoming)
        holders.append(holder)

    latest = max(events, key=lambda a: (a.assigned_at, a.caseworker_id))
    assert holders == [latest, latest]


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


RECEIVED = SubmissionTiming("s-1", received_at=NOON)
OPENED = SubmissionTiming("s-1", case_id="c-1")
ACKNOWLEDGED_LATE = SubmissionTiming("s-1", "c-1", acknowledged_at=NOON + timedelta(minutes=9))
ACKNOWLEDGED_EARLY = SubmissionTiming("s-1", "c-1", acknowledged_at=NOON + timedelta(minutes=2))


@given(st.permutations([RECEIVED, OPENED, ACKNOWLEDGED_LATE, ACKNOWLEDGED_EARLY]))
def test_whatever_order_events_tell_their_part_the_first_acknowledgement_is_kept(
    told: list[SubmissionTiming],
) -> None:
    known = told[0]
    for part in told[1:]:
        known = known.merge(part)

    assert known == SubmissionTiming("s-1", "c-1", NOON, NOON + timedelta(minutes=2))


def test_a_receipt_time_already_known_is_not_replaced() -> None:
    again = SubmissionTiming("s-1", received_at=NOON + timedelta(hours=1))

    assert RECEIVED.merge(again).received_at == NOON


def test_timings_of_two_submissions_do_not_merge() -> None:
    with pytest.raises(ValueError):
        RECEIVED.merge(SubmissionTiming("s-2", received_at=NOON))


def test_waits_are_summarised_per_office_in_office_order() -> None:
    def acknowledged(office_id: str, seconds: int) -> AcknowledgedSubmission:
        return AcknowledgedSubmission(office_id, NOON, NOON + timedelta(seconds=seconds))

    times = times_by_office(
        [acknowledged("rep-b", 30), acknowledged("rep-a", 60), acknowledged("rep-a", 120)]
    )

    assert [(t.office_id, t.samples, dict(t.quantiles)) for t in times] == [
        ("rep-a", 2, {0.5: 60.0, 0.95: 120.0}),
        ("rep-b", 1, {0.5: 30.0, 0.95: 30.0}),
    ]
    assert times_by_office([]) == []
