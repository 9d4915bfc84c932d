"""Letters to agencies: templates written by an office, checked when saved (an unknown field or
a syntax error is refused then, with its line, never at send time), filled in for a case and
redacted before anything leaves the office.

Templates are Jinja2 in an immutable sandbox with `StrictUndefined`: an office admin may write
them, so they can read the fields below and nothing else, and cannot change what they read.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from services.chassis.errors import ValidationFailed

MAX_TEMPLATE_CHARS = 20_000
MAX_SUBJECT_CHARS = 300
# A template that loops its way past this is broken, not a letter.
MAX_RENDERED_CHARS = 200_000
MAX_RANGE = 1_000
_TEMPLATE_NAME = "<template>"

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

# Top-level names a template may read: the groups of dotted fields, and plain fields.
_GROUPS = frozenset(name.split(".")[0] for name in FIELDS if "." in name)
_PLAIN = frozenset(name for name in FIELDS if "." not in name)
# Names Jinja itself provides inside loops, macros and calls.
_JINJA_NAMES = frozenset({"loop", "caller", "varargs", "kwargs", "self", "super"})
_IDENTIFIERS = (
    "ssn",
    "ssn_last4",
    "date_of_birth",
    "claim_number",
    "uscis_receipt",
    "a_number",
    "va_file_number",
)
SSN_MASKED = "SSN masked to its last four"
NOTES_LEFT_OUT = "public notes left out"


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


@dataclass(frozen=True)
class Redaction:
    """The office's rules for what leaves it: SSNs masked to their last four (in fields and
    in any free text), and whether public notes may appear in a letter."""

    mask_ssn: bool = True
    include_public_notes: bool = True


@dataclass(frozen=True)
class LetterText:
    """A filled-in letter: exactly what is previewed, approved and sent, and what was
    redacted from it."""

    subject: str
    body: str
    redactions: tuple[str, ...]


# -- the sandbox ---------------------------------------------------------------------------


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise OverflowError(f"a loop in a letter may run at most {MAX_RANGE} times")
    return numbers


def _environment() -> ImmutableSandboxedEnvironment:
    environment = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals = {"range": _bounded_range}
    return environment


_ENVIRONMENT = _environment()


@lru_cache(maxsize=256)
def _compile(source: str) -> Template:
    return _ENVIRONMENT.from_string(source)


class _TemplateFailed(Exception):
    """A template could not be filled in; `problem` says where and why."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _fill(source: str, context: Mapping[str, Any]) -> str:
    """The template filled in, or `_TemplateFailed` naming the line that failed."""
    try:
        template = _compile(source)
    except TemplateSyntaxError as error:
        raise _TemplateFailed(f"line {error.lineno}: {error.message}") from error
    parts: list[str] = []
    size = 0
    try:
        for part in template.generate(**context):
            size += len(part)
            if size > MAX_RENDERED_CHARS:
                raise _TemplateFailed(
                    f"the letter would be longer than {MAX_RENDERED_CHARS:,} characters"
                )
            parts.append(part)
    except _TemplateFailed:
        raise
    except Exception as error:  # any failure inside a template is the template's
        raise _TemplateFailed(f"line {_template_line(error)}: {_describe(error)}") from error
    return "".join(parts)


