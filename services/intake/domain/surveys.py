"""The satisfaction survey a closure message carries: five one-click links, 1 (poorly) to 5
(very well), each the survey's secret plus a rating.

Notify makes the secret and mails it; intake is told only its SHA-256 (`notify.survey_offered`)
and recognises a link by it, so nobody who reads intake's data or its events can answer for a
constituent. A rating is recorded, and announced (`intake.satisfaction_rated`), when it is new
or changed: the constituent may click again to correct a slip, and the latest click counts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from services.chassis.domain import Aggregate
from services.chassis.errors import ValidationFailed
from services.contracts import SATISFACTION_RATED, SatisfactionRated

RATINGS = (1, 2, 3, 4, 5)
NOT_A_RATING = "choose a rating from 1 to 5"


def token_digest(token: str) -> str:
    """How intake knows a survey link: the SHA-256 of its secret, never the secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def parse_rating(raw: str | None) -> int | None:
    """A link's `rating`: None when the link asks without answering, else 1 to 5."""
    if raw is None or raw == "":
        return None
    if raw.strip() not in {str(n) for n in RATINGS}:
        raise ValidationFailed(NOT_A_RATING, fields={"rating": [NOT_A_RATING]})
    return int(raw)


@dataclass
class Survey(Aggregate):
    survey_id: str
    case_id: str
    token_sha256: str
    offered_at: datetime
    rating: int | None = None
    rated_at: datetime | None = None

    def rate(self, rating: int, *, at: datetime) -> bool:
        """Take the constituent's rating; False when it is the one already recorded (a
        second click, or a mail client opening the link again), which changes nothing."""
        if rating not in RATINGS:
            raise ValidationFailed(NOT_A_RATING, fields={"rating": [NOT_A_RATING]})
        if rating == self.rating:
            return False
        self.rating = rating
        self.rated_at = at
        self.record(
            SATISFACTION_RATED,
            SatisfactionRated(
                survey_id=self.survey_id, case_id=self.case_id, rating=rating, rated_at=at
            ),
        )
        return True


@dataclass(frozen=True)
class SurveyAnswer:
    """What the survey page shows: the rating recorded (None until one is), and the
    constituent's language for the page."""

    rating: int | None
    language: str
