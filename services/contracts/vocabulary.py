"""Words several services must agree on: what a constituent's request is about, and where a
case stands. Adding a word is additive; renaming or removing one is a breaking change."""

from __future__ import annotations

# What a constituent's request is about (intake validates it; agencies maps it to an agency).
CATEGORIES: tuple[str, ...] = (
    "social_security",
    "medicare",
    "medicaid",
    "veterans",
    "immigration",
    "passport",
    "tax",
    "student_loans",
    "housing",
    "disaster_relief",
    "federal_pension",
    "postal",
    "small_business",
    "other",
)

# Where a case stands (cases owns the lifecycle; the staff app filters by these).
CASE_STATUSES: tuple[str, ...] = (
    "open",
    "waiting_on_agency",
    "waiting_on_constituent",
    "resolved",
    "closed",
)