def _template_line(error: BaseException) -> int:
    """The template line a runtime error came from (Jinja maps its frames onto the source)."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename == _TEMPLATE_NAME
    ]
    return frames[-1].lineno or 1 if frames else 1


def _describe(error: BaseException) -> str:
    if isinstance(error, TemplateError) and error.message:
        return error.message
    if isinstance(error, TypeError) and "loader" in str(error):
        return "a letter cannot include or extend another template"
    return str(error) or type(error).__name__


# -- checking a template -------------------------------------------------------------------


def check_template(subject: str, body: str) -> dict[str, list[str]]:
    """What is wrong with a template, per part (`subject`, `body`), each with its line;
    `{}` when it fills in. Checked against every field filled (`SAMPLE_CONTEXT`), and read
    for fields that branches not taken would use."""
    problems: dict[str, list[str]] = {}
    for part, source, limit in (
        ("subject", subject, MAX_SUBJECT_CHARS),
        ("body", body, MAX_TEMPLATE_CHARS),
    ):
        found = _check_part(part, source, limit)
        if found:
            problems[part] = found
    return problems


def _check_part(part: str, source: str, limit: int) -> list[str]:
    if not source.strip():
        return [f"the letter needs a {part}"]
    if len(source) > limit:
        return [f"a {part} is at most {limit:,} characters"]
    try:
        tree = _ENVIRONMENT.parse(source)
    except TemplateSyntaxError as error:
        return [f"line {error.lineno}: {error.message}"]
    unknown = list(_unknown_fields(tree))
    if unknown:
        return unknown
    try:
        _fill(source, SAMPLE_CONTEXT)
    except _TemplateFailed as failed:
        return [failed.problem]
    return []


def _unknown_fields(tree: nodes.Template) -> Iterator[str]:
    """Every field a template reads that is not in `FIELDS`, in line order, once each."""
    bound = {name.name for name in tree.find_all(nodes.Name) if name.ctx in ("store", "param")} | {
        macro.name for macro in tree.find_all(nodes.Macro)
    }
    known = _GROUPS | _PLAIN | _JINJA_NAMES | set(_ENVIRONMENT.globals) | bound
    found: list[tuple[int, str]] = []
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in known:
            found.append((name.lineno, name.name))
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        field = _group_field(node, bound)
        if field is not None and field not in FIELDS:
            found.append((node.lineno, field))
    seen: set[str] = set()
    for line, field in sorted(found):
        if field not in seen:
            seen.add(field)
            yield f"line {line}: unknown field '{field}'"


def _group_field(node: nodes.Node, bound: set[str]) -> str | None:
    """ "case.colour" for `case.colour` or `case['colour']`; None for anything else."""
    target = getattr(node, "node", None)
    if not isinstance(target, nodes.Name) or target.name not in _GROUPS or target.name in bound:
        return None
    if isinstance(node, nodes.Getattr):
        return f"{target.name}.{node.attr}"
    argument = getattr(node, "arg", None)
    if isinstance(argument, nodes.Const) and isinstance(argument.value, str):
        return f"{target.name}.{argument.value}"
    return None


# -- the context ---------------------------------------------------------------------------


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
    ssn = _text(identifiers.get("ssn"))
    last4 = _text(identifiers.get("ssn_last4")) or (_digits(ssn)[-4:] if ssn else "")
    return {
        "case": {
            "reference": _text(case.get("reference")),
            "subject": _text(case.get("subject")),
            "category": _text(case.get("category")),
            "opened_on": _date_or_text(case.get("opened_on")),
            "description": _text(case.get("description")),
            "public_notes": Notes(_text(note) for note in case.get("public_notes") or ()),
        },
        "constituent": {
            "name": _text(constituent.get("name")),
            "address_lines": Lines(_text(line) for line in constituent.get("address_lines") or ()),
            "email": _text(constituent.get("email")),
            "phone": _text(constituent.get("phone")),
        },
        "identifiers": {
            **{key: _date_or_text(identifiers.get(key)) for key in _IDENTIFIERS},
            "ssn": ssn,
            "ssn_last4": last4,
            # Intake calls a USCIS receipt number `receipt_number`.
            "uscis_receipt": _text(
                identifiers.get("uscis_receipt") or identifiers.get("receipt_number")
            ),
        },
        "agency": {
            "name": _text(agency.get("name")),
            "liaison_office": _text(agency.get("liaison_office")),
        },
        "contact": {
            "name": _text((contact or {}).get("name")),
            "programme": _text((contact or {}).get("programme")),
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


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date_or_text(value: Any) -> Any:
    if isinstance(value, date):
        return LetterDate.of(value)
    text = _text(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return LetterDate.of(date.fromisoformat(text))
        except ValueError:
            return text
    return text


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# -- redaction -----------------------------------------------------------------------------

# 123-45-6789, 123 45 6789, 123.45.6789: the same separator twice, not inside a longer number.
_SEPARATED_SSN = re.compile(r"(?<!\d)(?<!\d-)(\d{3})([- .])(\d{2})\2(\d{4})(?!\d)(?!-\d)")
# 123456789 is only clearly an SSN when labelled as one ("SSN 123456789", "Social Security
# number: 123456789"); a bare nine-digit number may be a receipt or file number.
_LABELLED_SSN = re.compile(
    r"(?i)(\b(?:ssn|ss\s?#|ss\s?no|soc(?:ial)?\.?\s*sec(?:urity)?)\b[^\d\n]{0,30}?)"
    r"(?<!\d)(\d{3})(\d{2})(\d{4})(?!\d)"
)


def mask_ssns(text: str, known_ssn: str = "") -> str:
    """`text` with every SSN printed as XXX-XX-1234: the constituent's own wherever it
    appears (claim and file numbers are often built on it), and anything written like one."""
    digits = _digits(known_ssn)
    if len(digits) == 9:
        own = re.compile(rf"(?<!\d){digits[:3]}[- .]?{digits[3:5]}[- .]?{digits[5:]}(?!\d)")
        text = own.sub(f"XXX-XX-{digits[5:]}", text)
    text = _SEPARATED_SSN.sub(lambda match: f"XXX-XX-{match.group(4)}", text)
    return _LABELLED_SSN.sub(lambda match: f"{match.group(1)}XXX-XX-{match.group(4)}", text)


def _redacted(value: Any, known_ssn: str) -> Any:
    """The value with SSNs masked, its shape (dicts, lists, dates) kept."""
    if isinstance(value, Mapping):
        return {key: _redacted(item, known_ssn) for key, item in value.items()}
    if isinstance(value, Lines):
        return type(value)(_redacted(item, known_ssn) for item in value)
    if isinstance(value, list | tuple):
        return type(value)(_redacted(item, known_ssn) for item in value)
    if isinstance(value, str):
        return mask_ssns(value, known_ssn)
    return value


def _apply(context: Mapping[str, Any], *, mask_ssn: bool, notes: bool) -> dict[str, Any]:
    known = _text(context.get("identifiers", {}).get("ssn"))
    result = dict(context)
    if not notes and isinstance(result.get("case"), Mapping):
        result["case"] = {**result["case"], "public_notes": Notes()}
    return _redacted(result, known) if mask_ssn else result


def render_letter(
    subject: str, body: str, context: Mapping[str, Any], redaction: Redaction
) -> LetterText:
    """The letter filled in for `context` (from `letter_context`), redacted by the office's
    rules: SSNs masked in every field and in the finished text, public notes left out unless
    allowed. `redactions` lists what that changed in this letter.

    Refuses with `ValidationFailed` (naming `subject` or `body` and the line) when a template
    cannot be filled in for this case, which the check when it was saved makes rare."""
    final = _apply(context, mask_ssn=redaction.mask_ssn, notes=redaction.include_public_notes)
    known = _text(context.get("identifiers", {}).get("ssn"))
    text = _render_both(subject, body, final)
    if redaction.mask_ssn:
        text = (_one_line(mask_ssns(text[0], known)), mask_ssns(text[1], known))
    return LetterText(text[0], text[1], _what_changed(subject, body, context, redaction, text))


def _render_both(subject: str, body: str, context: Mapping[str, Any]) -> tuple[str, str]:
    problems: dict[str, list[str]] = {}
    rendered: dict[str, str] = {}
    for part, source in (("subject", subject), ("body", body)):
        try:
            rendered[part] = _fill(source, context)
        except _TemplateFailed as failed:
            problems[part] = [failed.problem]
    if problems:
        raise ValidationFailed("The letter template cannot be filled in for this case", problems)
    return _one_line(rendered["subject"]), _tidy(rendered["body"])


def _what_changed(
    subject: str,
    body: str,
    context: Mapping[str, Any],
    redaction: Redaction,
    final: tuple[str, str],
) -> tuple[str, ...]:
    """Which redactions changed this letter: the letter is filled in again without each one."""
    changes: list[str] = []
    if redaction.mask_ssn:
        unmasked = _variant(
            subject, body, context, mask_ssn=False, notes=redaction.include_public_notes
        )
        if unmasked != final:
            changes.append(SSN_MASKED)
    notes = context.get("case", {}).get("public_notes") or ()
    if not redaction.include_public_notes and notes:
        with_notes = _variant(subject, body, context, mask_ssn=redaction.mask_ssn, notes=True)
        if with_notes != final:
            changes.append(f"{NOTES_LEFT_OUT} ({len(notes)})")
    return tuple(changes)


def _variant(
    subject: str, body: str, context: Mapping[str, Any], *, mask_ssn: bool, notes: bool
) -> tuple[str, str] | None:
    known = _text(context.get("identifiers", {}).get("ssn"))
    try:
        text = _render_both(subject, body, _apply(context, mask_ssn=mask_ssn, notes=notes))
    except ValidationFailed:
        return None
    if mask_ssn:
        return _one_line(mask_ssns(text[0], known)), mask_ssns(text[1], known)
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _tidy(text: str) -> str:
    """Trailing spaces off every line, and no blank lines before or after the letter."""
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(lines).strip("\n")


# -- the sample and the defaults -----------------------------------------------------------

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

_SALUTATION = '{{ contact.name or "Congressional Liaison" }}'
_STAFF_CONTACT = (
    "{{ caseworker.name }} of my staff"
    "{% if office.phone and office.email %} at {{ office.phone }} or {{ office.email }}"
    "{% elif office.phone %} at {{ office.phone }}"
    "{% elif office.email %} at {{ office.email }}{% endif %}"
)
# The caseworker's own paragraph, when they wrote one, before the letter's thanks.
_EXTRA = """{% if extra_text %}

