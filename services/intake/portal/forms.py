"""The request form as the JSON API's body: form fields in, the submission dict out (loaded by
the API's own `SubmissionSchema`, so both refuse the same things under the same field
paths), and the way back: each refused field path to the form field it came from, with a
message in the page's language that says what to do.

Identifiers are never sent back into a re-rendered form; the constituent types them again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from services.intake.domain.attachments import MAX_BYTES, MAX_FILES, Upload
from services.intake.portal.i18n import IDENTIFIER_LABELS

IDENTIFIER_FIELDS = (
    "ssn",
    "ssn_last4",
    "date_of_birth",
    "claim_number",
    "receipt_number",
    "a_number",
    "va_file_number",
)
# The form's sections in page order, named once for what it keeps and the order it reports in.
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "address_city",
    "address_state",
    "address_postal_code",
)
REQUEST_FIELDS = (
    "category",
    "agency",
    "subject",
    "description",
    "outcome",
    "urgent",
    "urgency_reason",
)
# What the form keeps when it is shown again after an error (never identifiers or files).
KEPT_FIELDS = (
    *CONTACT_FIELDS,
    "preferred_language",
    "preferred_channel",
    *REQUEST_FIELDS,
    "release_wanted",
    "signature_name",
)
HONEYPOT = "website"
OUTCOME_HEADING = "Outcome wanted:"

# The form field a JSON path is reported on, and its label (the error summary names it).
FIELD_OF_PATH = {
    "constituent.first_name": "first_name",
    "constituent.last_name": "last_name",
    "constituent.email": "email",
    "constituent.phone": "phone",
    "constituent.address": "address_line1",
    "constituent.address.line1": "address_line1",
    "constituent.address.line2": "address_line2",
    "constituent.address.city": "address_city",
    "constituent.address.state": "address_state",
    "constituent.address.postal_code": "address_postal_code",
    "constituent.preferred_language": "preferred_language",
    "constituent.preferred_channel": "preferred_channel",
    "constituent": "first_name",
    "category": "category",
    "agency": "agency",
    "subject": "subject",
    "description": "description",
    "urgent": "urgent",
    "urgency_reason": "urgency_reason",
    "attachments": "attachments",
    "privacy_release": "release_wanted",
    "privacy_release.signed": "release_consent",
    "privacy_release.signature_name": "signature_name",
    "privacy_release.agencies": "release_agencies",
    "privacy_release.identifiers": "ssn",
    "privacy_release.language": "release_consent",
    "privacy_release.text_version": "release_consent",
    "privacy_release.text_sha256": "release_consent",
    **{f"privacy_release.identifiers.{kind}": kind for kind in IDENTIFIER_FIELDS},
    # The status and release pages.
    "tracking_code": "tracking_code",
    "code": "code",
    "last_name": "last_name",
    "postal_code": "postal_code",
    "agencies": "release_agencies",
    "signature_name": "signature_name",
    "signed": "release_consent",
    # Documents sent from the status page.
    "message": "message",
    **{f"identifiers.{kind}": kind for kind in IDENTIFIER_FIELDS},
}

FIELD_LABELS = {
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "email": _l("Email address"),
    "phone": _l("Phone number"),
    "address_line1": _l("Street address"),
    "address_line2": _l("Apartment, suite or unit"),
    "address_city": _l("City or town"),
    "address_state": _l("State"),
    "address_postal_code": _l("ZIP code"),
    "postal_code": _l("ZIP code"),
    "preferred_language": _l("Language for our letters and emails"),
    "preferred_channel": _l("How should we contact you?"),
    "category": _l("What is your request about?"),
    "agency": _l("Which federal agency is involved?"),
    "subject": _l("Your request in a few words"),
    "description": _l("What happened?"),
    "outcome": _l("What would you like to happen?"),
    "urgent": _l("This is urgent"),
    "urgency_reason": _l("Why is it urgent?"),
    "attachments": _l("Documents"),
    "release_wanted": _l("Privacy release"),
    "release_agencies": _l("Agencies you allow us to contact"),
    "release_consent": _l("I have read the release and I agree"),
    "signature_name": _l("Type your full name to sign"),
    "tracking_code": _l("Tracking code"),
    "code": _l("Code from the email"),
    "message": _l("Message to your caseworker"),
    "general": _l("Your request"),
    **IDENTIFIER_LABELS,
}

FIELD_ORDER = (
    "general",
    *CONTACT_FIELDS,
    "postal_code",
    "preferred_language",
    "preferred_channel",
    *REQUEST_FIELDS,
    "attachments",
    "release_wanted",
    "release_agencies",
    *IDENTIFIER_FIELDS,
    "signature_name",
    "release_consent",
    "tracking_code",
    "code",
    "message",
)


def _text(form: Mapping[str, str], name: str) -> str | None:
    """A typed value, or None when left empty (the schema's "not given")."""
    value = form.get(name, "")
    return value if value.strip() else None


def _put(target: dict[str, Any], name: str, value: Any) -> None:
    if value is not None:
        target[name] = value


def submission_body(form: Mapping[str, str], *, release: dict[str, Any] | None) -> dict[str, Any]:
    """The form as the JSON API's submission body: empty fields left out (a required one is
    then "missing"), the address only when some part of it was typed, "what you want" after
    "what happened"."""
    constituent: dict[str, Any] = {}
    _put(constituent, "first_name", _text(form, "first_name"))
    _put(constituent, "last_name", _text(form, "last_name"))
    _put(constituent, "email", _text(form, "email"))
    _put(constituent, "phone", _text(form, "phone"))
    parts = {
        "line1": _text(form, "address_line1"),
        "line2": _text(form, "address_line2"),
        "city": _text(form, "address_city"),
        "state": _text(form, "address_state"),
        "postal_code": _text(form, "address_postal_code"),
    }
    if any(parts.values()):
        constituent["address"] = {key: value for key, value in parts.items() if value is not None}
    _put(constituent, "preferred_language", _text(form, "preferred_language"))
    _put(constituent, "preferred_channel", _text(form, "preferred_channel"))
    body: dict[str, Any] = {"constituent": constituent}
    _put(body, "category", _text(form, "category"))
    _put(body, "agency", _text(form, "agency"))
    _put(body, "subject", _text(form, "subject"))
    if _text(form, "description") is not None:
        body["description"] = description_of(form["description"], form.get("outcome", ""))
    body["urgent"] = form.get("urgent") == "yes"
    if body["urgent"]:
        _put(body, "urgency_reason", _text(form, "urgency_reason"))
    if release is not None:
        body["privacy_release"] = release
    return body


def description_of(happened: str, outcome: str) -> str:
    """One description, as the API takes it: what happened, then (under a heading staff read
    in English, whatever the page language) what the constituent wants."""
    if not outcome.strip():
        return happened
    return f"{happened.rstrip()}\n\n{OUTCOME_HEADING}\n{outcome.strip()}"


US_DATE = re.compile(r"^\s*([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})\s*$")


def iso_date(typed: str) -> str:
    """A date as people in the US write it (04/23/1980) in the API's form (1980-04-23);
    anything else as typed, for the schema to judge."""
    found = US_DATE.match(typed)
    if found is None:
        return typed.strip()
    month, day, year = found.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def release_body(
    form: Mapping[str, str],
    *,
    agencies: list[str],
    signature_name: str,
    language: str,
) -> dict[str, Any]:
    """The release section as the API's `privacy_release` (identifiers left empty dropped)."""
    identifiers = {
        kind: value.strip() for kind in IDENTIFIER_FIELDS if (value := form.get(kind, "")).strip()
    }
    if "date_of_birth" in identifiers:
        identifiers["date_of_birth"] = iso_date(identifiers["date_of_birth"])
    release: dict[str, Any] = {
        "signed": form.get("release_consent") == "yes",
        "signature_name": signature_name,
        "agencies": agencies,
        "identifiers": identifiers,
        "language": language,
        "text_version": form.get("release_text_version", ""),
    }
    sha256 = form.get("release_text_sha256", "")
    if sha256:
        release["text_sha256"] = sha256
    return release


def uploads(files: Iterable[FileStorage]) -> tuple[Upload, ...]:
    """The files chosen (a file input left empty sends one nameless, empty part)."""
    chosen = []
    for upload in files:
        if not upload.filename:
            continue
        # Read at most one byte over the limit: intake refuses the file, no need for more.
        content = upload.stream.read(MAX_BYTES + 1)
        chosen.append(Upload(filename=upload.filename, content=content))
    return tuple(chosen)


def too_many_files(files: Iterable[FileStorage]) -> bool:
    return sum(1 for upload in files if upload.filename) > MAX_FILES


def kept_values(form: Mapping[str, str]) -> dict[str, str]:
    return {name: form.get(name, "") for name in KEPT_FIELDS}
