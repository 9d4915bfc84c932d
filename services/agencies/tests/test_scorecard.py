"""The agency scorecard: counts, the overdue rate and response percentiles in business
days."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.agencies.domain.clock import HolidayCalendar
from services.agencies.domain.scorecard import InquiryFacts, percentile, scorecard

US = HolidayCalendar("US")
TODAY = date(2026, 3, 2)


def facts(
    code: str = "SSA",
    sent_on: date = date(2026, 1, 5),
    replied: date | None = None,
    due_on: date = date(2026, 2, 2),
    overdue: bool = False,
) -> InquiryFacts:
    names = {"SSA": "Social Security Administration", "VA": "Department of Veterans Affairs"}
    return InquiryFacts(code, names[code], sent_on, replied, due_on, overdue)


def test_an_agency_line_counts_sent_answered_open_and_overdue() -> None:
    [line] = scorecard(
        [
            facts(replied=date(2026, 1, 12)),  # 5 business days
            facts(replied=date(2026, 2, 9)),  # answered after the due date: late
            facts(overdue=True),  # open and flagged
            facts(due_on=date(2026, 3, 31)),  # open, not yet due
        ],
        US,
        TODAY,
    )

    assert (line.sent, line.answered, line.open, line.overdue) == (4, 2, 2, 2)
    assert line.overdue_rate == 0.5


def test_response_times_are_in_business_days_skipping_holidays() -> None:
    # 5 Jan -> 20 Jan 2026: 11 weekdays, less Martin Luther King Jr. Day on 19 Jan.
    [line] = scorecard([facts(replied=date(2026, 1, 20))], US, TODAY)

    assert line.p50_business_days == 10.0
    assert line.p90_business_days == 10.0


def test_percentiles_interpolate_between_the_nearest_ranks() -> None:
    assert percentile([], 50) is None
    assert percentile([4], 90) == 4
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile(list(range(1, 11)), 90) == 9.1
    assert percentile([5, 10, 20, 40, 80], 90) == 64.0


def test_an_agency_with_no_answers_yet_has_no_percentiles() -> None:
    [line] = scorecard([facts(), facts()], US, TODAY)

    assert line.p50_business_days is None and line.p90_business_days is None
    assert line.overdue == 2  # both past 2 Feb without an answer


def test_an_unanswered_letter_past_its_due_date_counts_as_overdue_before_the_scan_runs() -> None:
    [line] = scorecard([facts(due_on=TODAY - timedelta(days=1))], US, TODAY)

    assert line.overdue == 1


def test_one_line_per_agency_ordered_by_name() -> None:
    lines = scorecard([facts("VA"), facts("SSA"), facts("VA")], US, TODAY)

    assert [(line.agency_code, line.sent) for line in lines] == [("VA", 2), ("SSA", 1)]
    assert scorecard([], US, TODAY) == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["SSA", "VA"]),
            st.integers(0, 60),
            st.one_of(st.none(), st.integers(0, 90)),
            st.booleans(),
        ),
        max_size=30,
    )
)
def test_lines_add_up_and_percentiles_are_ordered(
    rows: list[tuple[str, int, int | None, bool]],
) -> None:
    start = date(2026, 1, 1)
    all_facts = [
        facts(
            code,
            start + timedelta(days=sent),
            None if answer is None else start + timedelta(days=sent + answer),
            start + timedelta(days=sent + 28),
            flagged,
        )
        for code, sent, answer, flagged in rows
    ]
    lines = scorecard(all_facts, US, date(2026, 6, 1))

    assert sum(line.sent for line in lines) == len(rows)
    for line in lines:
        assert line.answered + line.open == line.sent
        assert 0 <= line.overdue <= line.sent
        assert line.overdue_rate == pytest.approx(line.overdue / line.sent, abs=0.001)
        if line.answered:
            assert line.p50_business_days is not None and line.p90_business_days is not None
            assert 0 <= line.p50_business_days <= line.p90_business_days
        else:
            assert line.p50_business_days is None
