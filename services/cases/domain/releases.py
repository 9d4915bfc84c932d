"""A constituent's privacy releases as cases knows them from intake's events: each one's
scope (agencies), how it was signed, until when it holds, and its revocation.

A release names its submission, not its case: it is often signed with the request, so its
event can arrive before the case is opened. Releases are kept by submission and joined to
the case when it is read, where their state is worked out (valid, expired, revoked). The
identifiers a release carries stay in intake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.cases.domain.timeline import (
    TimelineKind,
    TimelineNote,
    release_revoked_summary,
    release_signed_summary,
)


class ReleaseState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Signing:
    """How and when the release was signed: `e_signed` online, or `wet_signed` on paper and
    filed by staff as a scan."""

    kind: str
    signed_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Revocation:
    """Who revoked the release ("constituent" or "staff"), and when."""

    by: str
    at: datetime


@dataclass
class PrivacyRelease:
    """One release of a submission. Its signing and its revocation are announced by two
    events on two queues, in either order: each fills its part, and the release is shown
    once its signing is known."""

    release_id: str
    submission_id: str
    agencies: tuple[str, ...]
    signing: Signing | None = None
    revocation: Revocation | None = None

    def sign(self, signing: Signing, agencies: tuple[str, ...]) -> None:
        """What intake says of the signing (the same announcement again changes nothing)."""
        self.signing = signing
        self.agencies = agencies

    def revoke(self, revocation: Revocation) -> None:
        """The first revocation is the one that counts: a repeated announcement changes
        nothing."""
        if self.revocation is None:
            self.revocation = revocation

    @property
    def known(self) -> bool:
        """Whether its signing is known (only then is it shown)."""
        return self.signing is not None

    def state_at(self, now: datetime) -> ReleaseState:
        """Revoked, whenever it was; else valid until it expires."""
        if self.revocation is not None:
            return ReleaseState.REVOKED
        if self.signing is None or now >= self.signing.expires_at:
            return ReleaseState.EXPIRED
        return ReleaseState.VALID

    def timeline(self) -> list[TimelineNote]:
        """Its lines on the case's timeline: the signing, and the revocation if any."""
        if self.signing is None:
            return []
        notes = [
            TimelineNote(
                self.signing.signed_at,
                TimelineKind.RELEASE_SIGNED,
                release_signed_summary(self.signing.kind, self.agencies, self.signing.expires_at),
            )
        ]
        if self.revocation is not None:
            notes.append(
                TimelineNote(
                    self.revocation.at,
                    TimelineKind.RELEASE_REVOKED,
                    release_revoked_summary(self.revocation.by),
                )
            )
        return notes


def shown(releases: list[PrivacyRelease]) -> list[PrivacyRelease]:
    """The releases the case page shows: those whose signing is known, newest first."""
    signed = [(r.signing.signed_at, r) for r in releases if r.signing is not None]
    return [release for _, release in sorted(signed, key=lambda pair: pair[0], reverse=True)]
