"""What the agency liaison pages say in words: the messages after an action, states, channels,
overdue badges, partner kinds, the template fields' help, response targets, release rules
and an import's problems."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

DONE_MESSAGES = {
    "letter_saved": "Letter saved and approved: send it or mark it as sent below.",
    "letter_awaiting_approval": "Letter saved: it waits for a supervisor's approval.",
    "inquiry_sent": "Letter marked as sent. The deadline clock has started.",
    "inquiry_emailed": "Letter emailed to the agency with the privacy release. The deadline "
    "clock has started.",
    "reply_logged": "Reply logged.",
    "deadline_extended": "Deadline extended.",
    "inquiry_withdrawn": "Letter withdrawn.",
    "case_referred": "Case referred to the partner organisation.",
}


PAGE_DONE = {
    "contact_saved": "Contact saved.",
    "contact_removed": "Contact removed.",
    "partner_saved": "Partner organisation saved.",
    "partner_removed": "Partner organisation removed.",
    "template_saved": "Template saved as a new version.",
    "inquiry_approved": "Letter approved: the caseworker can send it now.",
    "template_approved": "Template approved: letters can use this version now.",
    "settings_saved": "Liaison settings saved.",
    "agency_saved": "Agency saved.",
}


STATE_WORDS = {
    "draft": "Draft",
    "awaiting_approval": "Awaiting approval",
    "approved": "Approved, not sent yet",
    "sent": "Sent, waiting for the agency",
    "answered": "Answered",
    "withdrawn": "Withdrawn",
}


CHANNEL_WORDS = {
    "email": "Email (sends it now)",
    "fax": "Fax",
    "portal": "The agency's portal",
    "post": "Post",
}


OVERDUE_WORDS = {
    "due": "Overdue",
    "plus_5": "Overdue 5+ business days",
    "plus_10": "Overdue 10+ business days",
}


PARTNER_KIND_WORDS = {
    "legal_aid": "Legal aid",
    "food_bank": "Food bank",
    "veterans_service": "Veterans' service organisation",
    "community": "Community group",
    "health": "Health",
    "housing": "Housing",
    "other": "Other",
}


APPROVAL_ROLE_CHOICES = (
    ("read_only", "Interns"),
    ("caseworker", "Caseworkers"),
    ("supervisor", "Supervisors"),
)
APPROVAL_ROLES = tuple(role for role, _ in APPROVAL_ROLE_CHOICES)
# The fields a template may use (docs/agency-liaison.md), for the templates page.
TEMPLATE_FIELDS = (
    ("case.reference", "the case's reference"),
    ("case.subject", "the case's subject"),
    ("case.category", "the case's category"),
    ("case.opened_on", "the day the case was opened"),
    ("case.description", "the constituent's description, after redaction"),
    (
        "case.public_notes",
        "a list of the case's public notes (internal notes never reach a letter)",
    ),
    ("constituent.name", "the constituent's name"),
    ("constituent.address_lines", "a list of the lines of their address"),
    ("constituent.email", "their email"),
    ("constituent.phone", "their phone"),
    ("identifiers.ssn", "Social Security number (masked to XXX-XX-1234 when the office says so)"),
    ("identifiers.ssn_last4", "the SSN's last four digits"),
    ("identifiers.date_of_birth", "date of birth"),
    ("identifiers.claim_number", "claim number"),
    ("identifiers.uscis_receipt", "USCIS receipt number"),
    ("identifiers.a_number", "alien registration number"),
    ("identifiers.va_file_number", "VA file number"),
    ("agency.name", "the agency's name"),
    ("agency.liaison_office", "the agency's congressional liaison office"),
    ("contact.name", "the liaison contact's name"),
    ("contact.programme", "the contact's programme"),
    ("office.name", "the office's name (letterhead)"),
    ("office.member_name", "the Member's name"),
    ("office.address_lines", "a list of the office's address lines"),
    ("office.phone", "the office's phone"),
    ("office.email", "the office's email"),
    ("caseworker.name", "who writes the letter"),
    ("today", "the date in the office's time zone"),
)


def day_words(day: date | None) -> str:
    """`14 Jan 2026`."""
    return "" if day is None else f"{day.day} {day.strftime('%b %Y')}"


def target_words(agency: Mapping[str, Any]) -> str:
    """`20 business days; an interim reply every 30 days`."""
    words = f"{agency['response_days']} {agency['day_basis']} days"
    if agency.get("interim_every_days"):
        words += f"; then an interim reply every {agency['interim_every_days']} days"
    return words


def rules_words(agency: Mapping[str, Any]) -> list[str]:
    """The agency's release rules as sentences."""
    rules = agency["release_rules"]
    said = [
        "Accepts only a handwritten (wet) signature."
        if rules["signature"] == "wet_only"
        else "Accepts an e-signed or a wet-signed release."
    ]
    if rules["sole_recipient"]:
        said.append("The release must name this office alone.")
    if rules["valid_days"]:
        said.append(f"A release is accepted for {rules['valid_days']} days after signing.")
    if rules["new_release_after_closure"]:
        said.append("A follow-up after the case was closed needs a release signed after that.")
    return said


def web_link(url: str | None) -> str:
    """A website address a page may link to: http(s) only (never `javascript:`)."""
    text = (url or "").strip()
    return text if re.match(r"https?://", text, flags=re.IGNORECASE) else "#"


def problem_rows(problems: Iterable[Any]) -> list[dict[str, str]]:
    """An import's refused rows as `line`, `field`, `problem` (whatever words agencies used)."""
    rows = []
    for problem in problems:
        if not isinstance(problem, Mapping):
            rows.append({"line": "", "field": "", "problem": str(problem)})
            continue
        words = next(
            (
                problem[key]
                for key in ("problem", "message", "error", "reason", "problems", "errors")
                if problem.get(key)
            ),
            None,
        )
        if words is None:
            rest = {k: v for k, v in problem.items() if k not in {"line", "field", "row"}}
            words = "; ".join(f"{k}: {v}" for k, v in rest.items())
        if isinstance(words, list | tuple):
            words = "; ".join(str(item) for item in words)
        elif isinstance(words, Mapping):
            words = "; ".join(f"{k}: {joined(v)}" for k, v in words.items())
        line = problem.get("line", problem.get("row", ""))
        rows.append({"line": str(line), "field": str(problem.get("field") or ""), "problem": words})
    return rows


def joined(value: Any) -> str:
    return "; ".join(str(item) for item in value) if isinstance(value, list) else str(value)
