"""An office's own wording of the messages notify sends to constituents.

Every message has a default in each language (the files in `templates/`). An office admin may
replace the subject and body of any of them with the office's own, and the text (SMS) of those
sent by text; messages are then written from that. An office's wording is a Jinja2 template
filled in a sandbox: it may use only the fields its message is given (`FIELDS`; a text only
`TEXT_FIELDS`), cannot include other templates or reach anything beyond those fields, and is
checked against a full sample before it is saved. A wording that fails at send time all the
same is not the constituent's problem: the default is sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from services.contracts.vocabulary import CASE_RESULTS

MAX_SUBJECT_CHARS = 500
MAX_BODY_CHARS = 10_000
MAX_FILLED_CHARS = 40_000

# What every message is given (see templates/README.md).
COMMON = {
    "name": "the constituent's name",
    "office_name": "the office's name",
    "sender_name": "the name the email comes from (the office's name)",
    "tracking_code": "the request's tracking code",
    "reference": "the case's reference",
}
STATUS_URL = {"status_url": "the link to the request's status page"}
# Each editable message: the fields it may use, and those its body must use.
FIELDS: Mapping[str, Mapping[str, str]] = {
    "acknowledgement": {**COMMON, **STATUS_URL},
    "case_update": {**COMMON, **STATUS_URL, "note": "the caseworker's public note"},
    "documents_request": {
        **COMMON,
        **STATUS_URL,
        "documents": "the documents asked for, one a line, each after a dash",
        "note": "the caseworker's note with the request (may be empty)",
    },
    "status_update": {
        **COMMON,
        **STATUS_URL,
        "status": "the new state: waiting_on_agency or waiting_on_constituent",
    },
    "closure": {
        **COMMON,
        **STATUS_URL,
        "result": "the outcome: favourable, partly_favourable, unfavourable, "
        "referred_elsewhere, withdrawn or no_action_possible",
        "survey_url": "the satisfaction survey's page; add ?rating=5 (or 4, 3, 2, 1) for a "
        "one-click answer. Empty for a case closed before surveys were sent",
    },
    "status_code": {
        **COMMON,
        "code": "the one-time code (never in the subject)",
        "minutes": "how many minutes the code works for",
    },
}
REQUIRED: Mapping[str, frozenset[str]] = {
    "acknowledgement": frozenset({"tracking_code"}),
    "case_update": frozenset({"note"}),
    "documents_request": frozenset({"documents"}),
    "status_update": frozenset(),
    "closure": frozenset(),
    "status_code": frozenset({"code"}),
}
# Never in a subject: subjects show on lock screens and in mail logs.
NOT_IN_SUBJECT = frozenset({"code"})
MESSAGE_LABELS = {
    "acknowledgement": "Acknowledgement of a new request",
    "case_update": "Public note",
    "documents_request": "Request for documents",
    "status_update": "Status update",
    "closure": "Case closed",
    "status_code": "Status page code",
}
# Texts (SMS): two segments of plain text at most, the line that says how to stop texts
# included; an office's name is shortened to fit.
TEXT_LENGTH = 320
OFFICE_NAME_LENGTH = 40
MAX_TEXT_CHARS = 2_000
# The messages sent by text to a constituent who chose texts (each has a `.sms.txt` template).
TEXT_MESSAGES = ("acknowledgement", "case_update", "documents_request", "status_update", "closure")
# What a text says beyond the case's codes, and every value it can take (never a note's text,
# a name or the documents asked for: the status page has them, and a phone's lock screen shows
# a text to whoever holds it).
SAID_IN_TEXTS: Mapping[str, tuple[str, ...]] = {
    "status_update": ("status",),
    "closure": ("result",),
}
SAID_VALUES: Mapping[str, tuple[str, ...]] = {
    "status": ("waiting_on_agency", "waiting_on_constituent"),
    "result": CASE_RESULTS,
}
TEXT_FIELDS: Mapping[str, Mapping[str, str]] = {
    message: {
        "office_name": f"the office's name (shortened to {OFFICE_NAME_LENGTH} characters)",
        "tracking_code": COMMON["tracking_code"],
        **STATUS_URL,
        **{name: FIELDS[message][name] for name in SAID_IN_TEXTS.get(message, ())},
    }
    for message in TEXT_MESSAGES
}
# A text without its link would leave the constituent nowhere to read what happened.
TEXT_REQUIRED = frozenset(STATUS_URL)
SAMPLE: Mapping[str, Any] = {
    "name": "María López",
    "office_name": "Office of Rep. Ana Lopez",
    "sender_name": "Office of Rep. Ana Lopez",
    "tracking_code": "K7QX-M2PD",
    "reference": "CW-2026-000042",
    "status_url": "https://portal.example.gov/o/rep-lopez/status?tracking=K7QX-M2PD",
    "note": "The passport agency has your application and will print it this week.",
    "documents": "- Denial letter of March 3\n- DD-214 (both pages)",
    "status": "waiting_on_agency",
    "result": "favourable",
    "survey_url": "https://portal.example.gov/o/rep-lopez/rate/q3Jx9sTzWvB2mN7kLp4dRfGh",
    "code": "482913",
    "minutes": 15,
}


@dataclass(frozen=True)
class Wording:
    """An office's subject and body of one message in one language, and its text (None: the
    default text, or a message never sent by text)."""

    message: str
    language: str
    subject: str
    body: str
    updated_at: datetime
    updated_by: str
    text: str | None = None


class WordingFailed(Exception):
    """An office's wording could not be filled in; the message says where and why."""


