"""Words several services must agree on: what a constituent's request is about, and where a
case stands. Adding a word is additive; renaming or removing one is a breaking change."""

from __future__ import annotations

# An office id, the tenant key of everything: the shape gateway registers. Lower-case letters,
# digits and hyphens, 2 to 63 characters, not starting with a hyphen. `\Z`, not `$`, which
# would let a trailing newline through.
OFFICE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}\Z"

# The tenant of the few facts that belong to no member office but to the installation as a
# whole: a constituent's STOP to the platform's sending number holds for every office texting
# from it (carriers keep opt-outs per sender number). Events about them travel with this id in
# their envelope; gateway never registers an office by it.
PLATFORM_TENANT = "platform"

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

# Where a case stands (cases owns the lifecycle; the staff app filters by these). `new`: opened,
# nobody has looked yet. Going back from resolved or closed to `open` is a reopening.
CASE_STATUSES: tuple[str, ...] = (
    "new",
    "open",
    "waiting_on_agency",
    "waiting_on_constituent",
    "resolved",
    "closed",
    "withdrawn",
    "transferred",
)

# Staff roles in an office (gateway owns who has which; cases checks them again). `read_only`
# is the intern's role: sees the office's cases, changes nothing.
ROLES: tuple[str, ...] = ("office_admin", "supervisor", "caseworker", "read_only")

# How a case was closed: the result for the constituent, and what the office obtained.
CASE_RESULTS: tuple[str, ...] = (
    "favourable",
    "partly_favourable",
    "unfavourable",
    "referred_elsewhere",
    "withdrawn",
    "no_action_possible",
)
CASE_OBTAINED: tuple[str, ...] = (
    "benefit_granted",
    "payment_released",
    "document_issued",
    "decision_expedited",
    "information_given",
    "other",
)
CASE_PRIORITIES: tuple[str, ...] = ("normal", "urgent")
# Who may see a note: internal ones stay in the office; public ones the constituent will see.
NOTE_VISIBILITIES: tuple[str, ...] = ("internal", "public")
# What a caseworker writes on a case's timeline by hand.
NOTE_KINDS: tuple[str, ...] = ("note", "call", "meeting")
# How a case came to its caseworker.
ASSIGNMENT_METHODS: tuple[str, ...] = ("round_robin", "manual", "rule")

# A request for documents: how many one request names at most, and how long each name is.
DOCUMENTS_PER_REQUEST = 10
DOCUMENT_NAME_LENGTH = 120
