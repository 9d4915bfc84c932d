"""The roll-up's rules on their own: what each event adds and on which day, how a run folds
batch after batch, and when it stops."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.metrics.domain.office_stats import (
    COUNTERS,
    INCREMENTS,
    CountedEvent,
    DailyIncrement,
    EventFact,
    fact_for,
    fold,
    increment_for,
)
from services.metrics.domain.roll_up import DailyAddition, RollUp, additions

MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)
RECEIVED = DailyIncrement(received=1)


def test_an_event_is_a_fact_of_its_counter_on_the_utc_day_it_happened() -> None:
    late_in_washington = datetime(2026, 11, 23, 21, 30, tzinfo=timezone(timedelta(hours=-5)))

    assert fact_for("cases.case_opened", late_in_washington) == EventFact(
        TUESDAY, DailyIncrement(opened=1)
    )
    assert fact_for("intake.submission_received", datetime(2026, 11, 23, tzinfo=UTC)) == (
        EventFact(MONDAY, RECEIVED)
    )


def test_an_event_metrics_does_not_count_makes_no_fact() -> None:
    with pytest.raises(ValueError, match="moves no daily counter"):
        fact_for("agencies.agency_suggested", datetime(2026, 11, 23, tzinfo=UTC))


def test_a_batch_adds_to_each_office_and_day_in_office_then_day_order() -> None:
    batch = [
        CountedEvent("rep-b", MONDAY, RECEIVED),
        CountedEvent("rep-a", TUESDAY, DailyIncrement(acknowledged=1)),
        CountedEvent("rep-a", MONDAY, RECEIVED),
        CountedEvent("rep-a", MONDAY, DailyIncrement(opened=1)),
    ]

    assert additions(batch) == [
        DailyAddition("rep-a", MONDAY, DailyIncrement(received=1, opened=1)),
        DailyAddition("rep-a", TUESDAY, DailyIncrement(acknowledged=1)),
        DailyAddition("rep-b", MONDAY, RECEIVED),
    ]
    assert additions([]) == []


def facts(count: int) -> list[CountedEvent]:
    return [CountedEvent("rep-a", MONDAY, RECEIVED)] * count


def test_a_run_goes_on_while_batches_are_full_and_ends_with_a_short_one() -> None:
    run = RollUp(batch_size=3)

    run.fold(facts(3))
    assert not run.finished
    run.fold(facts(3))
    assert not run.finished
    assert run.fold(facts(1)) == [DailyAddition("rep-a", MONDAY, RECEIVED)]

    assert run.finished
    assert run.folded == 7


def test_a_run_that_finds_nothing_to_fold_ends_at_once() -> None:
    run = RollUp(batch_size=3)

    assert run.fold([]) == []
    assert run.finished
    assert run.folded == 0


def test_a_run_standing_aside_for_another_instance_ends_without_folding() -> None:
    run = RollUp()

    run.stand_aside()

    assert run.finished
    assert run.folded == 0
    with pytest.raises(RuntimeError):
        run.fold(facts(1))


def test_a_batch_larger_than_the_batch_size_or_an_empty_batch_size_is_refused() -> None:
    with pytest.raises(ValueError):
        RollUp(batch_size=2).fold(facts(3))
    with pytest.raises(ValueError):
        RollUp(batch_size=0)


counted_events = st.lists(
    st.builds(
        CountedEvent,
        office_id=st.sampled_from(["rep-a", "rep-b"]),
        day=st.dates(date(2026, 11, 20), date(2026, 11, 24)),
        increment=st.sampled_from(sorted(INCREMENTS)).map(increment_for),
    ),
    max_size=40,
)


@given(counted_events, st.integers(0, 40))
def test_folding_in_batches_gives_the_same_totals_as_folding_at_once(
    events: list[CountedEvent], cut: int
) -> None:
    at_once = fold(events)
    in_batches: Counter[tuple[str, date, str]] = Counter()
    for batch in (events[:cut], events[cut:]):
        for (office_id, day), increment in fold(batch).items():
            for name in COUNTERS:
                in_batches[(office_id, day, name)] += getattr(increment, name)

    assert +in_batches == Counter(
        {
            (office_id, day, name): getattr(increment, name)
            for (office_id, day), increment in at_once.items()
            for name in COUNTERS
            if getattr(increment, name)
        }
    )
    assert sum(sum(asdict(increment).values()) for increment in at_once.values()) == len(events)


@given(counted_events, st.integers(1, 10))
def test_a_run_batch_by_batch_adds_what_folding_everything_at_once_adds(
    events: list[CountedEvent], batch_size: int
) -> None:
    run = RollUp(batch_size=batch_size)
    totals: dict[tuple[str, date], DailyIncrement] = {}
    remaining = list(events)
    while not run.finished:
        batch, remaining = remaining[:batch_size], remaining[batch_size:]
        for addition in run.fold(batch):
            key = (addition.office_id, addition.day)
            totals[key] = totals.get(key, DailyIncrement()) + addition.increment

    assert run.folded == len(events)
    assert totals == fold(events)
    # Counted independently of `fold`: every event adds exactly one to one counter.
    assert sum(sum(vars(total).values()) for total in totals.values()) == len(events)
