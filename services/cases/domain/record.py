"""The case as it is kept: its identity (id, reference), its fields, and the mechanics every
change goes through: the lifecycle's moves with the events they record, and the timeline's
entries. What changes a case lives in the classes built on it: `CaseNews` (news.py: what
other services tell it) and `Case` (case.py: what the office does to it)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from services.cases.domain.lifecycle import (
    CaseStatus,
    Outcome,
    is_reopening,
    outcome_for,
    target_of,
)
from services.cases.domain.timeline import (
    INTERNAL,
    Author,
    TimelineKind,
    TimelineNote,
    closed_summary,
    reopened_summary,
    status_summary,
)
from services.chassis.domain import Aggregate
from services.contracts import (
    CASE_CLOSED,
    CASE_STATUS_CHANGED,
    PUBLIC_NOTE_ADDED,
    CaseClosed,
    CaseStatusChanged,
    PublicNoteAdded,
)
from services.contracts.payloads import Attachment

NORMAL = "normal"
URGENT = "urgent"
MANUAL = "manual"
SUMMARY_LENGTH = 300
# What the constituent's status page shows of an update (`cases.public_note_added`'s text).
PUBLIC_NOTE_LENGTH = 2000
# As intake keeps a file's name.
FILENAME_LENGTH = 200
# Not given to `update`: that field stays as it is (None is a value: it clears the due date).
UNCHANGED: object = object()

# Case ids are derived from the submission, so the same submission can never become two cases
# and a consumer that heard of the case first (events cross) already knows its id.
CASE_ID_NAMESPACE = uuid.UUID("6f1d3c52-9a0e-4c47-8f3b-2d6e1c9a7b40")

REFERENCE_PREFIX = "CW"
REFERENCE = re.compile(r"^CW-(\d{4})-(\d{6,})$")


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


@dataclass(frozen=True)
class CaseAttachment:
    """A file the constituent sent with the request, as intake described it (intake keeps
    the bytes)."""

    attachment_id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str

    @classmethod
    def kept(cls, sent: Attachment | CaseAttachment) -> CaseAttachment:
        """The file as the case keeps it, its name no longer than intake keeps one."""
        return cls(
            sent.attachment_id,
            sent.filename[:FILENAME_LENGTH],
            sent.content_type,
            sent.size_bytes,
            sent.sha256,
        )


@dataclass
class CaseRecord(Aggregate):
    """A case of one office as it is kept, and how its state moves: the lifecycle's moves
    (`transition`) and the timeline's entries. `timeline` holds the entries loaded with it
    (all of them when the case page asked for them, none otherwise) followed by those added
    since. `Case` (case.py) is what the rest of cases works with."""

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
    # Kept as the queue's flag, always `priority == "urgent"`.
    urgent: bool
    opened_at: datetime
    status: CaseStatus = CaseStatus.NEW
    assigned_to_id: str | None = None
    assigned_to_name: str | None = None
    assigned_at: datetime | None = None
    agency_code: str | None = None
    agency_name: str | None = None
    priority: str = NORMAL
    tags: tuple[str, ...] = ()
    # The next action's date (the office's day), None when none is planned.
    due_on: date | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: Outcome | None = None
    # How to reach the constituent, as the submission said.
    contact_email: str | None = None
    preferred_language: str = "en"
    channel: str | None = None
    timeline: list[TimelineNote] = field(default_factory=list)
    # Loaded with the timeline (for the case page), none otherwise.
    attachments: tuple[CaseAttachment, ...] = ()

    def transition(
        self,
        to: str,
        *,
        by: Author,
        at: datetime,
        reason: str | None = None,
        outcome: Outcome | None = None,
        tell_constituent: bool = True,
    ) -> None:
        """Move the case through its lifecycle (lifecycle.py says where it may go): a
        `Conflict` listing the allowed moves if it may not go there; closing needs `outcome`.
        `tell_constituent=False` when what moved it tells them itself.
        """
        current = self.status
        target = target_of(current, to)
        recorded = outcome_for(target, outcome)
        self.status = target
        if is_reopening(current, target):
            self.outcome = None
            self.closed_at = None
            self._note(at, TimelineKind.REOPENED, reopened_summary(current), by, body=reason)
        elif recorded is not None:
            self.outcome = recorded
            self.closed_at = at
            self._note(
                at, TimelineKind.CLOSED, closed_summary(target, recorded), by, body=recorded.text
            )
        else:
            self._note(
                at, TimelineKind.STATUS_CHANGED, status_summary(current, target), by, body=reason
            )
        self.record(
            CASE_STATUS_CHANGED,
            CaseStatusChanged(
                case_id=self.case_id,
                reference=self.reference,
                from_status=current.value,
                to_status=target.value,
                reason=reason,
                changed_by=by.user_id,
                changed_at=at,
                tell_constituent=tell_constituent,
            ),
        )
        if target is CaseStatus.CLOSED and recorded is not None:
            self._record_closing(recorded, by, at)

    def _record_closing(self, outcome: Outcome, by: Author, at: datetime) -> None:
        # The outcome's free text stays here: events carry no personal data.
        self.record(
            CASE_CLOSED,
            CaseClosed(
                case_id=self.case_id,
                reference=self.reference,
                category=self.category,
                agency_code=self.agency_code,
                result=outcome.result,
                obtained=list(outcome.obtained),
                amount_minor=outcome.amount_minor,
                currency=outcome.currency,
                opened_at=self.opened_at,
                closed_by=by.user_id,
                closed_at=at,
            ),
        )

    def _announce_update(self, text: str, at: datetime, documents: tuple[str, ...] = ()) -> None:
        """What the constituent's status page and messages hear of: a public update, asking
        for `documents` when it names any."""
        self.record(
            PUBLIC_NOTE_ADDED,
            PublicNoteAdded(
                case_id=self.case_id,
                reference=self.reference,
                note_id=str(uuid.uuid4()),
                text=text,
                added_at=at,
                requested_documents=documents,
            ),
        )

    def _note(
        self,
        at: datetime,
        kind: TimelineKind,
        summary: str,
        by: Author | None = None,
        *,
        visibility: str = INTERNAL,
        body: str | None = None,
    ) -> None:
        self.timeline.append(
            TimelineNote(
                at,
                kind,
                summary[:SUMMARY_LENGTH],
                by.user_id if by else None,
                by.name if by else None,
                visibility,
                body or None,
            )
        )
        if by is not None:
            self.updated_at = at