def _environment() -> ImmutableSandboxedEnvironment:
    environment = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )
    environment.globals = {}
    return environment


_ENVIRONMENT = _environment()


@lru_cache(maxsize=512)
def _compile(source: str) -> Template:
    return _ENVIRONMENT.from_string(source)


def fill(source: str, context: Mapping[str, Any]) -> str:
    """The wording filled in, or WordingFailed naming the line that failed."""
    try:
        template = _compile(source)
    except TemplateSyntaxError as error:
        raise WordingFailed(f"line {error.lineno}: {error.message}") from error
    size, parts = 0, []
    try:
        for part in template.generate(**context):
            size += len(part)
            if size > MAX_FILLED_CHARS:
                raise WordingFailed(f"the message would be over {MAX_FILLED_CHARS:,} characters")
            parts.append(part)
    except WordingFailed:
        raise
    except TypeError as error:
        if "loader" in str(error):
            raise WordingFailed("a message cannot include another template") from error
        raise WordingFailed(str(error)) from error
    except TemplateError as error:
        raise WordingFailed(error.message or type(error).__name__) from error
    except Exception as error:  # anything a template does wrong is the template's
        raise WordingFailed(str(error) or type(error).__name__) from error
    return "".join(parts)


def check(message: str, subject: str, body: str) -> dict[str, list[str]]:
    """What is wrong with an office's wording of `message`, per part; `{}` when it fills in
    with every field of a sample."""
    if message not in FIELDS:
        return {"message": [f"{message!r} is not a message an office words"]}
    problems: dict[str, list[str]] = {}
    allowed = set(FIELDS[message])
    for part, source, limit, required, forbidden in (
        ("subject", subject, MAX_SUBJECT_CHARS, frozenset(), NOT_IN_SUBJECT),
        ("body", body, MAX_BODY_CHARS, REQUIRED[message], frozenset()),
    ):
        found = _check_part(part, source, limit, allowed - forbidden, required)
        if found:
            problems[part] = found
    return problems


def check_text(message: str, text: str, *, stop_line: str, status_url: str) -> dict[str, list[str]]:
    """What is wrong with an office's text of `message` (`{"text": [...]}`); `{}` when it fills
    in with every value its fields can take and, with the longest of them (the office's link
    `status_url`) and the `stop_line` after it, fits in a text."""
    if message not in TEXT_FIELDS:
        return {"text": ["this message is not sent by text"]}
    allowed = set(TEXT_FIELDS[message])
    found = _check_part("text", text, MAX_TEXT_CHARS, allowed, TEXT_REQUIRED)
    if found:
        return {"text": found}
    longest = 0
    for values in _text_samples(message, status_url):
        try:
            longest = max(longest, len(with_stop_line(fill(text, values), stop_line)))
        except WordingFailed as failed:
            return {"text": [str(failed)]}
    if longest > TEXT_LENGTH:
        return {
            "text": [
                f"with a {OFFICE_NAME_LENGTH}-character office name and the STOP line the text "
                f"can be {longest} characters: a text is at most {TEXT_LENGTH}"
            ]
        }
    return {}


def with_stop_line(text: str, stop_line: str) -> str:
    """A text as it is sent: the line that says how to stop texts after it, always."""
    return f"{text.strip()}\n{stop_line.strip()}"


def _text_samples(message: str, status_url: str) -> Iterator[dict[str, Any]]:
    """The fields of a text at their longest, with each value of what it says (a wording may
    say more for one outcome than another)."""
    base = {
        "office_name": "O" * OFFICE_NAME_LENGTH,
        "tracking_code": SAMPLE["tracking_code"],
        "status_url": status_url,
    }
    said = SAID_IN_TEXTS.get(message, ())
    if not said:
        yield base
    for name in said:
        for value in SAID_VALUES[name]:
            yield {**base, name: value}


def _check_part(
    part: str, source: str, limit: int, allowed: set[str], required: frozenset[str]
) -> list[str]:
    if not source.strip():
        return [f"the message needs a {part}"]
    if len(source) > limit:
        return [f"a {part} is at most {limit:,} characters"]
    if part == "subject" and ("\n" in source.strip() or "\r" in source):
        return ["a subject is one line"]
    try:
        tree = _ENVIRONMENT.parse(source)
    except TemplateSyntaxError as error:
        return [f"line {error.lineno}: {error.message}"]
    used = set(_fields_read(tree))
    problems = [
        f"{{{{ {name} }}}} is not a field of this message" for name in sorted(used - allowed)
    ]
    problems += [f"it must use {{{{ {name} }}}}" for name in sorted(required - used)]
    if problems:
        return problems
    try:
        fill(source, SAMPLE)
    except WordingFailed as failed:
        return [str(failed)]
    return []


def _fields_read(tree: nodes.Template) -> Iterator[str]:
    bound = {name.name for name in tree.find_all(nodes.Name) if name.ctx in ("store", "param")}
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in bound:
            yield name.name
