"""What other services tell a case: the agency directory's suggestion, the acknowledgement
sent, the agencies' letters, replies and clocks, reminders fired, the constituent's rating and
the documents they sent.
Each is a timeline entry; some move the case along its lifecycle, as the caseworker would."""

from __future__ import annotations

from datetime import date, datetime

from services.cases.domain.lifecycle import CaseStatus
from services.cases.domain.record import CaseAttachment, CaseRecord
from services.cases.domain.timeline import (
    PUBLIC,
    Author,
    TimelineKind,
    acknowledgement_summary,
    agency_reply_summary,
    agency_suggested_summary,
    clocks_paused_summary,
    clocks_resumed_summary,
    deadline_extended_summary,
    documents_after_finish_summary,
    documents_received_summary,
    inquiry_overdue_summary,
    inquiry_sent_summary,
    inquiry_withdrawn_summary,
    referred_summary,
    reminder_summary,
    satisfaction_summary,
)

# Who moves a case when the constituent acts on the portal (no staff member).
CONSTITUENT = Author("constituent", "The constituent")


class CaseNews(CaseRecord):
    """A case as other services' events change it (the inquiries themselves are kept by
    domain/inquiries.py)."""

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

    def receive_documents(
        self, attachments: tuple[CaseAttachment, ...], message: str | None, *, at: datetime
    ) -> None:
        """The constituent sent documents from their status page: they join the case's files,
        the timeline names them (with the constituent's message), and a case that waited on
        the constituent is open again: it is the office's move. A finished case keeps them
        but is not reopened by them (a person decides that), and its timeline says so."""
        known = {attachment.attachment_id for attachment in self.attachments}
        added = tuple(
            CaseAttachment.kept(sent) for sent in attachments if sent.attachment_id not in known
        )
        self.attachments = (*self.attachments, *added)
        summary = documents_received_summary(tuple(a.filename for a in attachments))
        self._note(at, TimelineKind.DOCUMENTS_RECEIVED, summary, visibility=PUBLIC, body=message)
        if self.status.is_finished:
            self._note(
                at, TimelineKind.DOCUMENTS_RECEIVED, documents_after_finish_summary(self.status)
            )
        elif self.status is CaseStatus.WAITING_ON_CONSTITUENT:
            self.transition(
                CaseStatus.OPEN.value,
                by=CONSTITUENT,
                at=at,
                reason="documents received",
                tell_constituent=False,
            )

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
