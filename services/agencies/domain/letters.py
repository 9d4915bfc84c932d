"""Letters to agencies: templates written by an office, checked when saved (an unknown field or
a syntax error is refused then, with its line, never at send time), filled in for a case and
redacted before anything leaves the office. The fields a template reads are `letter_fields`,
the redaction rules `redaction`.

Templates are Jinja2 in an immutable sandbox with `StrictUndefined`: an office admin may write
them, so they can read the fields below and nothing else, and cannot change what they read.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from services.agencies.domain.letter_fields import FIELDS, SAMPLE_CONTEXT, text_of
from services.agencies.domain.redaction import (
    NOTES_LEFT_OUT,
    SSN_MASKED,
    Redaction,
    mask_ssns,
    redacted_context,
)
from services.chassis.errors import ValidationFailed

MAX_TEMPLATE_CHARS = 20_000
MAX_SUBJECT_CHARS = 300
# A template that loops its way past this is broken, not a letter.
MAX_RENDERED_CHARS = 200_000
MAX_RANGE = 1_000
_TEMPLATE_NAME = "<template>"

# Top-level names a template may read: the groups of dotted fields, and plain fields.
_GROUPS = frozenset(name.split(".")[0] for name in FIELDS if "." in name)
_PLAIN = frozenset(name for name in FIELDS if "." not in name)
# Names Jinja itself provides inside loops, macros and calls.
_JINJA_NAMES = frozenset({"loop", "caller", "varargs", "kwargs", "self", "super"})


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


def render_letter(
    subject: str, body: str, context: Mapping[str, Any], redaction: Redaction
) -> LetterText:
    """The letter filled in for `context` (from `letter_context`), redacted by the office's
    rules: SSNs masked in every field and in the finished text, public notes left out unless
    allowed. `redactions` lists what that changed in this letter.

    Refuses with `ValidationFailed` (naming `subject` or `body` and the line) when a template
    cannot be filled in for this case, which the check when it was saved makes rare."""
    final = redacted_context(
        context, mask_ssn=redaction.mask_ssn, notes=redaction.include_public_notes
    )
    known = text_of(context.get("identifiers", {}).get("ssn"))
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
    known = text_of(context.get("identifiers", {}).get("ssn"))
    try:
        text = _render_both(
            subject, body, redacted_context(context, mask_ssn=mask_ssn, notes=notes)
        )
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
