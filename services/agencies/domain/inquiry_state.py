"""The states an inquiry moves through: drafted, approved (by a supervisor when the office
asks), sent, and answered or withdrawn."""

from __future__ import annotations

from enum import StrEnum


class InquiryState(StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    SENT = "sent"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"
