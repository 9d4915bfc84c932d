"""The letter that goes with a referral to a partner organisation (legal aid, a food bank, a
veterans' service organisation): who the constituent is, how to reach them, what the office
was helping with and the caseworker's note, under the office's letterhead.

It is a fixed letter, not an office template: a referral says the same few things each time,
and it carries only what a partner needs to take the constituent on (never identifiers such
as an SSN, nor the case's description). SSNs typed into the note are masked like every other
letter's when the office masks them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.agencies.domain.letters import LetterText
from services.agencies.domain.redaction import mask_ssns

SSN_MASKED = "a Social Security number masked to its last four digits"


@dataclass(frozen=True)
class ReferralParticulars:
    """What the letter says of the constituent and the case."""

    constituent_name: str
    reference: str
    subject: str
    email: str = ""
    phone: str = ""
    address_lines: Sequence[str] = ()


def referral_letter_text(
    particulars: ReferralParticulars,
    *,
    partner_name: str,
    note: str,
    office_name: str,
    office_phone: str = "",
    office_email: str = "",
    mask_ssn: bool = True,
) -> LetterText:
    """The referral letter's subject and body (the PDF adds letterhead, date and signature)."""
    name = particulars.constituent_name.strip() or "a constituent of ours"
    subject = f"Referral of {name} (our reference {particulars.reference})"
    about = particulars.subject.strip()
    paragraphs = [
        f"Dear colleagues at {partner_name},",
        f"Our office has been helping {name}"
        + (f" with the following: {about}." if about else ".")
        + " We believe your organisation can help further, and with their agreement we are"
        " referring them to you.",
    ]
    redactions: list[str] = []
    written = note.strip()
    if written:
        masked = mask_ssns(written) if mask_ssn else written
        if masked != written:
            redactions.append(SSN_MASKED)
        paragraphs.append(f"Our caseworker's note: {masked}")
    reach = _how_to_reach(particulars)
    if reach:
        paragraphs.append(f"You can reach {name}:\n" + "\n".join(reach))
    office_contact = " or ".join(part for part in (office_phone, office_email) if part)
    paragraphs.append(
        f"Please quote our reference {particulars.reference} if you contact {office_name}"
        + (f" ({office_contact})" if office_contact else "")
        + " about this referral. Thank you for your help."
    )
    return LetterText(subject, "\n\n".join(paragraphs), tuple(redactions))


def _how_to_reach(particulars: ReferralParticulars) -> list[str]:
    lines = []
    if particulars.phone:
        lines.append(f"by telephone on {particulars.phone}")
    if particulars.email:
        lines.append(f"by email at {particulars.email}")
    address = ", ".join(line for line in particulars.address_lines if line.strip())
    if address:
        lines.append(f"by post at {address}")
    return lines
