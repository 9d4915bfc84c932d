"""How satisfied an office's constituents say they are: each closed case's latest rating (1,
poorly, to 5, very well) from its closure message's survey, and the office's summary of them.

A constituent may click again to correct a slip: a case counts once, with the rating given
last (ratings delivered out of order: the latest still wins). Ratings only: no text, no
constituent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

RATINGS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Rating:
    rating: int
    rated_at: datetime

    def supersedes(self, other: Rating) -> bool:
        """The later rating wins; a tie is broken by the rating (the same whichever arrives
        first)."""
        return (self.rated_at, self.rating) > (other.rated_at, other.rating)


def record_rating(current: Rating | None, incoming: Rating) -> Rating:
    """A case's rating once `incoming` is applied to the one known (None: never rated)."""
    if current is None or incoming.supersedes(current):
        return incoming
    return current


@dataclass(frozen=True)
class Satisfaction:
    """An office's rated cases, how many gave each rating, and their mean (None: none yet)."""

    ratings: int = 0
    by_rating: dict[str, int] = field(default_factory=dict)
    average: float | None = None


def summarise(counts: dict[int, int]) -> Satisfaction:
    """The office's summary from how many cases have each rating; every rating is listed,
    zero included, so a report's bar chart has its five bars."""
    ratings = sum(counts.values())
    total = sum(rating * n for rating, n in counts.items())
    return Satisfaction(
        ratings=ratings,
        by_rating={str(rating): counts.get(rating, 0) for rating in RATINGS},
        average=round(total / ratings, 2) if ratings else None,
    )


def summarise_ratings(ratings: Iterable[Rating]) -> Satisfaction:
    """What the SQL repository counts in the database, for fakes and tests."""
    counts: dict[int, int] = {}
    for rating in ratings:
        counts[rating.rating] = counts.get(rating.rating, 0) + 1
    return summarise(counts)
