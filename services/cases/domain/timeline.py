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


def acknowledgement_summary(channel: str) -> str:
    return f"Acknowledgement sent to the constituent by {channel}"


def note_summary(kind: TimelineKind, visibility: str) -> str:
    what = {
        TimelineKind.NOTE: "Note",
        TimelineKind.CALL: "Call logged",
        TimelineKind.MEETING: "Meeting logged",
    }[kind]
    return f"{what} ({visibility})"


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
