"""Agencies' copies of what other services announced, for one office: the privacy releases of
its submissions (the consent gate reads them) and where each case stands (the clocks pause
while a case waits on its constituent)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.sql.elements import BindParameter

from services.agencies.domain.consent import ReleaseRecord
from services.agencies.domain.office import CaseFacts
from services.agencies.models import CaseProjection, PrivacyReleaseRow
from services.chassis.db import insert_on_conflict
from services.chassis.repository import OfficeScopedRepository

OFFICE: BindParameter[str] = bindparam("office_id")
RELEASES = cast(Table, PrivacyReleaseRow.__table__)
CASES = cast(Table, CaseProjection.__table__)

RELEASES_OF_SUBMISSION = (
    select(RELEASES)
    .where(RELEASES.c.office_id == OFFICE, RELEASES.c.submission_id == bindparam("submission_id"))
    .order_by(RELEASES.c.signed_at.desc(), RELEASES.c.id)
)
CASE = select(CASES).where(CASES.c.office_id == OFFICE, CASES.c.case_id == bindparam("case_id"))
UNKNOWN_KIND = "unknown"


def _release(row: Any) -> ReleaseRecord:
    return ReleaseRecord(
        release_id=row.id,
        submission_id=row.submission_id,
        agencies=tuple(code for code in row.agencies.split(",") if code),
        kind=row.kind,
        signed_at=row.signed_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )


class SqlReleases(OfficeScopedRepository):
    """The office's privacy releases as intake announced them."""

    def for_submission(self, submission_id: str) -> list[ReleaseRecord]:
        rows = self._rows(RELEASES_OF_SUBMISSION, submission_id=submission_id)
        return [_release(row) for row in rows if row.kind != UNKNOWN_KIND]

    def signed(self, release: ReleaseRecord, constituent_id: str) -> None:
        """Record a signed release; one already known keeps its revocation (the revocation
        may have arrived first)."""
        values = {
            "office_id": self._office_id,
            "submission_id": release.submission_id,
            "constituent_id": constituent_id,
            "agencies": ",".join(release.agencies),
            "kind": release.kind,
            "signed_at": release.signed_at,
            "expires_at": release.expires_at,
        }
        statement = insert_on_conflict(self._uow.dialect, RELEASES).values(
            id=release.release_id,
            revoked_at=release.revoked_at,
            revoked_by=release.revoked_by,
            **values,
        )
        self._uow.session.execute(
            statement.on_conflict_do_update(
                index_elements=["id"],
                set_={key: value for key, value in values.items() if key != "office_id"},
            )
        )

    def revoked(
        self,
        *,
        release_id: str,
        submission_id: str,
        constituent_id: str,
        agencies: tuple[str, ...],
        revoked_by: str,
        revoked_at: datetime,
    ) -> None:
        """Record a revocation; before its signing is known, a placeholder holds it (the
        gate never counts it: its kind is unknown)."""
        statement = insert_on_conflict(self._uow.dialect, RELEASES).values(
            id=release_id,
            office_id=self._office_id,
            submission_id=submission_id,
            constituent_id=constituent_id,
            agencies=",".join(agencies),
            kind=UNKNOWN_KIND,
            signed_at=revoked_at,
            expires_at=revoked_at,
            revoked_at=revoked_at,
            revoked_by=revoked_by,
        )
        self._uow.session.execute(
            statement.on_conflict_do_update(
                index_elements=["id"],
                set_={"revoked_at": revoked_at, "revoked_by": revoked_by},
            )
        )


def _case(row: Any) -> CaseFacts:
    return CaseFacts(
        case_id=row.case_id,
        reference=row.reference,
        status=row.status,
        submission_id=row.submission_id,
        constituent_id=row.constituent_id,
        category=row.category,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
    )


class SqlCaseProjections(OfficeScopedRepository):
    """Where each of the office's cases stands, as cases announced it."""

    def get(self, case_id: str) -> CaseFacts | None:
        row = self._row(CASE, case_id=case_id)
        return _case(row) if row is not None else None

    def save(self, case: CaseFacts) -> None:
        """Insert or replace what is known of the case (fields known as None keep theirs)."""
        values = {
            "reference": case.reference,
            "status": case.status,
            "submission_id": case.submission_id,
            "constituent_id": case.constituent_id,
            "category": case.category,
            "opened_at": case.opened_at,
            "closed_at": case.closed_at,
        }
        statement = insert_on_conflict(self._uow.dialect, CASES).values(
            office_id=self._office_id, case_id=case.case_id, **values
        )
        self._uow.session.execute(
            statement.on_conflict_do_update(
                index_elements=["office_id", "case_id"],
                set_={
                    key: value
                    for key, value in values.items()
                    if value is not None or key == "closed_at"
                },
            )
        )

    def set_status(self, case_id: str, status: str, closed_at: datetime | None) -> None:
        self._uow.session.execute(
            update(CASES)
            .where(CASES.c.office_id == self._office_id, CASES.c.case_id == case_id)
            .values(status=status, closed_at=closed_at)
        )
