"""The privacy releases of the office's submissions in the database: prebuilt statements,
each scoped by the unit of work's office."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Row

from services.cases.adapters.tracking import State, Tracked, TrackedRepository
from services.cases.domain.releases import PrivacyRelease, Revocation, Signing
from services.cases.models import Base
from services.chassis.uow import UnitOfWork

RELEASES = Base.metadata.tables["privacy_releases"]
IN_OFFICE = RELEASES.c.office_id == bindparam("office_id")
RELEASE = select(RELEASES).where(IN_OFFICE, RELEASES.c.release_id == bindparam("release_id"))
OF_SUBMISSION = select(RELEASES).where(
    IN_OFFICE, RELEASES.c.submission_id == bindparam("submission_id")
)
INSERT_RELEASE = RELEASES.insert()
# What a release's methods change; the SET clause is the parameters' column names.
UPDATE_RELEASE = RELEASES.update().where(
    RELEASES.c.office_id == bindparam("in_office"),
    RELEASES.c.release_id == bindparam("tracked_id"),
)


def state(release: PrivacyRelease) -> State:
    """The columns a release's methods can change, as stored."""
    signing, revocation = release.signing, release.revocation
    return {
        "agencies": json.dumps(list(release.agencies)),
        "kind": signing.kind if signing else None,
        "signed_at": signing.signed_at if signing else None,
        "expires_at": signing.expires_at if signing else None,
        "revoked_by": revocation.by if revocation else None,
        "revoked_at": revocation.at if revocation else None,
    }


def release_from(row: Row[Any]) -> PrivacyRelease:
    signing = None
    if row.kind is not None and row.signed_at is not None and row.expires_at is not None:
        signing = Signing(row.kind, row.signed_at, row.expires_at)
    revocation = None
    if row.revoked_by is not None and row.revoked_at is not None:
        revocation = Revocation(row.revoked_by, row.revoked_at)
    return PrivacyRelease(
        release_id=row.release_id,
        submission_id=row.submission_id,
        agencies=tuple(json.loads(row.agencies)),
        signing=signing,
        revocation=revocation,
    )


class SqlReleaseRepository(TrackedRepository[PrivacyRelease]):
    """Releases handed out or added are tracked; `flush` (on commit) inserts the new ones
    and writes the columns that changed of the others. Signing and revocation change
    different columns, so their two events, handled at once, cannot undo each other; two
    first announcements at once clash on the key, and the consume wrapper runs the second
    again, which then finds the release."""

    def __init__(self, uow: UnitOfWork) -> None:
        tracked: Tracked[PrivacyRelease] = Tracked(
            uow,
            state=state,
            identity=lambda release: {
                "release_id": release.release_id,
                "submission_id": release.submission_id,
            },
            insert=INSERT_RELEASE,
            update=UPDATE_RELEASE,
        )
        super().__init__(uow, tracked)

    def get(self, release_id: str) -> PrivacyRelease | None:
        return self._get(release_id, RELEASE, release_from, release_id=release_id)

    def add(self, release: PrivacyRelease) -> None:
        self._tracked.add(release.release_id, release)

    def for_submission(self, submission_id: str) -> list[PrivacyRelease]:
        rows = self._uow.session.execute(OF_SUBMISSION, self._params(submission_id=submission_id))
        return [release_from(row) for row in rows]
