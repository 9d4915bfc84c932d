"""Words several services must agree on: what a constituent's request is about, and where a
case stands. Adding a word is additive; renaming or removing one is a breaking change."""

from __future__ import annotations

# An office id, the tenant key of everything: the shape gateway registers. Lower-case letters,
# digits and hyphens, 2 to 63 characters, not starting with a hyphen. `\Z`, not `$`, which
# would let a trailing newline through.
OFFICE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}\Z"

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
