"""An office's own wording of the privacy release, per language: what its admin may save, and
the versions it keeps.

A text is the installation's kind of template (`ReleaseTextTemplate`): plain paragraphs,
separated by an empty line, with the four placeholders `{office_name}`, `{constituent_name}`,
`{agencies}` and `{expires_on}` filled in for each constituent. Every one of them must be in
the text (a release that leaves one out would not say who may do what until when), and no
other name in braces is accepted (a misspelt `{ofice_name}` would reach the constituent as it
is). Every save is a new version (`v1`, `v2`, ...); nothing is ever overwritten, so a signed
release keeps pointing at the text it was signed under. Going back to the default is a save of
the default's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from services.chassis.errors import ValidationFailed
from services.intake.domain.signed_text import (
    DEFAULT_RELEASE_TEXTS,
    LANGUAGES,
    PLACEHOLDERS,
    Language,
    ReleaseTextTemplate,
)

# Four times the default's length: room for an office's additions, not for a book.
MAX_RELEASE_TEXT_CHARS = 10_000
VERSION_PREFIX = "v"
_OWN_VERSION = re.compile(r"^v(\d{1,9})$")
# Anything that looks like a placeholder (`{name}`, `{ name }`, `{Office Name}`): only the
# four written exactly are filled in, so any other would reach the constituent as typed.
_BRACED = re.compile(r"\{\s*[A-Za-z_][A-Za-z0-9_ ]*\}")

PLACEHOLDER_MEANINGS: Mapping[Language, Mapping[str, str]] = MappingProxyType(
    {
        "en": {
            "office_name": "the office's name",
            "constituent_name": "the name the constituent gives",
            "agencies": "the agencies they tick, as a list ('A, B, and C')",
            "expires_on": "the day the release ends ('December 3, 2027')",
        },
        "es": {
            "office_name": "the office's name",
            "constituent_name": "the name the constituent gives",
            "agencies": "the agencies they tick, as a list ('A, B y C')",
            "expires_on": "the day the release ends ('3 de diciembre de 2027')",
        },
    }
)


@dataclass(frozen=True)
class ReleaseTextVersion:
    """One saved version of an office's release text in one language: who saved it, when."""

    version: str
    language: Language
    text: str
    created_at: datetime
    created_by: str | None

    @property
    def is_default(self) -> bool:
        """Word for word the installation's default text (what a reset saves)."""
        return self.text == DEFAULT_RELEASE_TEXTS[self.language].body


@dataclass(frozen=True)
class OfficeReleaseText:
    """An office's release text in one language as its admin sees it: the text the portal
    shows now (the office's latest version, or the default without one) and every version
    saved, newest first."""

    language: Language
    history: tuple[ReleaseTextVersion, ...]

    @property
    def current(self) -> ReleaseTextVersion | None:
        return self.history[0] if self.history else None

    @property
    def template(self) -> ReleaseTextTemplate:
        current = self.current
        if current is None:
            return DEFAULT_RELEASE_TEXTS[self.language]
        return ReleaseTextTemplate(current.version, self.language, current.text)

    @property
    def is_default(self) -> bool:
        current = self.current
        return current is None or current.is_default


def normalise(text: str) -> str:
    """The text as it is kept: a browser's textarea sends CRLF line ends and trailing spaces;
    the release's paragraphs are separated by one empty line, whatever was typed."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    paragraphs = re.split(r"\n{2,}", "\n".join(lines).strip("\n"))
    return "\n\n".join(part for part in paragraphs if part.strip())


def problems_with(text: str) -> dict[str, list[str]]:
    """What is wrong with a release text an admin wrote, under `text`; `{}` when it may be
    saved. Checks the text as it would be kept (`normalise`)."""
    kept = normalise(text)
    if not kept:
        return {"text": ["the release needs a text"]}
    if len(kept) > MAX_RELEASE_TEXT_CHARS:
        return {"text": [f"a release text is at most {MAX_RELEASE_TEXT_CHARS:,} characters"]}
    exact = {"{" + name + "}" for name in PLACEHOLDERS}
    problems = [
        f"{written} is not a placeholder of the release; the placeholders are "
        + ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        for written in sorted({found.group(0) for found in _BRACED.finditer(kept)})
        if written not in exact
    ]
    problems += [
        f"the release must name {{{name}}}" for name in PLACEHOLDERS if "{" + name + "}" not in kept
    ]
    return {"text": problems} if problems else {}


def check(language: str, text: str) -> tuple[Language, str]:
    """The language and the text to keep; ValidationFailed with each problem under its
    field."""
    problems: dict[str, list[str]] = {}
    if language not in LANGUAGES:
        problems["language"] = ["a release text is in English (en) or Spanish (es)"]
    problems |= problems_with(text)
    if problems:
        raise ValidationFailed("fix these and try again", fields=problems)
    chosen: Language = "es" if language == "es" else "en"
    return chosen, normalise(text)


def next_version(saved: Iterable[str]) -> str:
    """The version after every one saved: `v1` for an office's first text, then `v2`...
    Versions saved some other way (not `vN`) count too, so a number is never reused."""
    versions = list(saved)
    numbers = [int(found.group(1)) for v in versions if (found := _OWN_VERSION.match(v))]
    return f"{VERSION_PREFIX}{max([len(versions), *numbers]) + 1}"
