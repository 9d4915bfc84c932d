"""Time from a submission being received to the constituent's acknowledgement: what each event
tells of it, and the percentiles ops watch."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(hours=24)
QUANTILES = (0.5, 0.95)


@dataclass(frozen=True)
class SubmissionTiming:
    """When one submission was received and first acknowledged, and its case. Events arrive in
    any order and each tells one part, so every part but the id may be unknown (None). Ids and
    times only: no names or contact details."""

    submission_id: str
    case_id: str | None = None
    received_at: datetime | None = None
    acknowledged_at: datetime | None = None

    def merge(self, told: SubmissionTiming) -> SubmissionTiming:
        """What is known once another event has told its part: a receipt time or case already
        known stays, and the earliest acknowledgement is the one the constituent waited for."""
        if told.submission_id != self.submission_id:
            raise ValueError("timings of different submissions do not merge")
        return SubmissionTiming(
            submission_id=self.submission_id,
            case_id=self.case_id if self.case_id is not None else told.case_id,
            received_at=self.received_at if self.received_at is not None else told.received_at,
            acknowledged_at=_earliest(self.acknowledged_at, told.acknowledged_at),
        )


def _earliest(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None or second is None:
        return first if second is None else second
    return min(first, second)


def seconds_to_acknowledge(received_at: datetime, acknowledged_at: datetime) -> float:
    """Clamped at zero: services' clocks differ a little, and a negative wait means no wait."""
    return max(0.0, (acknowledged_at - received_at).total_seconds())


def nearest_rank(count: int, quantile: float) -> int:
    """The 1-based rank of the `quantile` of `count` ordered values (nearest rank), so the
    answer is always a value that really occurred."""
    if count < 1:
        raise ValueError("no values to take a percentile of")
    if not 0 < quantile <= 1:
        raise ValueError("quantile must be in (0, 1]")
    # Rounding first keeps float noise (0.95 * 20 = 19.000000000000004) off the next rank.
    return math.ceil(round(quantile * count, 9))


def percentile(values: Sequence[float], quantile: float) -> float:
    """Nearest-rank percentile, so the answer is always a wait that really happened."""
    ordered = sorted(values)
    return ordered[nearest_rank(len(ordered), quantile) - 1]


@dataclass(frozen=True)
class AcknowledgementTimes:
    """An office's waits for acknowledgements sent within the window."""

    office_id: str
    samples: int
    quantiles: tuple[tuple[float, float], ...]


def summarise(office_id: str, waits: Sequence[float]) -> AcknowledgementTimes:
    return AcknowledgementTimes(
        office_id=office_id,
        samples=len(waits),
        quantiles=tuple((q, percentile(waits, q)) for q in QUANTILES),
    )


@dataclass(frozen=True)
class AcknowledgedSubmission:
    """A submission of some office received and acknowledged, as the collector reads it."""

    office_id: str
    received_at: datetime
    acknowledged_at: datetime


def times_by_office(acknowledged: Iterable[AcknowledgedSubmission]) -> list[AcknowledgementTimes]:
    """Each office's waits summarised, offices in order; an office with none is absent."""
    waits: dict[str, list[float]] = defaultdict(list)
    for submission in acknowledged:
        waits[submission.office_id].append(
            seconds_to_acknowledge(submission.received_at, submission.acknowledged_at)
        )
    return [summarise(office_id, waits[office_id]) for office_id in sorted(waits)]
