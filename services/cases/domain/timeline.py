"""A case's timeline: what happened to it, in order, by whom. Summaries are written here so
every line reads alike; they hold no sensitive identifiers (free text goes in `body`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from services.cases.domain.lifecycle import CaseStatus, Outcome

INTERNAL = "internal"
PUBLIC = "public"


class TimelineKind(StrEnum):
    OPENED = "opened"
    ASSIGNED = "assigned"
    AGENCY_SUGGESTED = "agency_suggested"
    ACKNOWLEDGEMENT_SENT = "acknowledgement_sent"
    NOTE = "note"
    CALL = "call"
    MEETING = "meeting"
    STATUS_CHANGED = "status_changed"
    CLOSED = "closed"
    REOPENED = "reopened"
    UPDATED = "updated"
    # Not stored: read from the case's privacy releases (releases.py) with the case.
    RELEASE_SIGNED = "release_signed"
    RELEASE_REVOKED = "release_revoked"
    # What agencies announced of the case's inquiries (domain/inquiries.py).
    INQUIRY_SENT = "inquiry_sent"
    AGENCY_REPLY = "agency_reply"
    INQUIRY_OVERDUE = "inquiry_overdue"
    INQUIRY_WITHDRAWN = "inquiry_withdrawn"
    AGENCY_CLOCKS_PAUSED = "agency_clocks_paused"
    AGENCY_CLOCKS_RESUMED = "agency_clocks_resumed"
    DEADLINE_EXTENDED = "deadline_extended"
    REFERRED = "referred"
    # One of notify's reminders fired (a follow-up due, an escalation to supervisors).
    REMINDER = "reminder"
    # The constituent answered the survey in their closing email (intake's portal).
    SATISFACTION_RATED = "satisfaction_rated"
    # The office asked the constituent to send documents (public: their status page lists it).
    DOCUMENTS_REQUESTED = "documents_requested"
    # The constituent sent documents from their status page (intake keeps the files).
    DOCUMENTS_RECEIVED = "documents_received"


# What a caseworker writes by hand (the contracts' NOTE_KINDS).
WRITTEN_KINDS = (TimelineKind.NOTE, TimelineKind.CALL, TimelineKind.MEETING)


@dataclass(frozen=True)
class Author:
    """Who did something to a case: a staff member's id and the name the office knows them by
    (their id when the roster does not know them yet)."""

    user_id: str
    name: str


@dataclass(frozen=True)
class TimelineNote:
    """One line of a case's timeline. `author_id` is None for what the system noted."""

    at: datetime
    kind: TimelineKind
    summary: str
    author_id: str | None = None
    author_name: str | None = None
    visibility: str = INTERNAL
    body: str | None = None


def _words(value: str) -> str:
    return value.replace("_", " ")


def opened_summary(tracking_code: str) -> str:
    return f"Case opened from submission {tracking_code}"


def assigned_summary(caseworker_name: str, method: str) -> str:
    return f"Assigned to {caseworker_name} ({_words(method)})"


def agency_suggested_summary(agency_code: str, agency_name: str) -> str:
    return f"Agency suggested: {agency_name} ({agency_code})"


# How notify reached the constituent, in the timeline's words.
ACKNOWLEDGED_BY = {"email": "email", "sms": "text message"}


def acknowledgement_summary(channel: str, resent_after_doubt: bool = False) -> str:
    """`Acknowledgement sent to the constituent by email` (or `by text message`); when an
    earlier attempt was cut off mid-send and it went again, staff are told the constituent may
    have two copies."""
    text = f"Acknowledgement sent to the constituent by {ACKNOWLEDGED_BY.get(channel, channel)}"
    if resent_after_doubt:
        text += " (sent again: an earlier attempt was cut off, so they may have two copies)"
    return text


SATISFACTION_WORDS = {5: "very well", 4: "well", 3: "fairly well", 2: "not well", 1: "poorly"}


def satisfaction_summary(rating: int) -> str:
    """`The constituent rated the office's help 4 of 5 (well)`: a later click (a slip
    corrected) is another line, and the latest counts."""
    return f"The constituent rated the office's help {rating} of 5 ({SATISFACTION_WORDS[rating]})"


def note_summary(kind: TimelineKind, visibility: str) -> str:
    what = {
        TimelineKind.NOTE: "Note",
        TimelineKind.CALL: "Call logged",
        TimelineKind.MEETING: "Meeting logged",
    }[kind]
    return f"{what} ({visibility})"


def documents_requested_summary(documents: tuple[str, ...]) -> str:
    """`Asked the constituent for: Denial letter; DD-214` (cut to the summary's length)."""
    return f"Asked the constituent for: {'; '.join(documents)}"


def documents_received_summary(filenames: tuple[str, ...]) -> str:
    """`The constituent sent: a.pdf, b.png` (cut to the summary's length)."""
    return f"The constituent sent: {', '.join(filenames)}"


def documents_after_finish_summary(status: CaseStatus) -> str:
    """Why documents that came to a finished case did not bring it back."""
    return (
        f"Documents arrived while the case is {_words(status.value)}: filed on the case, "
        "which was not reopened"
    )


def release_signed_summary(kind: str, agencies: tuple[str, ...], expires_at: datetime) -> str:
    """`Privacy release signed (SSA, VA; valid until 3 Dec 2027)`: the day in UTC."""
    what = "signed on paper" if kind == "wet_signed" else "signed"
    day = expires_at.astimezone(UTC)
    until = f"{day.day} {day.strftime('%b %Y')}"
    return f"Privacy release {what} ({', '.join(agencies)}; valid until {until})"


