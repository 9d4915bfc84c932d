"""The secret links notify puts in a constituent's email: a closure's satisfaction survey, and
the unsubscribe link every message about their requests carries. Each secret travels only in
the constituent's email and notify's own records; intake is told its SHA-256 alone, enough to
recognise the link when it is followed, not to forge it."""

from __future__ import annotations

import hashlib

# A link's secret: 18 random bytes (`secrets.token_urlsafe`), 24 URL-safe characters.
LINK_TOKEN_BYTES = 18


def link_digest(token: str) -> str:
    """What intake keeps of a link's secret: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()
