"""The office's results page's figures, from metrics' answer as its contract loads it."""

from __future__ import annotations

from services.contracts.rpc.metrics import OfficeCountsWithOutcomes
from services.gateway.results import results_from


def loaded(answer: dict[str, object]) -> dict[str, object]:
    return dict(OfficeCountsWithOutcomes().load(answer))


def test_an_office_that_has_closed_nothing_shows_dashes_not_a_division_by_zero() -> None:
    found = results_from(loaded({"received": 0, "opened": 0, "acknowledged": 0}))

    assert (found.closed, found.favourable_rate, found.average_rating) == (0, None, None)
    assert found.by_result == [] and found.obtained == []
    assert [(rating, share.count, share.share) for rating, _, share in found.by_rating] == [
        (5, 0, 0.0), (4, 0, 0.0), (3, 0, 0.0), (2, 0, 0.0), (1, 0, 0.0)
    ]  # fmt: skip


def test_withdrawn_requests_are_left_out_of_the_favourable_rate_and_largest_come_first() -> None:
    found = results_from(
        loaded(
            {
                "closed": 4,
                "closed_by_result": {"withdrawn": 2, "favourable": 1, "unfavourable": 1},
                "satisfaction": {"ratings": 1, "by_rating": {"5": 1}, "average": 5.0},
            }
        )
    )

    assert found.favourable_rate == 0.5
    assert [(s.key, s.count, s.share) for s in found.by_result] == [
        ("withdrawn", 2, 0.5),
        ("favourable", 1, 0.25),
        ("unfavourable", 1, 0.25),
    ]
    assert found.by_rating[0][2].share == 1.0 and found.average_rating == 5.0


def test_only_withdrawn_cases_have_no_favourable_rate() -> None:
    found = results_from(loaded({"closed": 1, "closed_by_result": {"withdrawn": 1}}))

    assert found.favourable_rate is None
