"""Time from a submission being received to the constituent's acknowledgement, and the
percentiles ops watch."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(hours=24)
QUANTILES = (0.5, 0.95)


def seconds_to_acknowledge(received_at: datetime, acknowledged_at: datetime) -> float:
    """Clamped at zero: services' clocks differ a little, and a negative wait means no wait."""
    return max(0.0, (acknowledged_at - received_at).total_seconds())


def percentile(values: Sequence[float], quantile: float) -> float:
    """Nearest-rank percentile, so the answer is always a wait that really happened."""
    if not values:
        raise ValueError("no values to take a percentile of")
    if not 0 < quantile <= 1:
        raise ValueError("quantile must be in (0, 1]")
    ordered = sorted(values)
    # Rounding first keeps float noise (0.95 * 20 = 19.000000000000004) off the next rank.
    rank = math.ceil(round(quantile * len(ordered), 9))
    return ordered[rank - 1]


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
