"""What a letter template may read: the fields (`FIELDS`), filled for one case by
`letter_context`, and a sample case (`SAMPLE_CONTEXT`) every template is checked against."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

FIELDS: Mapping[str, str] = {
    "case.reference": "the case's reference, e.g. CW-2026-000042",
    "case.subject": "what the case is about, in the constituent's words",
    "case.category": "the case's category",
    "case.opened_on": "the date the case was opened",
    "case.description": "the constituent's description (after redaction)",
    "case.public_notes": "a list of the case's public notes (internal notes never reach a letter)",
    "constituent.name": "the constituent's name",
    "constituent.address_lines": "the constituent's postal address, a list of lines",
    "constituent.email": "the constituent's email address",
    "constituent.phone": "the constituent's phone number",
    "identifiers.ssn": "Social Security number (masked to its last four unless the office allows)",
    "identifiers.ssn_last4": "the last four digits of the Social Security number",
    "identifiers.date_of_birth": "date of birth",
    "identifiers.claim_number": "the agency's claim number",
    "identifiers.uscis_receipt": "USCIS receipt number",
    "identifiers.a_number": "alien registration number (A-number)",
    "identifiers.va_file_number": "VA file number",
    "agency.name": "the agency's name",
    "agency.liaison_office": "the agency's congressional liaison office",
    "contact.name": "the liaison contact's name",
    "contact.programme": "the contact's programme or unit",
    "office.name": "the office's name (letterhead)",
    "office.member_name": "the member's name (letterhead)",
    "office.address_lines": "the office's address, a list of lines",
    "office.phone": "the office's phone number",
    "office.email": "the office's email address",
    "caseworker.name": "who writes the letter",
    "today": "today's date in the office's time zone",
    "extra_text": "the caseworker's own paragraph for this letter (redacted like the rest)",
}
_IDENTIFIERS = (
    "ssn",
    "ssn_last4",
    "date_of_birth",
    "claim_number",
    "uscis_receipt",
    "a_number",
    "va_file_number",
)


class LetterDate(date):
    """A date that prints as a letter writes it ("January 3, 2026"), and is still a date."""

    def __str__(self) -> str:
        return f"{self:%B} {self.day}, {self.year}"

    @classmethod
    def of(cls, value: date) -> LetterDate:
        return cls(value.year, value.month, value.day)


class Lines(list[str]):
    """Lines of an address that print on one line, comma-separated, unless a template
    loops over them or joins them its own way."""

    separator = ", "

    def __str__(self) -> str:
        return self.separator.join(self)


class Notes(Lines):
    """Public notes, one per line when printed whole."""

    separator = "\n"


@dataclass(frozen=True)
class Letterhead:
    """What heads the office's letters, and what `office.*` fields print."""

    office_name: str
    member_name: str = ""
    address_lines: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""


def letter_context(
    *,
    case: Mapping[str, Any],
    constituent: Mapping[str, Any],
    identifiers: Mapping[str, Any],
    agency: Mapping[str, Any],
    contact: Mapping[str, Any] | None,
    letterhead: Letterhead,
    caseworker_name: str,
    today: date,
    extra_text: str = "",
) -> dict[str, Any]:
    """Every field a template may read, filled for one case (missing ones are empty, so a
    template can test them with `{% if %}`). Nothing is redacted yet: `render_letter` does."""
    ssn = text_of(identifiers.get("ssn"))
    last4 = text_of(identifiers.get("ssn_last4")) or (digits_of(ssn)[-4:] if ssn else "")
    return {
        "case": {
            "reference": text_of(case.get("reference")),
            "subject": text_of(case.get("subject")),
            "category": text_of(case.get("category")),
            "opened_on": _date_or_text(case.get("opened_on")),
            "description": text_of(case.get("description")),
            "public_notes": Notes(text_of(note) for note in case.get("public_notes") or ()),
        },
        "constituent": {
            "name": text_of(constituent.get("name")),
            "address_lines": Lines(
                text_of(line) for line in constituent.get("address_lines") or ()
            ),
            "email": text_of(constituent.get("email")),
            "phone": text_of(constituent.get("phone")),
        },
        "identifiers": {
            **{key: _date_or_text(identifiers.get(key)) for key in _IDENTIFIERS},
            "ssn": ssn,
            "ssn_last4": last4,
            # Intake calls a USCIS receipt number `receipt_number`.
            "uscis_receipt": text_of(
                identifiers.get("uscis_receipt") or identifiers.get("receipt_number")
            ),
        },
        "agency": {
            "name": text_of(agency.get("name")),
            "liaison_office": text_of(agency.get("liaison_office")),
        },
        "contact": {
            "name": text_of((contact or {}).get("name")),
            "programme": text_of((contact or {}).get("programme")),
        },
        "office": {
            "name": letterhead.office_name,
            "member_name": letterhead.member_name,
            "address_lines": Lines(letterhead.address_lines),
            "phone": letterhead.phone,
            "email": letterhead.email,
        },
        "caseworker": {"name": caseworker_name},
        "today": LetterDate.of(today),
        "extra_text": extra_text.strip(),
    }


def text_of(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date_or_text(value: Any) -> Any:
    if isinstance(value, date):
        return LetterDate.of(value)
    text = text_of(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return LetterDate.of(date.fromisoformat(text))
        except ValueError:
            return text
    return text


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", text)


SAMPLE_CONTEXT: Mapping[str, Any] = letter_context(
    case={
        "reference": "CW-2026-000042",
        "subject": "a delayed retirement benefit",
        "category": "social_security",
        "opened_on": date(2026, 1, 5),
        "description": "My retirement benefit has not been paid since November.",
        "public_notes": ["Called SSA on 6 Jan; no decision yet."],
    },
    constituent={
        "name": "Maria Gonzalez",
        "address_lines": ["12 Elm Street", "Springfield, IL 62704"],
        "email": "maria@example.org",
        "phone": "(217) 555-0142",
    },
    identifiers={
        "ssn": "123-45-6789",
        "ssn_last4": "6789",
        "date_of_birth": date(1958, 4, 2),
        "claim_number": "123456789A",
        "uscis_receipt": "IOE0912345678",
        "a_number": "A201234567",
        "va_file_number": "C12345678",
    },
    agency={
        "name": "Social Security Administration",
        "liaison_office": "Office of Congressional Affairs",
    },
    contact={"name": "Pat Lee", "programme": "Retirement and Survivors Insurance"},
    letterhead=Letterhead(
        office_name="Office of Congresswoman Jane Smith",
        member_name="Jane Smith",
        address_lines=("1234 Longworth House Office Building", "Washington, DC 20515"),
        phone="(202) 555-0100",
        email="casework@smith.house.example",
    ),
    caseworker_name="Sam Carter",
    today=date(2026, 1, 12),
)
