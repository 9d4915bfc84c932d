"""What staff ask of a case, as the handlers take them (read from the RPC contracts by
schemas.py). Each names the case by its reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.cases.domain.case import UNCHANGED, Outcome
from services.cases.domain.timeline import TimelineKind


@dataclass(frozen=True)
class AddNote:
    reference: str
    body: str
    kind: TimelineKind = TimelineKind.NOTE
    visibility: str = "internal"


@dataclass(frozen=True)
class RequestDocuments:
    reference: str
    documents: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class ChangeStatus:
    reference: str
    to: str
    reason: str | None = None
    outcome: Outcome | None = None


@dataclass(frozen=True)
class AssignCase:
    reference: str
    user_id: str


@dataclass(frozen=True)
class UpdateCase:
    """Only the fields given change (`UNCHANGED` for the others); `due_on=None` clears it."""

    reference: str
    priority: str | object = UNCHANGED
    tags: tuple[str, ...] | object = UNCHANGED
    due_on: date | object | None = UNCHANGED