{{ extra_text }}
{% endif %}"""
_CLOSING = """Sincerely,



{{ office.member_name or office.name }}
{% if office.member_name %}
Member of Congress
{% endif %}"""

_INQUIRY_BODY = f"""Dear {_SALUTATION},

I am writing on behalf of my constituent, {{{{ constituent.name }}}}, who has contacted my office \
for assistance regarding {{{{ case.subject }}}}.
{{% if case.description %}}

In {{{{ constituent.name }}}}'s words: "{{{{ case.description }}}}"
{{% endif %}}

Enclosed is a privacy release signed by {{{{ constituent.name }}}} authorizing the \
{{{{ agency.name }}}} to discuss this matter with my office and to release information to my \
office. To help you locate the records:

Name: {{{{ constituent.name }}}}
{{% if constituent.address_lines %}}
Address: {{{{ constituent.address_lines | join(", ") }}}}
{{% endif %}}
{{% if identifiers.date_of_birth %}}
Date of birth: {{{{ identifiers.date_of_birth }}}}
{{% endif %}}
{{% if identifiers.ssn %}}
Social Security number: {{{{ identifiers.ssn }}}}
{{% endif %}}
{{% if identifiers.claim_number %}}
Claim number: {{{{ identifiers.claim_number }}}}
{{% endif %}}
{{% if identifiers.uscis_receipt %}}
USCIS receipt number: {{{{ identifiers.uscis_receipt }}}}
{{% endif %}}
{{% if identifiers.a_number %}}
A-number: {{{{ identifiers.a_number }}}}
{{% endif %}}
{{% if identifiers.va_file_number %}}
VA file number: {{{{ identifiers.va_file_number }}}}
{{% endif %}}

