"""English and Spanish for the portal: the Spanish catalogue compiled from its `.po` when the
app is built (no build step, no `.mo` in the repository), the page language (a `?lang=`
choice, remembered in a cookie, else the browser's Accept-Language), and the words for the
shared vocabulary (categories, statuses, results, identifiers) in both languages."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, request
from flask_babel import Babel, format_date, get_locale
from flask_babel import lazy_gettext as _l

from services.intake.domain.agencies import agency_name

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "casework_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
CATALOGUES = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"


def compile_catalogue(language: str) -> Translations:
    """The `.po` of `language` as gettext translations, compiled in memory (fuzzy entries, a
    translator's unchecked guesses, are left out, as `msgfmt` does)."""
    with open(CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as po:
        catalogue = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def init_babel(app: Flask, timezone: str) -> Babel:
    """Flask-Babel with the page language chosen per request and the catalogues preloaded.

    Flask-Babel reads `.mo` files from disk on first use; its per-domain cache is filled here
    instead, with the catalogue compiled from the `.po`. English is the source language: its
    messages are the msgids themselves."""
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = timezone
    babel = Babel(app, locale_selector=page_language)
    with app.app_context():
        cache: dict[tuple[str, str], Any] = babel.domain_instance.cache
    cache[("en", DOMAIN)] = NullTranslations()
    cache[("es", DOMAIN)] = compile_catalogue("es")
    return babel


def chosen_language() -> str | None:
    """A language picked with the switch (`?lang=es`), if this request carries one."""
    wanted = request.args.get("lang")
    return wanted if wanted in LANGUAGES else None


def page_language() -> str:
    """`?lang=` first, then the remembered choice, then what the browser prefers."""
    chosen = chosen_language()
    if chosen:
        return chosen
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    if remembered in LANGUAGES:
        return remembered  # type: ignore[return-value]
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else "en"


def other_language() -> str:
    return "es" if current_language() == "en" else "en"


# Each language's name in itself: the switch offers "Español" to an English page.
LANGUAGE_NAMES = {"en": "English", "es": "Español"}


def long_date(moment: datetime) -> str:
    """'December 3, 2026' / '3 de diciembre de 2026', in the portal's time zone."""
    return str(format_date(moment, format="long"))


CATEGORY_LABELS = {
    "social_security": _l("Social Security"),
    "medicare": _l("Medicare"),
    "medicaid": _l("Medicaid"),
    "veterans": _l("Veterans' benefits"),
    "immigration": _l("Immigration, visas or citizenship"),
    "passport": _l("Passports"),
    "tax": _l("Taxes (IRS)"),
    "student_loans": _l("Student loans"),
    "housing": _l("Housing"),
    "disaster_relief": _l("Disaster relief (FEMA)"),
    "federal_pension": _l("Federal retirement or pension"),
    "postal": _l("Mail service"),
    "small_business": _l("Small business"),
    "other": _l("Something else"),
}

# Where a request stands, in the words a constituent would use (heading, then what it means).
STATUS_WORDS = {
    "received": (
        _l("We have your request"),
        _l("A caseworker will read it soon. Most requests are opened within two working days."),
    ),
    "new": (
        _l("Received, waiting for a caseworker"),
        _l("Your request is in our list. A caseworker will pick it up soon."),
    ),
    "open": (
        _l("Being worked on"),
        _l("A caseworker is working on your request."),
    ),
    "waiting_on_agency": (
        _l("Waiting for the agency"),
        _l(
            "We have contacted the agency and are waiting for its answer. Agencies often "
            "take several weeks; we follow up with them regularly."
        ),
    ),
    "waiting_on_constituent": (
        _l("Waiting for you"),
        _l(
            "We need something from you before we can go on. Please check your email and "
            "post, or call the office."
        ),
    ),
    "resolved": (
        _l("Resolved"),
        _l("The work on your request is finished."),
    ),
    "closed": (
        _l("Closed"),
        _l("The work on your request is finished."),
    ),
    "withdrawn": (
        _l("Withdrawn"),
        _l("This request was withdrawn, so we are no longer working on it."),
    ),
    "transferred": (
        _l("Passed to another office"),
        _l("Another office is better placed to help, and we have passed your request to it."),
    ),
}

RESULT_WORDS = {
    "favourable": _l("The result was in your favour."),
    "partly_favourable": _l("The result was partly in your favour."),
    "unfavourable": _l("The agency did not decide in your favour."),
    "referred_elsewhere": _l("We referred your request to another organisation that can help."),
    "withdrawn": _l("The request was withdrawn."),
    "no_action_possible": _l("We were not able to take any action on this request."),
}

# The survey's answers, best first, as the closure message lists them.
RATING_WORDS = {
    5: _l("Very well"),
    4: _l("Well"),
    3: _l("Fairly well"),
    2: _l("Not well"),
    1: _l("Poorly"),
}

RELEASE_STATES = {
    "valid": _l("Valid"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
}

IDENTIFIER_LABELS = {
    "ssn": _l("Social Security number"),
    "ssn_last4": _l("Last 4 digits of your Social Security number"),
    "date_of_birth": _l("Date of birth"),
    "claim_number": _l("Claim or case number"),
    "receipt_number": _l("USCIS receipt number"),
    "a_number": _l("A-Number (Alien Registration Number)"),
    "va_file_number": _l("VA file number"),
}
IDENTIFIER_HINTS = {
    "ssn": _l("9 digits, like 123-45-6789. Give it only if the agency needs it."),
    "ssn_last4": _l("4 digits. Enough for most agencies."),
    "date_of_birth": _l("Month/day/year, like 04/23/1980."),
    "claim_number": _l("From a letter the agency sent you (claim, case, loan or Medicare number)."),
    "receipt_number": _l("3 letters and 10 digits, like IOE0123456789."),
    "a_number": _l("A and 8 or 9 digits, like A123456789."),
    "va_file_number": _l("8 or 9 digits."),
}


def category_label(category: str) -> str:
    return str(CATEGORY_LABELS.get(category, category))


def agency_label(code: str) -> str:
    return agency_name(code, current_language())
