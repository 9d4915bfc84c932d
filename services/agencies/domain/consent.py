"""The consent gate: nothing goes to an agency unless a privacy release covers it, by that
agency's own rules. A refusal names every rule that failed and what to get from the
constituent, in words a caseworker can act on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.chassis.calendar import local_date

E_SIGNED = "e_signed"
WET_SIGNED = "wet_signed"
SIGNATURE_ANY = "any"
SIGNATURE_WET_ONLY = "wet_only"
SIGNATURE_RULES = (SIGNATURE_ANY, SIGNATURE_WET_ONLY)


@dataclass(frozen=True)
class ReleaseRecord:
    """A privacy release as agencies keeps it (from intake's events): who it names, how it
    was signed, and until when it lasts."""

    release_id: str
    submission_id: str
    agencies: tuple[str, ...]
    kind: str
    signed_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    def names(self, agency_code: str) -> bool:
        wanted = agency_code.strip().upper()
        return any(code.strip().upper() == wanted for code in self.agencies)


@dataclass(frozen=True)
class ReleaseRules:
    """What an agency accepts as a release (the directory's rules).

    `sole_recipient` is always met: a Casework release names one office only. It is kept so
    the rule is visible in the directory and would be checked if that ever changed."""

    signature: str = SIGNATURE_ANY
    sole_recipient: bool = True
    valid_days: int | None = None
    new_release_after_closure: bool = False

    def __post_init__(self) -> None:
        if self.signature not in SIGNATURE_RULES:
            raise ValueError(f"signature rule must be one of {', '.join(SIGNATURE_RULES)}")
        if self.valid_days is not None and self.valid_days < 1:
            raise ValueError("a release is valid for at least 1 day")


@dataclass(frozen=True)
class ConsentDecision:
    """The gate's answer for one agency: allowed with the release it rests on, or refused
    with every failed rule (`reasons`) and one thing to do about it (`remedy`)."""

    agency_code: str
    allowed: bool
    release: ReleaseRecord | None
    reasons: tuple[str, ...]
    remedy: str | None

    @property
    def release_id(self) -> str | None:
        return self.release.release_id if self.release else None


def check_consent(
    releases: Iterable[ReleaseRecord],
    agency_code: str,
    agency_name: str,
    rules: ReleaseRules,
    *,
    now: datetime,
    case_closed_at: datetime | None = None,
    zone: str = "UTC",
) -> ConsentDecision:
    """Allowed with the newest release that names the agency and meets every rule; otherwise
    refused, naming what is wrong with each release that names the agency (newest first)."""
    code = agency_code.strip().upper()
    candidates = sorted(
        (release for release in releases if release.names(code)),
        key=lambda release: release.signed_at,
        reverse=True,
    )
    gate = _Gate(code, agency_name, rules, now, case_closed_at, zone, several=len(candidates) > 1)
    for release in candidates:
        if not gate.failures(release):
            return ConsentDecision(code, True, release, (), None)
    if not candidates:
        reasons: tuple[str, ...] = (f"no privacy release names {agency_name} ({code})",)
    else:
        reasons = tuple(
            _unique(reason for release in candidates for reason in gate.failures(release))
        )
    return ConsentDecision(code, False, None, reasons, gate.remedy())


@dataclass(frozen=True)
class _Gate:
    code: str
    agency_name: str
    rules: ReleaseRules
    now: datetime
    case_closed_at: datetime | None
    zone: str
    several: bool

    def failures(self, release: ReleaseRecord) -> list[str]:
        """Every rule this release fails, in plain words."""
        checks = (
            self._revoked,
            self._expired,
            self._signature,
            self._too_old,
            self._before_closure,
        )
        return [reason for check in checks if (reason := check(release)) is not None]

    def remedy(self) -> str:
        if self.rules.signature == SIGNATURE_WET_ONLY:
            return (
                f"Ask the constituent to sign a release naming {self.code} by hand, and file "
                "it as a wet-signed release from the case page."
            )
        return (
            f"Ask the constituent to sign a new release naming {self.code} from the status "
            "page link, or file a wet-signed release."
        )

    def _revoked(self, release: ReleaseRecord) -> str | None:
        if release.revoked_at is None or release.revoked_at > self.now:
            return None
        who = "the office" if release.revoked_by == "staff" else "the constituent"
        return f"{self._which(release)} was revoked by {who} on {self._day(release.revoked_at)}"

    def _expired(self, release: ReleaseRecord) -> str | None:
        if release.expires_at > self.now:
            return None
        return (
            f"the release signed {self._day(release.signed_at)} expired on "
            f"{self._day(release.expires_at)}"
        )

    def _signature(self, release: ReleaseRecord) -> str | None:
        if self.rules.signature != SIGNATURE_WET_ONLY or release.kind == WET_SIGNED:
            return None
        which = (
            f"the release signed {self._day(release.signed_at)}"
            if self.several
            else ("the release")
        )
        return f"{self.agency_name} accepts only a handwritten signature; {which} was signed online"

    def _too_old(self, release: ReleaseRecord) -> str | None:
        if self.rules.valid_days is None:
            return None
        age = (self._date(self.now) - self._date(release.signed_at)).days
        if age <= self.rules.valid_days:
            return None
        which = (
            f"the release signed {self._day(release.signed_at)}" if self.several else ("this one")
        )
        return (
            f"{self.code} accepts a release for {self.rules.valid_days} days; {which} is "
            f"{age} days old"
        )

    def _before_closure(self, release: ReleaseRecord) -> str | None:
        closed = self.case_closed_at
        if not self.rules.new_release_after_closure or closed is None:
            return None
        if release.signed_at > closed:
            return None
        return (
            f"the case was closed on {self._day(closed)}; a follow-up needs a release signed "
            "after that"
        )

    def _which(self, release: ReleaseRecord) -> str:
        return f"the release signed {self._day(release.signed_at)}"

    def _date(self, moment: datetime) -> date:
        return local_date(moment, self.zone)

    def _day(self, moment: datetime) -> str:
        day = local_date(moment, self.zone)
        return f"{day.day} {day:%b} {day.year}"


def _unique(reasons: Iterable[str]) -> Sequence[str]:
    return list(dict.fromkeys(reasons))
