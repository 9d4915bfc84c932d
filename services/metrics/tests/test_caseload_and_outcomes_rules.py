"""The lifecycle rules of the caseload and the outcome rules of the office's report, without a
database: whatever order events arrive in, the end state is the one their timestamps say."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.metrics.domain.caseload import (
    Assignment,
    CaseStatus,
    CaseworkerLoad,
    assign,
    caseloads,
    change_status,
    in_open_caseload,
)
from services.metrics.domain.office_stats import DailyIncrement
from services.metrics.domain.outcomes import (
    Closure,
    MoneyRecovered,
    OfficeOutcomes,
    closure_fact,
    median_rank,
    record_closure,
    summarise_outcomes,
)

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ANA = Assignment("u-1", "Ana Diaz", NOON)


def at(minutes: int) -> datetime:
    return NOON + timedelta(minutes=minutes)


@pytest.mark.parametrize("status", ["resolved", "closed", "withdrawn", "transferred"])
def test_a_finished_case_leaves_its_caseworker_s_load(status: str) -> None:
    assert not in_open_caseload(CaseStatus(status, NOON))
    assert caseloads({"c-1": ANA}, {"c-1": CaseStatus(status, at(1))}) == []


@pytest.mark.parametrize("status", ["new", "open", "waiting_on_agency", "waiting_on_constituent"])
def test_a_case_being_worked_or_never_changed_counts_in_the_load(status: str) -> None:
    assert in_open_caseload(CaseStatus(status, NOON))
    assert in_open_caseload(None)
    assert caseloads({"c-1": ANA}, {"c-1": CaseStatus(status, at(1))}) == [
        CaseworkerLoad("u-1", "Ana Diaz", 1)
    ]


def test_a_reopened_case_comes_back_to_its_caseworker() -> None:
    closed = change_status(None, CaseStatus("closed", at(1)))
    reopened = change_status(closed, CaseStatus("open", at(2)))

    assert reopened == CaseStatus("open", at(2))
    assert caseloads({"c-1": ANA}, {"c-1": reopened}) == [CaseworkerLoad("u-1", "Ana Diaz", 1)]


def test_a_status_change_older_than_the_one_known_changes_nothing() -> None:
    reopened = CaseStatus("open", at(2))

    assert change_status(reopened, CaseStatus("closed", at(1))) == reopened
    assert change_status(reopened, reopened) == reopened


def test_a_reassignment_moves_the_case_from_the_old_caseworker_to_the_new() -> None:
    ben = Assignment("u-2", "Ben Okafor", at(5))

    holder = assign(ANA, ben)

    assert holder == ben
    assert caseloads({"c-1": holder, "c-2": ANA}, {}) == [
        CaseworkerLoad("u-1", "Ana Diaz", 1),
        CaseworkerLoad("u-2", "Ben Okafor", 1),
    ]


# One case's events, each applied to the fact it tells: (kind, value).
EVENTS = [
    ("assigned", Assignment("u-1", "Ana Diaz", at(0))),
    ("status", CaseStatus("waiting_on_agency", at(1))),
    ("status", CaseStatus("closed", at(2))),
    ("assigned", Assignment("u-2", "Ben Okafor", at(3))),
    ("status", CaseStatus("open", at(4))),
    ("assigned", Assignment("u-3", "Cy Young", at(5))),
    ("status", CaseStatus("withdrawn", at(6))),
]


def when(event: tuple[str, object]) -> datetime:
    _, fact = event
    return fact.assigned_at if isinstance(fact, Assignment) else fact.changed_at  # type: ignore[attr-defined]


@given(st.lists(st.sampled_from(EVENTS), min_size=1, max_size=7), st.data())
def test_whatever_order_a_case_s_events_arrive_in_the_load_is_the_same(
    events: list[tuple[str, object]], data: st.DataObject
) -> None:
    def apply(order: list[tuple[str, object]]) -> list[CaseworkerLoad]:
        holder: Assignment | None = None
        status: CaseStatus | None = None
        for kind, value in order:
            if kind == "assigned":
                assert isinstance(value, Assignment)
                holder = assign(holder, value)
            else:
                assert isinstance(value, CaseStatus)
                status = change_status(status, value)
        return caseloads({"c-1": holder} if holder else {}, {"c-1": status} if status else {})

    in_time_order = sorted(events, key=when)
    shuffled = data.draw(st.permutations(events))

    assert apply(shuffled) == apply(in_time_order)


def test_the_caseload_names_each_caseworker_as_their_latest_counted_assignment() -> None:
    holders = {
        "c-1": Assignment("u-1", "Ana Diaz", at(0)),
        "c-2": Assignment("u-1", "Ana Diaz-Reyes", at(5)),
        "c-3": Assignment("u-2", "Ben Okafor", at(1)),
    }
    statuses = {"c-2": CaseStatus("resolved", at(6))}

    assert caseloads(holders, statuses) == [
        CaseworkerLoad("u-1", "Ana Diaz", 1),
        CaseworkerLoad("u-2", "Ben Okafor", 1),
    ]


def closure(minutes: int, result: str = "favourable", **outcome: object) -> Closure:
    fields: dict[str, object] = {
        "obtained": (),
        "amount_minor": None,
        "currency": None,
        "opened_at": NOON - timedelta(days=2),
    }
    fields.update(outcome)
    return Closure(result=result, closed_at=at(minutes), **fields)  # type: ignore[arg-type]


def test_a_closure_knows_its_day_its_time_to_close_and_leaves_the_case_closed() -> None:
    late_evening = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    done = Closure("favourable", (), None, None, late_evening - timedelta(hours=36), late_evening)

    assert done.day == date(2026, 11, 23)
    assert done.seconds_to_close == 36 * 3600
    assert done.status == CaseStatus("closed", late_evening)
    assert closure_fact(done).increment == DailyIncrement(closures=1, seconds_to_close=129_600)


def test_a_case_closed_before_it_opened_took_no_time() -> None:
    assert closure(0, opened_at=at(1)).seconds_to_close == 0


def test_money_needs_an_amount_and_a_currency() -> None:
    assert closure(0, amount_minor=412_000, currency="USD").money == MoneyRecovered("USD", 412_000)
    assert closure(0, amount_minor=412_000).money is None
    assert closure(0, currency="USD").money is None
    assert closure(0, amount_minor=0, currency="USD").money is None


def test_what_was_obtained_is_kept_once_in_one_order() -> None:
    told = closure(0, obtained=("payment_released", "benefit_granted", "payment_released"))

    assert told.obtained == ("benefit_granted", "payment_released")
    assert told == closure(0, obtained=("benefit_granted", "payment_released"))


def test_a_case_s_latest_closure_is_its_outcome_whatever_order_they_arrive_in() -> None:
    first, second = closure(0, "unfavourable"), closure(60, "favourable", amount_minor=5)

    assert record_closure(record_closure(None, first), second) == second
    assert record_closure(record_closure(None, second), first) == second
    assert record_closure(second, second) == second


def test_the_report_counts_each_outcome_once_and_sums_money_per_currency() -> None:
    report = summarise_outcomes(
        [
            closure(
                0, "favourable", obtained=("payment_released",), amount_minor=100, currency="USD"
            ),
            closure(
                0,
                "favourable",
                obtained=("payment_released", "benefit_granted"),
                amount_minor=250,
                currency="USD",
            ),
            closure(0, "partly_favourable", amount_minor=70, currency="CAD"),
            closure(0, "unfavourable", opened_at=at(-60 * 24 * 9)),
        ]
    )

    assert report == OfficeOutcomes(
        closed=4,
        closed_by_result={"favourable": 2, "partly_favourable": 1, "unfavourable": 1},
        obtained={"benefit_granted": 1, "payment_released": 2},
        money_recovered=(MoneyRecovered("CAD", 70), MoneyRecovered("USD", 350)),
        median_days_to_close=2.0,
    )
    assert summarise_outcomes([]) == OfficeOutcomes()


@pytest.mark.parametrize(("closed", "rank"), [(0, 0), (1, 1), (2, 1), (3, 2), (4, 2), (5, 3)])
def test_the_median_is_the_nearest_ranked_time_to_close(closed: int, rank: int) -> None:
    assert median_rank(closed) == rank
