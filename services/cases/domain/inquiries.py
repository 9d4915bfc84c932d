"""The case's letters to agencies, as cases knows them from agencies' events: which agency each
went to, its current due date, and whether its final reply came. Agencies owns the inquiries
(their text, clocks and replies); cases keeps this much to write the timeline in plain words
(`SSA now due 6 Jan 2027`), to know whether a case still waits on another agency when one
answers, and to keep the case's next-action date on its agencies' earliest due date.

The events travel on separate queues, so a reply may be heard of before its sending: each
fills its part, and an inquiry counts as awaited once its sending is known and until its final
reply is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime


@dataclass
class AgencyInquiry:
    inquiry_id: str
    case_id: str
    agency_code: str
    agency_name: str
    due_on: date | None = None
    sent_at: datetime | None = None
    # When the final reply was logged (None: none yet).
    answered_at: datetime | None = None

    @property
    def awaited(self) -> bool:
        """Sent, and no final reply yet: the case waits on this agency."""
        return self.sent_at is not None and self.answered_at is None

    def sent(self, *, at: datetime, due_on: date) -> None:
        self.sent_at = at
        self.due_on = due_on

    def answered(self, *, at: datetime) -> None:
        """The final reply: the first one logged counts."""
        if self.answered_at is None:
            self.answered_at = at

    def withdrawn(self, *, at: datetime) -> None:
        """Staff withdrew the letter: like a final reply, nobody waits for it any more."""
        self.answered(at=at)

    def moved(self, due_on: date) -> None:
        """Its due date moved (a pause, a resumption, an extension)."""
        self.due_on = due_on


def earliest_due(inquiries: Iterable[AgencyInquiry]) -> date | None:
    """The earliest due date among the inquiries still awaited (None: none is)."""
    return min(
        (i.due_on for i in inquiries if i.awaited and i.due_on is not None),
        default=None,
    )


def awaited_agencies(inquiries: Iterable[AgencyInquiry], but: str) -> tuple[str, ...]:
    """The agencies (codes, each once) of the awaited inquiries other than `but`."""
    codes = (i.agency_code for i in inquiries if i.awaited and i.inquiry_id != but)
    return tuple(dict.fromkeys(codes))
