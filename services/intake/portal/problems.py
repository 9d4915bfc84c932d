"""What is wrong with a posted form, as the constituent reads it: the problems per field (in
the form's order for the summary at the top), and intake's refusals said in the page's
language."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from services.intake.domain.attachments import MAX_BYTES, MAX_FILES
from services.intake.portal.forms import (
    FIELD_LABELS,
    FIELD_OF_PATH,
    FIELD_ORDER,
    IDENTIFIER_FIELDS,
)

# -- Errors -----------------------------------------------------------------------------------


@dataclass
class Problems:
    """What is wrong with a form: per form field, the messages to show beside it; in form
    order for the summary at the top."""

    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, field_id: str, message: str) -> None:
        messages = self.by_field.setdefault(field_id, [])
        if message not in messages:
            messages.append(message)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def summary(self) -> list[tuple[str, str, str]]:
        """(field id, label, message) for each problem, in the order of the form."""
        order = {name: index for index, name in enumerate(FIELD_ORDER)}
        rows: list[tuple[str, str, str]] = []
        for field_id in sorted(self.by_field, key=lambda name: order.get(name, len(order))):
            label = str(FIELD_LABELS.get(field_id, FIELD_LABELS["general"]))
            rows.extend((field_id, label, message) for message in self.by_field[field_id])
        return rows


def flatten(messages: Any, path: str = "") -> Iterable[tuple[str, str]]:
    """(dotted path, message) pairs from marshmallow's nested messages or a ValidationFailed's
    fields (whose keys may already be dotted). `_schema` stands for the object itself."""
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = str(key)
            if name == "_schema":
                yield from flatten(value, path)
            elif name.isdigit():
                yield from flatten(value, path)  # a list member: the list's field
            else:
                yield from flatten(value, f"{path}.{name}" if path else name)
    elif isinstance(messages, list | tuple):
        for item in messages:
            yield from flatten(item, path)
    elif messages is not None:
        yield path, str(messages)


def form_problems(fields: Mapping[str, Any]) -> Problems:
    """A refusal's fields as problems on the form, each message in the page's language."""
    problems = Problems()
    for path, message in flatten(fields):
        field_id = field_for(path)
        problems.add(field_id, translated(field_id, message))
    return problems


def field_for(path: str) -> str:
    while path:
        if path in FIELD_OF_PATH:
            return FIELD_OF_PATH[path]
        path = path.rpartition(".")[0]
    return "general"


# -- Messages: what intake says, as the constituent reads it ----------------------------------

_MISSING = ("Missing data for required field.", "Field may not be null.")
_LENGTH = re.compile(r"^(Length must be|Shorter than|Longer than)")
_CHARACTERS = re.compile(r"(control character|NUL character|lone surrogate|not valid Unicode)")


def translated(field_id: str, message: str) -> str:
    """The message for the constituent: what to do about this field, never the raw text of
    the validator (English, technical, sometimes quoting the value)."""
    if _CHARACTERS.search(message):
        return _("Remove the special characters from this answer.")
    if field_id == "attachments":
        return attachment_message(message)
    if field_id in IDENTIFIER_FIELDS:
        return identifier_message(field_id)
    if field_id == "email" and "give an email" in message:
        return _(
            "Give at least one way to reach you: an email address, a phone number or a "
            "postal address."
        )
    if field_id == "email" and "accents before the @" in message:
        return _(
            "We cannot send email to an address with accents before the @ yet. Please give "
            "another email address or a phone number."
        )
    if field_id == "signature_name":
        if message in _MISSING:
            return _("Type your full name to sign the release.")
        return _("Type your full name exactly as you gave it above (first name, then last name).")
    if field_id == "release_consent":
        if "changed" in message:
            return _(
                "The release text has changed since the page was shown. Read it again and sign."
            )
        return _("Tick the box to say you have read the release and agree to it.")
    if field_id == "release_agencies":
        return _("Choose at least one agency we may contact for you.")
    if field_id == "code":
        return _("That code is not right, or it has expired. Check it, or ask for a new one.")
    if field_id == "tracking_code" and "too many codes" in message:
        return _(
            "We have already sent several codes. Use the latest one, or try again in 15 minutes."
        )
    if field_id == "preferred_channel" and "text messages" in message:
        return _("Give a mobile phone number to get text messages.")
    if field_id == "last_name" and "does not match" in message:
        return _("The last name or ZIP code does not match this request.")
    missing = message in _MISSING
    return field_message(field_id, missing=missing, length=bool(_LENGTH.match(message)))


def field_message(field_id: str, *, missing: bool, length: bool) -> str:
    if field_id == "first_name":
        return _("Enter your first name.") if missing or length else _("Check your first name.")
    if field_id == "last_name":
        return _("Enter your last name.") if missing or length else _("Check your last name.")
    if field_id == "email":
        return _("Enter an email address like name@example.com.")
    if field_id == "phone":
        return _("Enter a phone number using digits, like (202) 555-0134.")
    if field_id == "address_line1":
        return _("Enter the street address, or leave the whole postal address empty.")
    if field_id == "address_city":
        return _("Enter the city or town, or leave the whole postal address empty.")
    if field_id == "address_state":
        return _("Enter the state, or leave the whole postal address empty.")
    if field_id in ("address_postal_code", "postal_code"):
        return _("Enter a ZIP code, like 62701.")
    if field_id == "address_line2":
        return _("Keep the apartment, suite or unit under 200 characters.")
    if field_id == "category":
        return _("Choose what your request is about.")
    if field_id == "agency":
        return _("Choose an agency from the list, or “I don't know”.")
    if field_id == "subject":
        return _("Say in a few words what your request is about (3 to 200 characters).")
    if field_id == "description":
        if missing:
            return _("Tell us what happened.")
        return _("Keep what happened and what you would like under 10,000 characters in all.")
    if field_id == "urgency_reason":
        return _("Keep the reason it is urgent under 500 characters.")
    if field_id == "tracking_code":
        return _("Enter the tracking code from your confirmation, like K7QX-M2PD.")
    if field_id == "code":
        return _("Enter the 6-digit code from the email.")
    if field_id == "preferred_language":
        return _("Choose English or Spanish.")
    if field_id == "message":
        return _("Keep your message under 2,000 characters.")
    if field_id == "preferred_channel":
        return _("Give the email, phone number or postal address for the way you chose.")
    return _("Check this answer.")


def identifier_message(kind: str) -> str:
    messages = {
        "ssn": _("Enter the 9 digits of the Social Security number, like 123-45-6789."),
        "ssn_last4": _("Enter the last 4 digits of the Social Security number."),
        "date_of_birth": _("Enter the date of birth as month/day/year, like 04/23/1980."),
        "claim_number": _("Enter the claim or case number as it is on the agency's letter."),
        "receipt_number": _(
            "Enter the receipt number: 3 letters and 10 digits, like IOE0123456789."
        ),
        "a_number": _("Enter the A-Number: A and 8 or 9 digits, like A123456789."),
        "va_file_number": _("Enter the VA file number: 8 or 9 digits."),
    }
    return messages.get(kind, _("Check this answer."))


def attachment_message(message: str) -> str:
    """Intake names each refused file ("letter.pdf: not a PDF, JPEG or PNG file")."""
    name, sep, problem = message.rpartition(": ")
    if not sep:
        name, problem = "", message
    if "at least one file" in problem:
        return _("Choose at least one file to send.")
    if "at most" in problem:
        return _("Send at most %(count)d files.", count=MAX_FILES)
    if "empty" in problem:
        return _("%(name)s is empty. Choose the file again.", name=name or _("A file"))
    if "larger than" in problem:
        return _(
            "%(name)s is larger than %(size)d MB. Send a smaller copy.",
            name=name or _("A file"),
            size=MAX_BYTES // (1024 * 1024),
        )
    if "PDF, JPEG or PNG" in problem:
        return _("%(name)s is not a PDF, JPEG or PNG file.", name=name or _("A file"))
    return _("Check the documents you chose.")
