"""The text a constituent signs: the installation's default release in English and Spanish
(a template with four placeholders), and its rendering for one constituent (their name, the
agencies they tick, the day it ends, in their language). An office's own versions of it are
release_texts.py's."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Literal

from services.chassis.errors import ValidationFailed

Language = Literal["en", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "es")

PLACEHOLDERS = ("office_name", "constituent_name", "agencies", "expires_on")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


@dataclass(frozen=True)
class ReleaseTextTemplate:
    """A release's wording in one language and version; `{office_name}`, `{constituent_name}`,
    `{agencies}` and `{expires_on}` are filled in for each constituent. A text that leaves
    any out would not say who may do what until when, so it is refused."""

    version: str
    language: Language
    body: str

    def __post_init__(self) -> None:
        problems: dict[str, list[str]] = {}
        if self.language not in LANGUAGES:
            problems["language"] = ["a release text is in English (en) or Spanish (es)"]
        if not self.version.strip():
            problems["version"] = ["a release text needs a version"]
        missing = [name for name in PLACEHOLDERS if "{" + name + "}" not in self.body]
        if missing:
            problems["body"] = [
                "a release text must name " + ", ".join("{" + name + "}" for name in missing)
            ]
        if problems:
            raise ValidationFailed("this release text cannot be used", fields=problems)


@dataclass(frozen=True)
class RenderedReleaseText:
    """The exact text a constituent is shown and signs; `sha256` (hex, of its UTF-8) is the
    evidence of which text that was."""

    version: str
    language: Language
    text: str
    sha256: str


RELEASE_TEXT_VERSION = "2026-12"

_RELEASE_TEXT_EN = """\
I, {constituent_name}, ask {office_name} to help me with my request to the following federal \
agencies: {agencies}.

Under the Privacy Act of 1974 (5 U.S.C. 552a(b)), I authorize {office_name} and its staff to \
receive information and records about me and my request from these agencies, and to discuss \
my request with them. I authorize these agencies to release that information to {office_name}.

The office will use this information only to help me with this request. It will not share my \
information with anyone other than the agencies named above.

This release is valid until {expires_on}, unless I revoke it earlier. I can revoke it at any \
time by telling {office_name} in writing, by letter or email, or online where I signed it. \
Revoking it does not undo anything done before the office received my revocation.

Signing this release is voluntary. If I do not sign it, the office may not be able to get \
information about my request from the agencies.

A copy of this release, on paper or electronic, is as valid as the original.

By typing my full name and submitting this form, I sign this release electronically. My \
electronic signature has the same legal effect as my signature on paper."""

_RELEASE_TEXT_ES = """\
Yo, {constituent_name}, solicito la ayuda de {office_name} con mi trámite ante las siguientes \
agencias federales: {agencies}.

Conforme a la Ley de Privacidad de 1974 (5 U.S.C. 552a(b)), autorizo a {office_name} y a su \
personal a recibir de estas agencias información y documentos sobre mí y sobre mi trámite, y \
a hablar con ellas sobre mi trámite. Autorizo a estas agencias a entregar esa información a \
{office_name}.

La oficina usará esta información solamente para ayudarme con este trámite. No compartirá mi \
información con nadie más que las agencias aquí nombradas.

Esta autorización es válida hasta el {expires_on}, salvo que yo la revoque antes. Puedo \
revocarla en cualquier momento avisando por escrito a {office_name}, por carta o por correo \
electrónico, o en línea donde la firmé. La revocación no anula lo que se haya hecho antes de \
que la oficina la reciba.

Firmar esta autorización es voluntario. Si no la firmo, es posible que la oficina no pueda \
obtener de las agencias información sobre mi trámite.

Una copia de esta autorización, en papel o electrónica, tiene la misma validez que el original.

Al escribir mi nombre completo y enviar este formulario, firmo esta autorización \
electrónicamente. Mi firma electrónica tiene el mismo efecto legal que mi firma en papel."""

DEFAULT_RELEASE_TEXTS: Mapping[Language, ReleaseTextTemplate] = MappingProxyType(
    {
        "en": ReleaseTextTemplate(RELEASE_TEXT_VERSION, "en", _RELEASE_TEXT_EN),
        "es": ReleaseTextTemplate(RELEASE_TEXT_VERSION, "es", _RELEASE_TEXT_ES),
    }
)

_MONTHS: Mapping[Language, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}


def format_date(day: date, language: Language) -> str:
    """'December 3, 2027' or '3 de diciembre de 2027', whatever the machine's locale."""
    month = _MONTHS[language][day.month - 1]
    if language == "es":
        return f"{day.day} de {month} de {day.year}"
    return f"{month} {day.day}, {day.year}"


def join_names(names: Sequence[str], language: Language) -> str:
    """'A, B, and C' (the serial comma of US forms) or 'A, B y C' ('e' before an i sound:
    'Seguro Social e Inmigración')."""
    items = [name.strip() for name in names if name.strip()]
    if len(items) <= 1:
        return "".join(items)
    head, last = items[:-1], items[-1]
    if language == "es":
        return f"{', '.join(head)} {_spanish_and(last)} {last}"
    if len(items) == 2:
        return f"{head[0]} and {last}"
    return f"{', '.join(head)}, and {last}"


def _spanish_and(next_word: str) -> str:
    bare = "".join(
        char for char in unicodedata.normalize("NFD", next_word.lower()) if char.isalpha()
    )
    # "hie", "hia"... start with a consonant sound ("agua y hielo"): they keep "y".
    if bare.startswith("i") or (bare.startswith("hi") and bare[2:3] not in tuple("aeiou")):
        return "e"
    return "y"


def render_release_text(
    template: ReleaseTextTemplate,
    *,
    office_name: str,
    constituent_name: str,
    agency_names: Sequence[str],
    expires_on: date,
) -> RenderedReleaseText:
    """The template filled in for one constituent, and the SHA-256 of exactly that text.

    One pass over the four placeholders only: braces a name happens to contain are left as
    they are, and an office's own text cannot reach anything else (unlike `str.format`)."""
    values = {
        "office_name": " ".join(office_name.split()),
        "constituent_name": " ".join(constituent_name.split()),
        "agencies": join_names(agency_names, template.language),
        "expires_on": format_date(expires_on, template.language),
    }
    text = _PLACEHOLDER.sub(lambda match: values[match.group(1)], template.body)
    return RenderedReleaseText(
        version=template.version,
        language=template.language,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
