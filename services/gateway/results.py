"""The office's results: what its closed cases achieved and how satisfied their constituents
said they were, from metrics' report (`metrics.office_counts`), read with its contract and put
in the shape the page shows. Figures only: no case and no constituent is named."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.chassis.remote import RemoteService
from services.contracts.rpc import metrics as metrics_rpc

OFFICE_REPORT = metrics_rpc.OfficeCountsWithOutcomes()
# Results that count as the office having got the constituent what they asked for, in full or
# in part; a withdrawn request is left out of the rate (nobody could win it).
FAVOURABLE = ("favourable", "partly_favourable")
NOT_DECIDED = ("withdrawn",)
RATING_WORDS = {5: "Very well", 4: "Well", 3: "Fairly well", 2: "Not well", 1: "Poorly"}


@dataclass(frozen=True)
class Share:
    """One line of a breakdown: what, how many, and its share of the whole (0 to 1)."""

    key: str
    count: int
    share: float


@dataclass(frozen=True)
class OfficeResults:
    closed: int
    median_days_to_close: float | None
    favourable_rate: float | None
    by_result: list[Share]
    obtained: list[Share]
    money_recovered: list[dict[str, Any]]
    ratings: int
    average_rating: float | None
    by_rating: list[tuple[int, str, Share]]


def office_results(metrics: RemoteService, office_id: str) -> OfficeResults:
    """The office's report; ServiceUnavailable when metrics does not answer in time."""
    report = metrics.call("office_counts", OFFICE_REPORT, office_id=office_id)
    return results_from(report)


def results_from(report: dict[str, Any]) -> OfficeResults:
    closed = int(report["closed"])
    by_result = report["closed_by_result"]
    decided = closed - sum(by_result.get(result, 0) for result in NOT_DECIDED)
    favourable = sum(by_result.get(result, 0) for result in FAVOURABLE)
    satisfaction = report["satisfaction"]
    ratings = int(satisfaction["ratings"])
    return OfficeResults(
        closed=closed,
        median_days_to_close=report["median_days_to_close"],
        favourable_rate=favourable / decided if decided else None,
        by_result=_shares(by_result, closed),
        obtained=_shares(report["obtained"], closed),
        money_recovered=list(report["money_recovered"]),
        ratings=ratings,
        average_rating=satisfaction["average"],
        by_rating=[
            (rating, words, _rating_share(satisfaction["by_rating"], rating, ratings))
            for rating, words in RATING_WORDS.items()
        ],
    )


def _rating_share(by_rating: dict[str, int], rating: int, ratings: int) -> Share:
    n = int(by_rating.get(str(rating), 0))
    return Share(str(rating), n, n / ratings if ratings else 0.0)


def _shares(counts: dict[str, int], whole: int) -> list[Share]:
    """Largest first (then by name), each with its share of `whole`."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [Share(key, n, n / whole if whole else 0.0) for key, n in ordered]
