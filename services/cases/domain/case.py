"""The case: one constituent's request as the office works it, from its opening on.

`Case` is the aggregate every feature of the casework lifecycle changes: it checks the rule,
changes its state, adds to its timeline and records the event other services hear of.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.cases.domain.routing import ROUND_ROBIN, Turn
from services.chassis.domain import Aggregate
from services.chassis.errors import Conflict
from services.contracts import (
    CASE_ASSIGNED,
    CASE_OPENED,
    CaseAssigned,
    CaseOpened,
    SubmissionReceived,
)

# Case ids are derived from the submission, so the same submission can never become two cases
# and a consumer that heard of the case first (events cross) already knows its id.
CASE_ID_NAMESPACE = uuid.UUID("6f1d3c52-9a0e-4c47-8f3b-2d6e1c9a7b40")

REFERENCE_PREFIX = "CW"
REFERENCE = re.compile(r"^CW-(\d{4})-(\d{6,})$")


class CaseStatus(StrEnum):
    """Where a case stands; the two waiting states say whose move it is."""

    OPEN = "open"
    WAITING_ON_AGENCY = "waiting_on_agency"
    WAITING_ON_CONSTITUENT = "waiting_on_constituent"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_finished(self) -> bool:
        """Resolved or closed: nobody works on it any more."""
        return self in (CaseStatus.RESOLVED, CaseStatus.CLOSED)


STATUSES: tuple[str, ...] = tuple(status.value for status in CaseStatus)
# Still being worked: a case in one of these without a caseworker waits for one.
UNFINISHED: tuple[str, ...] = tuple(status.value for status in CaseStatus if not status.is_finished)


class TimelineKind(StrEnum):
    OPENED = "opened"
    ASSIGNED = "assigned"
    AGENCY_SUGGESTED = "agency_suggested"
    ACKNOWLEDGEMENT_SENT = "acknowledgement_sent"


@dataclass(frozen=True)
class TimelineNote:
    """One line of a case's timeline; summaries hold no sensitive identifiers."""

    at: datetime
    kind: TimelineKind
    summary: str


def case_id_for(office_id: str, submission_id: str) -> str:
    """The one case id a submission of an office can have."""
    return str(uuid.uuid5(CASE_ID_NAMESPACE, f"{office_id}/{submission_id}"))


def format_reference(year: int, number: int) -> str:
    """`CW-2026-000042`: what staff say on the phone and write on letters to agencies."""
    if number < 1:
        raise ValueError("reference numbers start at 1")
    if not 1000 <= year <= 9999:
        raise ValueError("a reference year has four digits")
    return f"{REFERENCE_PREFIX}-{year:04d}-{number:06d}"


def opened_summary(tracking_code: str) -> str:
    return f"Case opened from submission {tracking_code}"


def assigned_summary(caseworker_name: str, method: str) -> str:
    how = method.replace("_", " ")
    return f"Assigned to {caseworker_name} ({how})"


def agency_suggested_summary(agency_code: str, agency_name: str) -> str:
    return f"Agency suggested: {agency_name} ({agency_code})"


def acknowledgement_summary(channel: str) -> str:
    return f"Acknowledgement sent to the constituent by {channel}"


@dataclass
class Case(Aggregate):
    """A case of one office. `timeline` holds the entries loaded with it (all of them when the
    case page asked for them, none otherwise) followed by those added since."""

    case_id: str
    office_id: str
    reference: str
    submission_id: str
    tracking_code: str
    constituent_id: str
    # First and last name as intake joined them.
    constituent_name: str
    subject: str
    category: str
    agency_hint: str | None
    urgent: bool
    opened_at: datetime
    status: CaseStatus = CaseStatus.OPEN
    assigned_to_id: str | None = None
    assigned_to_name: str | None = None
    assigned_at: datetime | None = None
    agency_code: str | None = None
    agency_name: str | None = None
    timeline: list[TimelineNote] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        submission: SubmissionReceived,
        *,
        office_id: str,
        reference: str,
        opened_at: datetime,
        turn: Turn | None = None,
    ) -> Case:
        """The case a submission becomes, given to `turn`'s caseworker when someone takes cases
        (else it waits in the unassigned queue until someone does)."""
        case = cls(
            case_id=case_id_for(office_id, submission.submission_id),
            office_id=office_id,
            reference=reference,
            submission_id=submission.submission_id,
            tracking_code=submission.tracking_code,
            constituent_id=submission.constituent_id,
            constituent_name=submission.constituent_name,
            subject=submission.subject,
            category=submission.category,
            agency_hint=submission.agency_hint,
            urgent=submission.urgent,
            opened_at=opened_at,
        )
        case._note(opened_at, TimelineKind.OPENED, opened_summary(submission.tracking_code))
        # Consumers never see the constituent's name: it stays with the case.
        case.record(
            CASE_OPENED,
            CaseOpened(
                case_id=case.case_id,
                reference=reference,
                submission_id=submission.submission_id,
                tracking_code=submission.tracking_code,
                constituent_id=submission.constituent_id,
                category=submission.category,
                agency_hint=submission.agency_hint,
                urgent=submission.urgent,
                opened_at=opened_at,
            ),
        )
        if turn is not None:
            case.take_turn(turn)
        return case

    @property
    def awaits_caseworker(self) -> bool:
        return self.assigned_to_id is None and not self.status.is_finished

    def take_turn(self, turn: Turn) -> None:
        """Give the case to whoever's turn the office's rotation says it is."""
        self.assign(turn.user_id, turn.display_name, at=turn.assigned_at, method=ROUND_ROBIN)

    def assign(
        self, caseworker_id: str, caseworker_name: str, *, at: datetime, method: str
    ) -> None:
        if self.status.is_finished:
            raise Conflict(f"case {self.reference} is {self.status.value}: it takes no caseworker")
        self.assigned_to_id = caseworker_id
        self.assigned_to_name = caseworker_name
        self.assigned_at = at
        self._note(at, TimelineKind.ASSIGNED, assigned_summary(caseworker_name, method))
        self.record(
            CASE_ASSIGNED,
            CaseAssigned(
                case_id=self.case_id,
                caseworker_id=caseworker_id,
                caseworker_name=caseworker_name,
                method=method,
                assigned_at=at,
            ),
        )

    def suggest_agency(self, agency_code: str, agency_name: str, *, at: datetime) -> None:
        """The agency directory's suggestion, noted when the case learned of it (a suggestion
        that overtook its case must not be dated before the case opened)."""
        self.agency_code = agency_code
        self.agency_name = agency_name
        self._note(
            at, TimelineKind.AGENCY_SUGGESTED, agency_suggested_summary(agency_code, agency_name)
        )

    def note_acknowledgement(self, channel: str, *, sent_at: datetime) -> None:
        self._note(sent_at, TimelineKind.ACKNOWLEDGEMENT_SENT, acknowledgement_summary(channel))

    def _note(self, at: datetime, kind: TimelineKind, summary: str) -> None:
        self.timeline.append(TimelineNote(at, kind, summary))
