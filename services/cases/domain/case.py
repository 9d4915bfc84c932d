"""The case: one constituent's request as the office works it, from its opening on.

`Case` is the aggregate every feature of the casework lifecycle changes: it checks the rule,
changes its state, adds to its timeline and records the event other services hear of. The
lifecycle's rules are data in lifecycle.py; the timeline's lines in timeline.py.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from services.cases.domain.lifecycle import (
    STATUSES,
    UNFINISHED,
    CaseStatus,
    Outcome,
    is_reopening,
    outcome_for,
    target_of,
)
from services.cases.domain.routing import Turn
from services.cases.domain.timeline import (
    INTERNAL,
    PUBLIC,
    WRITTEN_KINDS,
    Author,
    TimelineKind,
    TimelineNote,
    acknowledgement_summary,
    agency_reply_summary,
    agency_suggested_summary,
    assigned_summary,
    clocks_paused_summary,
    clocks_resumed_summary,
    closed_summary,
    deadline_extended_summary,
    documents_requested_summary,
    inquiry_overdue_summary,
    inquiry_sent_summary,
    inquiry_withdrawn_summary,
    note_summary,
    opened_summary,
    referred_summary,
    reminder_summary,
    reopened_summary,
    satisfaction_summary,
    status_summary,
    updated_summary,
)
from services.chassis.domain import Aggregate
from services.chassis.errors import Conflict, ValidationFailed
from services.contracts import (
    CASE_ASSIGNED,
    CASE_CLOSED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    PUBLIC_NOTE_ADDED,
    CaseAssigned,
    CaseClosed,
    CaseOpened,
    CaseStatusChanged,
    PublicNoteAdded,
    SubmissionReceived,
)

# What other modules have always imported from here.
__all__ = [
    "STATUSES",
    "UNFINISHED",
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
            attachments=tuple(
                CaseAttachment(
                    attachment.attachment_id,
                    attachment.filename[:FILENAME_LENGTH],
                    attachment.content_type,
                    attachment.size_bytes,
                    attachment.sha256,
                )
                for attachment in submission.attachments
            ),
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

    def suggest_agency(self, agency_code: str, agency_name: str, *, at: datetime) -> None:
        """The agency directory's suggestion, noted when the case learned of it (a suggestion
        that overtook its case must not be dated before the case opened)."""
        self.agency_code = agency_code
        self.agency_name = agency_name
        self._note(
            at, TimelineKind.AGENCY_SUGGESTED, agency_suggested_summary(agency_code, agency_name)
        )

    def note_acknowledgement(
        self, channel: str, *, sent_at: datetime, resent_after_doubt: bool = False
    ) -> None:
        self._note(
            sent_at,
            TimelineKind.ACKNOWLEDGEMENT_SENT,
            acknowledgement_summary(channel, resent_after_doubt),
        )

    # --- Agency liaison: what agencies announced (domain/inquiries.py keeps the inquiries) ---

    def note_inquiry_sent(
        self,
        *,
        agency_name: str,
        channel: str,
        due_on: date,
        at: datetime,
        by: Author,
        awaited: bool,
    ) -> None:
        """A letter went to an agency: on the timeline, and the case now waits on the agency
        when it was new or open and the reply is still `awaited` (a final reply heard of first
        does not make it wait). A case waiting on its constituent, or finished, stays where it
        is: the caseworker moves it."""
        self._note(
            at, TimelineKind.INQUIRY_SENT, inquiry_sent_summary(agency_name, channel, due_on), by
        )
        if awaited and self.status in (CaseStatus.NEW, CaseStatus.OPEN):
            self.transition(
                CaseStatus.WAITING_ON_AGENCY.value,
                by=by,
                at=at,
                reason=f"Inquiry sent to {agency_name}",
            )

    def note_agency_reply(
        self,
        *,
        agency_code: str,
        agency_name: str,
        kind: str,
        received_on: date,
        follow_up_on: date | None,
        at: datetime,
        by: Author,
        still_waiting_on: tuple[str, ...],
    ) -> None:
        """An agency's reply was logged. The final one brings a case that waited on agencies
        back to open, unless it still waits on another (named on the timeline)."""
        summary = agency_reply_summary(
            agency_code, kind, received_on, follow_up_on, still_waiting_on
        )
        self._note(at, TimelineKind.AGENCY_REPLY, summary, by)
        if kind == "final" and not still_waiting_on and self.status is CaseStatus.WAITING_ON_AGENCY:
            self.transition(
                CaseStatus.OPEN.value, by=by, at=at, reason=f"Final reply from {agency_name}"
            )

    def note_inquiry_overdue(
        self, *, agency_code: str, due_on: date, business_days_late: int, at: datetime
    ) -> None:
        self._note(
            at,
            TimelineKind.INQUIRY_OVERDUE,
            inquiry_overdue_summary(agency_code, due_on, business_days_late),
        )

    def note_reminder(
        self, *, summary: str, audience: str, occurrence: int, due_on: date, at: datetime
    ) -> None:
        """A reminder fired: on the timeline, and on the caseworker's list through the case's
        next-action date when nobody has set one."""
        self._note(at, TimelineKind.REMINDER, reminder_summary(summary, audience, occurrence))
        if self.due_on is None and not self.status.is_finished:
            self.due_on = due_on

    def note_satisfaction(self, rating: int, *, at: datetime) -> None:
        """The constituent rated how well the office helped, from their closing email: on the
        timeline only; the case stays as it is."""
        self._note(at, TimelineKind.SATISFACTION_RATED, satisfaction_summary(rating))

    def note_agency_clocks(
        self, *, paused: bool, reason: str, due: list[tuple[str | None, date]], at: datetime
    ) -> None:
        """The agencies' response clocks stopped (the case waits on its constituent) or run
        again, each inquiry's due date moved (`due`: its agency's code when known)."""
        if paused:
            self._note(at, TimelineKind.AGENCY_CLOCKS_PAUSED, clocks_paused_summary(reason))
        else:
            self._note(at, TimelineKind.AGENCY_CLOCKS_RESUMED, clocks_resumed_summary(due))

    def note_deadline_extended(
        self,
        *,
        agency_code: str,
        due_on: date,
        previous_due_on: date,
        reason: str,
        at: datetime,
        by: Author,
    ) -> None:
        summary = deadline_extended_summary(agency_code, due_on, previous_due_on)
        self._note(at, TimelineKind.DEADLINE_EXTENDED, summary, by, body=reason)

    def note_inquiry_withdrawn(
        self, *, agency_name: str, at: datetime, by: Author, still_waiting_on: tuple[str, ...]
    ) -> None:
        """A sent letter was withdrawn: a case that waited on agencies is open again unless
        it still waits on another."""
        summary = inquiry_withdrawn_summary(agency_name, still_waiting_on)
        self._note(at, TimelineKind.INQUIRY_WITHDRAWN, summary, by)
        if not still_waiting_on and self.status is CaseStatus.WAITING_ON_AGENCY:
            self.transition(
                CaseStatus.OPEN.value, by=by, at=at, reason=f"Letter to {agency_name} withdrawn"
            )

    def note_referral(
        self, *, partner_name: str, with_letter: bool, at: datetime, by: Author
    ) -> None:
        self._note(at, TimelineKind.REFERRED, referred_summary(partner_name, with_letter), by)

    def follow_agency_due(self, before: date | None, after: date | None) -> None:
        """Keep the next-action date on the earliest due date of the agencies the case waits
        on (`before` and `after` an announcement): taken when no date is set, moved along
        while the date is still the agencies', never over a date a person chose."""
        if before == after:
            return
        if self.due_on is None or self.due_on == before:
            self.due_on = after

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
