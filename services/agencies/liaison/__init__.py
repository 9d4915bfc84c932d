"""Agencies' service layer for letters: preview, draft, approve, send (by email or marked as
sent), replies, extensions, withdrawals, the case page's panel and the scorecard (referrals are
`referrals`).

Every letter is gated: the consent gate runs on the preview (reported), the draft and the send
(refused with a `Conflict` and an audit row). The particulars come from cases and intake by
RPC, asked as the acting staff member and never while a transaction is open.

One module a step; the RPC methods and what they take and answer are named here, so
`liaison.send_inquiry` and the rest read as before.
"""

from __future__ import annotations

from services.agencies.liaison.consent_gate import REFUSED_BY_GATE
from services.agencies.liaison.drafting import (
    approval_queue,
    approve_inquiry,
    draft_inquiry,
    preview_letter,
)
from services.agencies.liaison.follow_up import extend_deadline, log_reply, withdraw_inquiry
from services.agencies.liaison.panel import case_liaison, office_scorecard
from services.agencies.liaison.particulars import LetterRequest
from services.agencies.liaison.sending import letter_pdf, send_inquiry
from services.agencies.liaison.views import CaseLiaison, Document, InquiryView, LetterPreview

__all__ = [
    "REFUSED_BY_GATE",
    "CaseLiaison",
    "Document",
    "InquiryView",
    "LetterPreview",
    "LetterRequest",
    "approval_queue",
    "approve_inquiry",
    "case_liaison",
    "draft_inquiry",
    "extend_deadline",
    "letter_pdf",
    "log_reply",
    "office_scorecard",
    "preview_letter",
    "send_inquiry",
    "withdraw_inquiry",
]
