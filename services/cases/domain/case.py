"""The case: one constituent's request as the office works it, from its opening on.

`Case` is the aggregate every feature of the casework lifecycle changes: it checks the rule,
changes its state, adds to its timeline and records the event other services hear of. It is
built in three layers: how a case is kept and moves (record.py), what other services tell it
(news.py), and here what the office does to it: open, assign, write on, ask for documents,
update. The lifecycle's rules are data in lifecycle.py; the timeline's lines in timeline.py.
"""

from __future__ import annotations

from datetime import date, datetime

from services.cases.domain.lifecycle import (
    STATUSES,
    UNFINISHED,
    CaseStatus,
    Outcome,
)
from services.cases.domain.news import CaseNews
from services.cases.domain.record import (
    MANUAL,
    NORMAL,
    PUBLIC_NOTE_LENGTH,
    REFERENCE,
    UNCHANGED,
    URGENT,
    CaseAttachment,
    case_id_for,
    format_reference,
)
from services.cases.domain.routing import Turn
from services.cases.domain.timeline import (
    INTERNAL,
    PUBLIC,
    WRITTEN_KINDS,
    Author,
    TimelineKind,
    TimelineNote,
    assigned_summary,
    documents_requested_summary,
    note_summary,
    opened_summary,
    updated_summary,
)
from services.chassis.errors import Conflict, ValidationFailed
from services.contracts import (
    CASE_ASSIGNED,
    CASE_OPENED,
    CaseAssigned,
    CaseOpened,
    SubmissionReceived,
)

# What other modules have always imported from here.
__all__ = [
    "MANUAL",
    "NORMAL",
    "PUBLIC_NOTE_LENGTH",
    "REFERENCE",
    "STATUSES",
    "UNCHANGED",
    "UNFINISHED",
    "URGENT",
    "Author",
    "Case",
    "CaseAttachment",
    "CaseStatus",
    "Outcome",
    "TimelineKind",
    "TimelineNote",
    "assigned_summary",
    "case_id_for",
    "format_reference",
]


class Case(CaseNews):
    """A case of one office (its fields: `CaseRecord`)."""

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
        """The case a submission becomes, `new` until someone looks at it, given to `turn`'s
        caseworker when someone takes cases (else it waits in the unassigned queue)."""
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
            priority=URGENT if submission.urgent else NORMAL,
            updated_at=opened_at,
            contact_email=submission.contact_email,
            preferred_language=submission.preferred_language,
            channel=submission.channel,
            attachments=tuple(CaseAttachment.kept(sent) for sent in submission.attachments),
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
                caseworker_id=turn.user_id if turn is not None else None,
            ),
        )
        if turn is not None:
            case.take_turn(turn)
        return case

    @property
    def awaits_caseworker(self) -> bool:
        return self.assigned_to_id is None and not self.status.is_finished

    def take_turn(self, turn: Turn) -> None:
        """Give the case to whoever the office's routing chose (by rule or rotation)."""
        self.assign(turn.user_id, turn.display_name, at=turn.assigned_at, method=turn.method)

    def assign(
        self,
        caseworker_id: str,
        caseworker_name: str,
        *,
        at: datetime,
        method: str,
        by: Author | None = None,
    ) -> None:
        """Give the case to a caseworker (by the rotation, a rule, or a person: `by`). Giving
        it to whoever has it already changes nothing, so a repeated request is harmless."""
        if self.status.is_finished:
            raise Conflict(f"case {self.reference} is {self.status.value}: it takes no caseworker")
        if caseworker_id == self.assigned_to_id:
            return
        self.assigned_to_id = caseworker_id
        self.assigned_to_name = caseworker_name
        self.assigned_at = at
        self._note(at, TimelineKind.ASSIGNED, assigned_summary(caseworker_name, method), by)
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

    def add_note(
        self,
        body: str,
        *,
        by: Author,
        at: datetime,
        kind: TimelineKind = TimelineKind.NOTE,
        visibility: str = INTERNAL,
    ) -> None:
        """A note, or a call or meeting logged. The first one on a `new` case opens it:
        someone has looked. A public one is announced: the constituent's status page shows
        it (an internal one never leaves cases)."""
        if kind not in WRITTEN_KINDS:
            raise ValueError(f"{kind} is not written by hand")
        if visibility == PUBLIC and len(body) > PUBLIC_NOTE_LENGTH:
            raise ValidationFailed(
                f"an update for the constituent is at most {PUBLIC_NOTE_LENGTH} characters",
                {"body": [f"at most {PUBLIC_NOTE_LENGTH} characters when the constituent sees it"]},
            )
        if self.status is CaseStatus.NEW:
            self.transition(CaseStatus.OPEN.value, by=by, at=at, reason=f"{kind.value} added")
        self._note(at, kind, note_summary(kind, visibility), by, visibility=visibility, body=body)
        if visibility == PUBLIC:
            self._announce_update(body, at)

    def request_documents(
        self, documents: tuple[str, ...], note: str | None, *, by: Author, at: datetime
    ) -> None:
        """Ask the constituent to send documents: the case waits on them (a move they are not
        told of separately: the request is the message), the timeline shows it to them, and
        the request is announced as a public update naming the documents."""
        if self.status.is_finished:
            raise Conflict(
                f"case {self.reference} is {self.status.value}: reopen it before asking for "
                "documents"
            )
        if note and len(note) > PUBLIC_NOTE_LENGTH:
            raise ValidationFailed(
                f"a note for the constituent is at most {PUBLIC_NOTE_LENGTH} characters",
                {"note": [f"at most {PUBLIC_NOTE_LENGTH} characters"]},
            )
        named = tuple(dict.fromkeys(name.strip() for name in documents if name.strip()))
        if not named:
            raise ValidationFailed(
                "name at least one document", {"documents": ["name at least one document"]}
            )
        if self.status is not CaseStatus.WAITING_ON_CONSTITUENT:
            self.transition(
                CaseStatus.WAITING_ON_CONSTITUENT.value,
                by=by,
                at=at,
                reason="documents requested",
                tell_constituent=False,
            )
        summary = documents_requested_summary(named)
        self._note(at, TimelineKind.DOCUMENTS_REQUESTED, summary, by, visibility=PUBLIC, body=note)
        self._announce_update(note or "", at, named)

    def update(
        self,
        *,
        by: Author,
        at: datetime,
        priority: str | object = UNCHANGED,
        tags: tuple[str, ...] | object = UNCHANGED,
        due_on: date | object | None = UNCHANGED,
    ) -> bool:
        """Change the priority, tags or next-action date; only what differs is noted. False
        when nothing changed."""
        new_priority = None
        if isinstance(priority, str) and priority != self.priority:
            self.priority = new_priority = priority
            self.urgent = priority == URGENT
        new_tags = None
        if isinstance(tags, tuple) and tuple(sorted(set(tags))) != self.tags:
            self.tags = new_tags = tuple(sorted(set(tags)))
        due_changed = due_on is not UNCHANGED and due_on != self.due_on
        if due_changed:
            self.due_on = due_on if isinstance(due_on, date) else None
        if new_priority is None and new_tags is None and not due_changed:
            return False
        summary = updated_summary(new_priority, new_tags, self.due_on, due_changed)
        self._note(at, TimelineKind.UPDATED, summary, by)
        return True