def release_revoked_summary(revoked_by: str) -> str:
    who = "the constituent" if revoked_by == "constituent" else "staff"
    return f"Privacy release revoked by {who}"


def status_summary(current: CaseStatus, target: CaseStatus) -> str:
    return f"Status changed from {_words(current.value)} to {_words(target.value)}"


def reopened_summary(current: CaseStatus) -> str:
    return f"Reopened (was {_words(current.value)})"


def closed_summary(target: CaseStatus, outcome: Outcome) -> str:
    what = "Closed" if target is CaseStatus.CLOSED else _words(target.value).capitalize()
    obtained = f" ({', '.join(map(_words, outcome.obtained))})" if outcome.obtained else ""
    return f"{what}: {_words(outcome.result)}{obtained}"


def updated_summary(
    priority: str | None, tags: tuple[str, ...] | None, due_on: date | None, due_changed: bool
) -> str:
    """`Priority urgent; tags: ssa, appeal; next action due 2026-12-01` (what changed only)."""
    parts = []
    if priority is not None:
        parts.append(f"priority {priority}")
    if tags is not None:
        parts.append(f"tags: {', '.join(tags)}" if tags else "tags removed")
    if due_changed:
        parts.append(f"next action due {due_on.isoformat()}" if due_on else "due date cleared")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


# --- Agency liaison: what agencies announced, in the office's words -------------------------

CHANNEL_WORDS = {
    "email": "by email",
    "fax": "by fax",
    "portal": "through the agency's portal",
    "post": "by post",
}
WAITING_ON_CONSTITUENT = "waiting_on_constituent"


def day(value: date) -> str:
    """`2 Jan 2027`, as the case page writes a date."""
    return f"{value.day} {value.strftime('%b %Y')}"


def inquiry_sent_summary(agency_name: str, channel: str, due_on: date) -> str:
    """`Letter sent to Social Security Administration by email; reply due 2 Jan 2027`."""
    how = CHANNEL_WORDS.get(channel, f"by {_words(channel)}")
    return f"Letter sent to {agency_name} {how}; reply due {day(due_on)}"


def agency_reply_summary(
    agency_code: str,
    kind: str,
    received_on: date,
    follow_up_on: date | None,
    still_waiting_on: tuple[str, ...] = (),
) -> str:
    """`Final reply from SSA logged (received 20 Dec 2026)`, `Interim reply from SSA logged;
    next follow-up 19 Jan 2027`, and which agencies the case still waits on."""
    if kind == "final" or follow_up_on is None:
        text = f"{kind.capitalize()} reply from {agency_code} logged (received {day(received_on)})"
    else:
        text = f"Interim reply from {agency_code} logged; next follow-up {day(follow_up_on)}"
    if still_waiting_on:
        text += f"; still waiting on {', '.join(still_waiting_on)}"
    return text


def inquiry_overdue_summary(agency_code: str, due_on: date, business_days_late: int) -> str:
    """`SSA reply overdue: due 2 Jan 2027, now 5 business days late`."""
    text = f"{agency_code} reply overdue: due {day(due_on)}"
    if business_days_late > 0:
        plural = "" if business_days_late == 1 else "s"
        text += f", now {business_days_late} business day{plural} late"
    return text


def inquiry_withdrawn_summary(agency_name: str, still_waiting_on: tuple[str, ...]) -> str:
    """`Letter to Social Security Administration withdrawn; still waiting on VA`."""
    text = f"Letter to {agency_name} withdrawn"
    if still_waiting_on:
        text += f"; still waiting on {', '.join(still_waiting_on)}"
    return text


def _because(reason: str) -> str:
    if reason == WAITING_ON_CONSTITUENT:
        return " while waiting on the constituent"
    return f" ({_words(reason)})" if reason else ""


def clocks_paused_summary(reason: str) -> str:
    """`Agency clocks paused while waiting on the constituent`."""
    return f"Agency clocks paused{_because(reason)}"


def clocks_resumed_summary(due: list[tuple[str | None, date]]) -> str:
    """`Agency clocks resumed; SSA now due 6 Jan 2027` (each inquiry's agency, when cases knows
    it, and its new due date)."""
    dates = [f"{code or 'an inquiry'} now due {day(due_on)}" for code, due_on in due]
    return "Agency clocks resumed" + (f"; {', '.join(dates)}" if dates else "")


def deadline_extended_summary(agency_code: str, due_on: date, previous_due_on: date) -> str:
    """`SSA deadline extended to 15 Jan 2027 (was 1 Jan 2027)`; the reason is the body."""
    return f"{agency_code} deadline extended to {day(due_on)} (was {day(previous_due_on)})"


def referred_summary(partner_name: str, with_letter: bool) -> str:
    """`Referred to Legal Aid of the Valley` (`, with a letter`)."""
    return f"Referred to {partner_name}" + (", with a letter" if with_letter else "")


def reminder_summary(summary: str, audience: str, occurrence: int) -> str:
    """`Reminder: Follow up with SSA: no final reply yet (every 7 days)`, numbered from the
    second time it fires; escalations say who they went to."""
    head = "Escalated to supervisors" if audience == "supervisor" else "Reminder"
    again = f" (reminder {occurrence})" if occurrence > 1 else ""
    return f"{head}: {summary}{again}"