I would appreciate your looking into this matter and providing my office with a response on \
its current status and any action your agency is able to take. Please reference case \
{{{{ case.reference }}}} in your reply, and direct any questions to {_STAFF_CONTACT}.
{_EXTRA}

Thank you for your attention to this matter. I look forward to your reply.

{_CLOSING}

Enclosure: privacy release
"""

_FOLLOW_UP_BODY = f"""Dear {_SALUTATION},

I recently wrote to your office on behalf of my constituent, {{{{ constituent.name }}}}, \
regarding {{{{ case.subject }}}} (our case {{{{ case.reference }}}}). To date my office has not \
received a final response, and the time your agency indicated for a reply has now passed.

I would be grateful if you could let my office know the current status of this matter and \
when {{{{ constituent.name }}}} can expect a decision. If your agency needs further information \
or documents from my constituent, please tell us and my staff will help obtain them.
{_EXTRA}

Please reference case {{{{ case.reference }}}} in your reply, and direct any questions to \
{_STAFF_CONTACT}. Thank you for your prompt attention to this matter.

{_CLOSING}

Enclosure: privacy release
"""

_REFERRAL_BODY = f"""Dear {{{{ contact.name or "Colleague" }}}},

My office has been assisting my constituent, {{{{ constituent.name }}}}, with a matter \
regarding {{{{ case.subject }}}}. With my constituent's agreement, I am referring \
{{{{ constituent.name }}}} to {{{{ agency.name }}}}, as your organization is well placed to help.
{{% if case.description %}}

In {{{{ constituent.name }}}}'s words: "{{{{ case.description }}}}"
{{% endif %}}
{{% if constituent.phone or constituent.email %}}

{{{{ constituent.name }}}} can be reached\
{{% if constituent.phone %}} by phone at {{{{ constituent.phone }}}}{{% endif %}}\
{{% if constituent.phone and constituent.email %}} or{{% endif %}}\
{{% if constituent.email %}} by email at {{{{ constituent.email }}}}{{% endif %}}.
{{% endif %}}

I would be grateful for any help you can offer. If you need to reach my office about this \
referral, please reference case {{{{ case.reference }}}} and contact {_STAFF_CONTACT}.
{_EXTRA}

Thank you for the work you do for our community.

{_CLOSING}
"""

DEFAULT_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    (
        "Congressional inquiry",
        "Congressional inquiry on behalf of {{ constituent.name }} (our reference "
        "{{ case.reference }})",
        _INQUIRY_BODY,
    ),
    (
        "Follow-up",
        "Follow-up: congressional inquiry on behalf of {{ constituent.name }} (our reference "
        "{{ case.reference }})",
        _FOLLOW_UP_BODY,
    ),
    (
        "Referral",
        "Referral of {{ constituent.name }} from the office of "
        "{{ office.member_name or office.name }} (our reference {{ case.reference }})",
        _REFERRAL_BODY,
    ),
)


def template_fields(source: str) -> Iterable[str]:
    """The fields a template reads, in `FIELDS` order (for the template page's help)."""
    try:
        tree = _ENVIRONMENT.parse(source)
    except TemplateSyntaxError:
        return []
    used: set[str] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        field = _group_field(node, set())
        if field is not None:
            used.add(field)
    used |= {name.name for name in tree.find_all(nodes.Name) if name.name in _PLAIN}
    return [field for field in FIELDS if field in used]
