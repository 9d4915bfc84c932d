"""The case lifecycle as data: where a case can stand, where it may go next, and the outcome a
closing must record. The `Case` aggregate (case.py) applies it; the case page offers
`next_statuses` as its buttons, so the page and the rule cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from services.chassis.errors import Conflict, ValidationFailed
from services.contracts.vocabulary import CASE_OBTAINED, CASE_RESULTS

# Not a state: the name of the move back to `open` from a finished case that can be reopened.
REOPENED = "reopened"
WITHDRAWN_RESULT = "withdrawn"


class CaseStatus(StrEnum):
    """Where a case stands; the two waiting states say whose move it is."""

    NEW = "new"
    OPEN = "open"
    WAITING_ON_AGENCY = "waiting_on_agency"
    WAITING_ON_CONSTITUENT = "waiting_on_constituent"
    RESOLVED = "resolved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    TRANSFERRED = "transferred"

    @property
    def is_finished(self) -> bool:
        """Nobody works on it any more (it may still be reopened, except when transferred)."""
        return self in FINISHED


FINISHED = frozenset(
    {CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.WITHDRAWN, CaseStatus.TRANSFERRED}
)
STATUSES: tuple[str, ...] = tuple(status.value for status in CaseStatus)
# Still being worked: a case in one of these without a caseworker waits for one.
UNFINISHED: tuple[str, ...] = tuple(status.value for status in CaseStatus if not status.is_finished)
# Finished cases a person can bring back to `open`: a transfer is another office's now.
REOPENABLE = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.WITHDRAWN})
# The statuses a closing outcome goes with: a withdrawal records one by itself.
TAKES_OUTCOME = frozenset({CaseStatus.CLOSED, CaseStatus.WITHDRAWN})

_S = CaseStatus
_WAITING_MOVES = (_S.OPEN, _S.RESOLVED, _S.CLOSED, _S.WITHDRAWN)
# An open case can go anywhere but back to new; a new one can also simply be opened.
_OPEN_MOVES = (
    _S.WAITING_ON_AGENCY,
    _S.WAITING_ON_CONSTITUENT,
    _S.RESOLVED,
    _S.CLOSED,
    _S.WITHDRAWN,
    _S.TRANSFERRED,
)
MOVES: Mapping[CaseStatus, tuple[CaseStatus, ...]] = {
    _S.NEW: (_S.OPEN, *_OPEN_MOVES),
    _S.OPEN: _OPEN_MOVES,
    _S.WAITING_ON_AGENCY: (_S.WAITING_ON_CONSTITUENT, *_WAITING_MOVES),
    _S.WAITING_ON_CONSTITUENT: (_S.WAITING_ON_AGENCY, *_WAITING_MOVES),
    # Resolved: the problem is solved, the file not yet closed (a last letter, a survey).
    _S.RESOLVED: (_S.CLOSED, _S.OPEN),
    _S.CLOSED: (_S.OPEN,),
    _S.WITHDRAWN: (_S.OPEN,),
    _S.TRANSFERRED: (),
}


def is_reopening(current: CaseStatus, target: CaseStatus) -> bool:
    return current in REOPENABLE and target is CaseStatus.OPEN


def next_statuses(current: CaseStatus) -> list[str]:
    """What a case may go to from `current`, as a caller names it (`reopened` for the way
    back to open)."""
    return [
        REOPENED if is_reopening(current, target) else target.value for target in MOVES[current]
    ]


def target_of(current: CaseStatus, to: str) -> CaseStatus:
    """The status a requested move leads to, or a `Conflict` naming the moves there are.

    `reopened` is open, from a case that can be reopened; `open` from one is a reopening too.
    """
    target = CaseStatus.OPEN if to == REOPENED else _status_named(to)
    allowed = MOVES[current]
    if target is None or target not in allowed or (to == REOPENED and current not in REOPENABLE):
        raise Conflict(
            f"a case cannot go from {current.value} to {to}",
            {
                "to": [f"cannot go from {current.value} to {to}"],
                "allowed": next_statuses(current),
            },
        )
    return target


def _status_named(to: str) -> CaseStatus | None:
    try:
        return CaseStatus(to)
    except ValueError:
        return None


@dataclass(frozen=True)
class Outcome:
    """How a case ended for the constituent: what the office obtained and money recovered
    (in minor units of `currency`). `text` is the caseworker's, and stays in cases."""

    result: str
    obtained: tuple[str, ...] = field(default=())
    amount_minor: int | None = None
    currency: str | None = None
    text: str = ""

    @classmethod
    def checked(
        cls,
        result: str,
        obtained: Iterable[str] = (),
        amount_minor: int | None = None,
        currency: str | None = None,
        text: str = "",
    ) -> Outcome:
        """The outcome, or a `ValidationFailed` naming what is wrong with it."""
        obtained = tuple(dict.fromkeys(obtained))  # each thing once, in the order given
        problems: dict[str, list[str]] = {}
        if result not in CASE_RESULTS:
            problems["result"] = [f"choose one of: {', '.join(CASE_RESULTS)}"]
        unknown = [item for item in obtained if item not in CASE_OBTAINED]
        if unknown:
            problems["obtained"] = [f"choose from: {', '.join(CASE_OBTAINED)}"]
        if (amount_minor is None) != (currency is None):
            problems["amount_minor"] = ["give an amount and its currency together, or neither"]
        elif amount_minor is not None and amount_minor < 0:
            problems["amount_minor"] = ["an amount recovered cannot be negative"]
        if problems:
            raise ValidationFailed(
                "the outcome is not valid: " + ", ".join(sorted(problems)),
                {"outcome": problems},
            )
        return cls(result, obtained, amount_minor, currency, text)


def outcome_for(target: CaseStatus, outcome: Outcome | None) -> Outcome | None:
    """The outcome a move records: required to close, recorded by itself for a withdrawal,
    refused for any other move (an outcome belongs to how a case ended)."""
    if target is CaseStatus.CLOSED and outcome is None:
        raise ValidationFailed(
            "closing a case needs its outcome",
            {"outcome": ["required to close a case: the result and what was obtained"]},
        )
    if target is CaseStatus.WITHDRAWN and outcome is None:
        return Outcome(WITHDRAWN_RESULT)
    if target not in TAKES_OUTCOME and outcome is not None:
        raise ValidationFailed(
            "only closing or withdrawing a case records an outcome",
            {"outcome": [f"not recorded when a case goes to {target.value}"]},
        )
    return outcome
