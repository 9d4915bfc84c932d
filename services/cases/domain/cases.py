"""What a case is made of: its identity, its human reference, its statuses and its timeline."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

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


STATUSES: tuple[str, ...] = tuple(status.value for status in CaseStatus)


class TimelineKind(StrEnum):
    OPENED = "opened"
    ASSIGNED = "assigned"
    AGENCY_SUGGESTED = "agency_suggested"
    ACKNOWLEDGEMENT_SENT = "acknowledgement_sent"


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


@dataclass(frozen=True)
class CaseQuery:
    """Which of an office's cases a caseworker's queue shows, newest first."""

    status: CaseStatus | None = None
    assigned_to: str | None = None
    limit: int = 50
    offset: int = 0
