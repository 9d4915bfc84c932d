"""Status changes, closures and satisfaction ratings against a real database (SQLite and
PostgreSQL behind the tenant wall): finished cases leave the caseload whatever order events
arrive in, and each office's report counts its cases' latest outcomes and ratings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from itertools import permutations

from prometheus_client import REGISTRY

from services.metrics import handlers
from services.metrics.domain.caseload import CaseworkerLoad
from services.metrics.domain.office_stats import OfficeCounts
from services.metrics.domain.outcomes import MoneyRecovered, OfficeOutcomes
from services.metrics.domain.satisfaction import Satisfaction

from .database import MetricsDatabase
from .events import NOW, assign, change_status, close, rate

LOPEZ = "rep-lopez"
CHEN = "rep-chen"


def test_a_finished_case_leaves_the_load_and_a_reopened_one_comes_back(
    db: MetricsDatabase,
) -> None:
    for case_id in ("c-1", "c-2", "c-3", "c-4"):
        assign(db, LOPEZ, case_id, "u-1", name="Ana Diaz")
    change_status(db, LOPEZ, "c-1", "open", "resolved", at=NOW + timedelta(minutes=1))
    change_status(db, LOPEZ, "c-2", "open", "withdrawn", at=NOW + timedelta(minutes=1))
    change_status(db, LOPEZ, "c-3", "open", "transferred", at=NOW + timedelta(minutes=1))
    close(db, LOPEZ, "c-4", closed_at=NOW + timedelta(minutes=1))

    assert handlers.caseload(db, LOPEZ) == []

    change_status(db, LOPEZ, "c-1", "resolved", "open", at=NOW + timedelta(minutes=2))
    change_status(db, LOPEZ, "c-4", "closed", "open", at=NOW + timedelta(minutes=2))

    assert handlers.caseload(db, LOPEZ) == [CaseworkerLoad("u-1", "Ana Diaz", 2)]


def test_a_supervisor_s_reassignment_moves_the_case_to_the_new_caseworker(
    db: MetricsDatabase,
) -> None:
    assign(db, LOPEZ, "c-1", "u-1", name="Ana Diaz")
    assign(db, LOPEZ, "c-2", "u-1", name="Ana Diaz")
    assign(db, LOPEZ, "c-1", "u-2", at=NOW + timedelta(hours=1), name="Ben Okafor", method="manual")

    assert handlers.caseload(db, LOPEZ) == [
        CaseworkerLoad("u-1", "Ana Diaz", 1),
        CaseworkerLoad("u-2", "Ben Okafor", 1),
    ]


# One case's life: routed to Ana, closed, reassigned to Ben by a supervisor, reopened. Whatever
# order the four arrive in, it ends open and Ben's.
JOURNEY: list[Callable[[MetricsDatabase, str], None]] = [
    lambda db, case: assign(db, LOPEZ, case, "u-1", at=NOW, name="Ana Diaz"),
    lambda db, case: change_status(db, LOPEZ, case, "open", "closed", at=NOW + timedelta(hours=1)),
    lambda db, case: assign(
        db, LOPEZ, case, "u-2", at=NOW + timedelta(hours=2), name="Ben Okafor", method="manual"
    ),
    lambda db, case: change_status(db, LOPEZ, case, "closed", "open", at=NOW + timedelta(hours=3)),
]
# Another: Ana's, resolved, reopened, then closed: it ends finished, in nobody's load.
ENDS_CLOSED: list[Callable[[MetricsDatabase, str], None]] = [
    lambda db, case: assign(db, LOPEZ, case, "u-1", at=NOW, name="Ana Diaz"),
    lambda db, case: change_status(
        db, LOPEZ, case, "open", "resolved", at=NOW + timedelta(hours=1)
    ),
    lambda db, case: change_status(
        db, LOPEZ, case, "resolved", "open", at=NOW + timedelta(hours=2)
    ),
    lambda db, case: close(db, LOPEZ, case, closed_at=NOW + timedelta(hours=3)),
]


def test_whatever_order_the_events_arrive_in_the_caseload_is_the_one_their_times_say(
    db: MetricsDatabase,
) -> None:
    orders = list(permutations(range(4)))
    for number, order in enumerate(orders):
        for step in order:
            JOURNEY[step](db, f"journey-{number}")
            ENDS_CLOSED[step](db, f"closed-{number}")

    assert handlers.caseload(db, LOPEZ) == [CaseworkerLoad("u-2", "Ben Okafor", len(orders))]
    assert handlers.office_report(db, LOPEZ).outcomes.closed == len(orders)


def test_a_redelivered_status_change_is_applied_once(db: MetricsDatabase) -> None:
    assign(db, LOPEZ, "c-1", "u-1")
    change_status(db, LOPEZ, "c-1", "open", "closed", at=NOW + timedelta(hours=1), event_id="e-1")
    change_status(db, LOPEZ, "c-1", "closed", "open", at=NOW + timedelta(hours=2))
    # The first change delivered again: the inbox drops it before it could close the case.
    change_status(db, LOPEZ, "c-1", "open", "closed", at=NOW + timedelta(hours=4), event_id="e-1")

    assert handlers.caseload(db, LOPEZ) == [CaseworkerLoad("u-1", "Sam Rivera", 1)]


def test_each_office_reports_its_cases_latest_outcomes(db: MetricsDatabase) -> None:
    opened = NOW - timedelta(days=10)
    close(
        db, LOPEZ, "c-1", opened_at=opened, closed_at=NOW - timedelta(days=8),
        result="favourable", obtained=("payment_released",), amount_minor=412_000, currency="USD",
    )  # fmt: skip
    close(
        db, LOPEZ, "c-2", opened_at=opened, closed_at=NOW - timedelta(days=6),
        result="favourable", obtained=("benefit_granted", "payment_released"),
        amount_minor=8_000, currency="USD",
    )  # fmt: skip
    close(db, LOPEZ, "c-3", opened_at=opened, closed_at=NOW, result="unfavourable")
    # c-3 closed earlier with another outcome, delivered late: its latest closure stands.
    close(
        db, LOPEZ, "c-3", opened_at=opened, closed_at=NOW - timedelta(days=9),
        result="partly_favourable", obtained=("document_issued",), amount_minor=5, currency="EUR",
    )  # fmt: skip
    close(db, CHEN, "c-1", result="referred_elsewhere", amount_minor=900, currency="USD")

    report = handlers.office_report(db, LOPEZ)

    assert report.outcomes == OfficeOutcomes(
        closed=3,
        closed_by_result={"favourable": 2, "unfavourable": 1},
        obtained={"benefit_granted": 1, "payment_released": 2},
        money_recovered=(MoneyRecovered("USD", 420_000),),
        median_days_to_close=4.0,
    )
    # Every closure counts in the daily counters, the late one too: 2 + 4 + 10 + 1 days.
    assert report.counts == OfficeCounts(closures=4, seconds_to_close=17 * 86_400)
    assert handlers.office_report(db, CHEN).outcomes == OfficeOutcomes(
        closed=1,
        closed_by_result={"referred_elsewhere": 1},
        money_recovered=(MoneyRecovered("USD", 900),),
        median_days_to_close=0.0,
    )
    assert handlers.office_report(db, "rep-nobody").outcomes == OfficeOutcomes()


def test_a_later_closure_replaces_what_the_case_obtained(db: MetricsDatabase) -> None:
    close(db, LOPEZ, "c-1", closed_at=NOW, obtained=("payment_released", "document_issued"))
    close(db, LOPEZ, "c-1", closed_at=NOW + timedelta(days=1), obtained=("information_given",))
    close(db, LOPEZ, "c-1", closed_at=NOW - timedelta(days=1), obtained=("other",))

    assert handlers.office_report(db, LOPEZ).outcomes.obtained == {"information_given": 1}


def test_closures_are_folded_by_the_roll_up_and_shown_per_office(db: MetricsDatabase) -> None:
    close(db, LOPEZ, "c-1", opened_at=NOW - timedelta(hours=2), closed_at=NOW)
    handlers.roll_up(db)
    close(db, LOPEZ, "c-2", opened_at=NOW - timedelta(hours=1), closed_at=NOW)

    totals = handlers.business_snapshot(db, now=NOW).totals

    assert totals == {LOPEZ: OfficeCounts(closures=2, seconds_to_close=3 * 3600)}


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(f"casework_metrics_{name}", labels) or 0.0


def test_status_changes_and_closures_are_counted_once_each_for_prometheus(
    db: MetricsDatabase,
) -> None:
    before = (
        counted("case_status_changes_total", to_status="waiting_on_agency"),
        counted("case_closures_total", result="favourable"),
        counted("case_closures_obtained_total", obtained="payment_released"),
        counted("money_recovered_minor_total", currency="USD"),
    )

    change_status(db, LOPEZ, "c-1", "open", "waiting_on_agency", event_id="e-status")
    change_status(db, LOPEZ, "c-1", "open", "waiting_on_agency", event_id="e-status")
    for _ in range(2):
        close(
            db, LOPEZ, "c-1", event_id="e-closed", obtained=("payment_released",),
            amount_minor=412_000, currency="USD",
        )  # fmt: skip

    after = (
        counted("case_status_changes_total", to_status="waiting_on_agency"),
        counted("case_closures_total", result="favourable"),
        counted("case_closures_obtained_total", obtained="payment_released"),
        counted("money_recovered_minor_total", currency="USD"),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1, 412_000]


def test_each_rated_case_counts_once_with_its_latest_rating(db: MetricsDatabase) -> None:
    rate(db, LOPEZ, "c-1", 5)
    rate(db, LOPEZ, "c-2", 2)
    rate(db, LOPEZ, "c-2", 4, minutes_later=3)  # a slip corrected
    rate(db, LOPEZ, "c-3", 1, minutes_later=5)
    rate(db, LOPEZ, "c-3", 3, minutes_later=1)  # an older click delivered late: 1 stands
    rate(db, CHEN, "c-1", 4)

    assert handlers.office_report(db, LOPEZ).satisfaction == Satisfaction(
        ratings=3,
        by_rating={"1": 1, "2": 0, "3": 0, "4": 1, "5": 1},
        average=3.33,
    )
    assert handlers.office_report(db, CHEN).satisfaction.average == 4.0
    assert handlers.office_report(db, "rep-nobody").satisfaction == Satisfaction(
        ratings=0, by_rating={"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}, average=None
    )


def test_every_rating_given_is_counted_once_for_prometheus(db: MetricsDatabase) -> None:
    before = [counted("satisfaction_ratings_total", rating=str(n)) for n in (2, 4)]

    rate(db, LOPEZ, "c-1", 2, event_id="e-rated")
    rate(db, LOPEZ, "c-1", 2, event_id="e-rated")  # redelivered
    rate(db, LOPEZ, "c-1", 4, minutes_later=1)

    after = [counted("satisfaction_ratings_total", rating=str(n)) for n in (2, 4)]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1]
