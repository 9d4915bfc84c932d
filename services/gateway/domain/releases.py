"""The case page's privacy release panel and attachments list, in words a caseworker reads at a
glance: each release's state ("Valid until 3 Dec 2027 — SSA, VA"), how it was signed, what it
lets staff do, and whether any valid release covers the case's agency (if not, how the
constituent gets one). Pure: the releases come from intake (or, when intake does not answer,
from cases' copy of its events); dates are shown in the office's time zone."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

VALID = "valid"
EXPIRED = "expired"
REVOKED = "revoked"
KIND_WORDS = {"e_signed": "Signed online", "wet_signed": "Wet-signed scan"}
# What the constituent may have given, in the order the page lists them.
IDENTIFIER_LABELS = {
    "ssn": "Social Security number",
    "ssn_last4": "Last four digits of the SSN",
    "date_of_birth": "Date of birth",
    "claim_number": "Claim number",
    "receipt_number": "USCIS receipt number",
    "a_number": "Alien registration number (A-number)",
    "va_file_number": "VA file number",
}
AGENCY_CODE = re.compile(r"^[A-Z][A-Z0-9-]{1,19}\Z")
MAX_AGENCIES = 10
CONTENT_TYPE_WORDS = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
}
SHORT_DIGEST = 12


@dataclass(frozen=True)
class Release:
    """One release as the panel needs it, whichever service told of it. `identifier_kinds`
    is None when not known (cases does not know them)."""

    release_id: str
    kind: str
    agencies: tuple[str, ...]
    signed_at: datetime
    expires_at: datetime
    state: str
    revoked_by: str | None = None
    revoked_at: datetime | None = None
    signature_name: str | None = None
    identifier_kinds: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ReleaseLine:
    """A release as the panel shows it."""

    release_id: str
    state: str
    state_words: str
    kind_words: str
    signed_words: str
    agencies: tuple[str, ...]
    is_scan: bool
    identifier_words: str
    may_revoke: bool


@dataclass(frozen=True)
class ReleasePanel:
    lines: tuple[ReleaseLine, ...]
    # The agency the case is about (what the panel checks coverage for), if known.
    agency: str | None
    covered: bool
    # Where the constituent signs one online: their request's status page on the portal.
    status_link: str
    # False when intake did not answer: the states are cases' copy, and nothing can be
    # downloaded, revealed or revoked until intake is back.
    live: bool


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def today_in(zone: str, now: datetime) -> date:
    """The office's day at `now`."""
    return now.astimezone(_zone(zone)).date()


def day_words(moment: datetime, zone: str) -> str:
    """`3 Dec 2027`, the day in the office's time zone."""
    local = moment.astimezone(_zone(zone))
    return f"{local.day} {local.strftime('%b %Y')}"


def state_words(release: Release, zone: str) -> str:
    agencies = ", ".join(release.agencies)
    if release.state == REVOKED:
        who = "the constituent" if release.revoked_by == "constituent" else "staff"
        when = f" on {day_words(release.revoked_at, zone)}" if release.revoked_at else ""
        return f"Revoked by {who}{when} — {agencies}"
    if release.state == EXPIRED:
        return f"Expired on {day_words(release.expires_at, zone)} — {agencies}"
    return f"Valid until {day_words(release.expires_at, zone)} — {agencies}"


def identifier_words(kinds: Iterable[str]) -> str:
    """`Social Security number, Date of birth`: what "Show identifiers" would show."""
    return ", ".join(IDENTIFIER_LABELS.get(kind, kind.replace("_", " ")) for kind in kinds)


def line(release: Release, zone: str) -> ReleaseLine:
    signed = day_words(release.signed_at, zone)
    if release.signature_name:
        signed += f" by {release.signature_name}"
    return ReleaseLine(
        release_id=release.release_id,
        state=release.state,
        state_words=state_words(release, zone),
        kind_words=KIND_WORDS.get(release.kind, release.kind.replace("_", " ")),
        signed_words=signed,
        agencies=release.agencies,
        is_scan=release.kind == "wet_signed",
        identifier_words=identifier_words(release.identifier_kinds or ()),
        may_revoke=release.state == VALID,
    )


def covers(releases: Iterable[Release], agency: str | None) -> bool:
    """Whether a valid release lets the office act with `agency` (with no agency known yet:
    whether any release is valid)."""
    return any(
        release.state == VALID and (agency is None or agency in release.agencies)
        for release in releases
    )


def status_link(portal_url: str, office_id: str, tracking_code: str) -> str:
    """The constituent's status page, where they sign a release online."""
    base = portal_url.rstrip("/")
    return f"{base}/o/{quote(office_id, safe='')}/status?{urlencode({'tracking': tracking_code})}"


def panel(
    releases: Sequence[Release],
    *,
    agency: str | None,
    zone: str,
    status_link: str,
    live: bool,
) -> ReleasePanel:
    return ReleasePanel(
        lines=tuple(line(release, zone) for release in releases),
        agency=agency,
        covered=covers(releases, agency),
        status_link=status_link,
        live=live,
    )


def agency_codes(text: str) -> list[str]:
    """`ssa, va` as `["SSA", "VA"]` (each once, in order); ValueError naming a bad code."""
    codes = list(dict.fromkeys(code.strip().upper() for code in re.split(r"[,\s]+", text)))
    codes = [code for code in codes if code]
    if not codes:
        raise ValueError("name at least one agency, such as SSA")
    for code in codes:
        if not AGENCY_CODE.match(code):
            raise ValueError(f"{code!r} is not an agency code (letters and digits, like SSA)")
    if len(codes) > MAX_AGENCIES:
        raise ValueError(f"at most {MAX_AGENCIES} agencies on one release")
    return codes


def signed_on_problem(signed_on: date, today: date) -> str | None:
    """Why a wet-signed release's date cannot be right, if it cannot."""
    if signed_on > today:
        return "the date it was signed cannot be in the future"
    return None


def size_words(size: int) -> str:
    """`47 KB`, `2.3 MB`: a file's size as people say it."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def content_type_words(content_type: str) -> str:
    return CONTENT_TYPE_WORDS.get(content_type, content_type)


def short_digest(sha256: str) -> str:
    return sha256[:SHORT_DIGEST]
