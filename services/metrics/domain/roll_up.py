"""The roll-up's rules: counted events are taken oldest first, batch by batch, each batch folded
into what it adds to every office's daily totals, until a short batch says none is left.

One roll-up runs at a time (the others stand aside); a fact is folded exactly once because the
batch that takes it adds it to the totals in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.metrics.domain.office_stats import CountedEvent, DailyIncrement, fold

# Facts folded per transaction: keeps each transaction, and what it holds locked, short.
ROLL_UP_BATCH = 5000


@dataclass(frozen=True)
class DailyAddition:
    """What one batch adds to one office's total for one day."""

    office_id: str
    day: date
    increment: DailyIncrement


def additions(batch: Sequence[CountedEvent]) -> list[DailyAddition]:
    """The batch folded per office and day, sorted by office and day: two writers (there should
    never be two) would then lock the totals' rows in the same order."""
    return [
        DailyAddition(office_id, day, increment)
        for (office_id, day), increment in sorted(fold(batch).items())
    ]


@dataclass
class RollUp:
    """One run of the roll-up, batch by batch."""

    batch_size: int = ROLL_UP_BATCH
    folded: int = 0
    finished: bool = False

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError("a roll-up folds at least one fact per batch")

    def fold(self, batch: Sequence[CountedEvent]) -> list[DailyAddition]:
        """What this batch adds to the totals. A batch shorter than the batch size took every
        fact there was, so the run is finished; a fact counted meanwhile waits for the next."""
        if self.finished:
            raise RuntimeError("this roll-up has finished")
        if len(batch) > self.batch_size:
            raise ValueError(f"a batch holds at most {self.batch_size} facts")
        self.folded += len(batch)
        self.finished = len(batch) < self.batch_size
        return additions(batch)

    def stand_aside(self) -> None:
        """Another instance is rolling up: this one stops, and that one folds what is left."""
        self.finished = True
