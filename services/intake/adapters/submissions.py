"""Intake's SQL for taking a request in: the office, its constituents (matched by email or
phone) and their submissions, scoped by the unit of work's office.

The statements a submission runs are built once, so SQLAlchemy compiles and cache-keys them
once (this took intake from 131 to 248 submissions/s, docs/performance.md): bare
`Table.insert()` and `update()` run with parameter dicts, selects with `bindparam`s.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam, exists, select

from services.chassis.db import insert_on_conflict
from services.chassis.repository import OfficeScopedRepository
from services.intake.domain.constituents import Constituent
from services.intake.domain.submissions import (
    EarlierSubmission,
    Receipt,
    Submission,
)
from services.intake.models import Base

if TYPE_CHECKING:
    from services.chassis.uow import UnitOfWork

OFFICES = Base.metadata.tables["offices"]

CONSTITUENTS = Base.metadata.tables["constituents"]

SUBMISSIONS = Base.metadata.tables["submissions"]

RELEASES = Base.metadata.tables["privacy_releases"]

OFFICE_EXISTS = select(OFFICES.c.office_id).where(OFFICES.c.office_id == bindparam("office_id"))

# Who the constituent is and how to reach them, as the status page reads them too.
CONSTITUENT_CONTACT = (
    CONSTITUENTS.c.first_name,
    CONSTITUENTS.c.last_name,
    CONSTITUENTS.c.email,
    CONSTITUENTS.c.phone,
    CONSTITUENTS.c.address,
    CONSTITUENTS.c.preferred_language,
)

_CONSTITUENT = (
    CONSTITUENTS.c.id,
    *CONSTITUENT_CONTACT,
    CONSTITUENTS.c.created_at,
    CONSTITUENTS.c.preferred_channel,
)

CONSTITUENT_BY_EMAIL = select(*_CONSTITUENT).where(
    CONSTITUENTS.c.office_id == bindparam("office_id"),
    CONSTITUENTS.c.email_normalised == bindparam("email"),
)

CONSTITUENT_BY_PHONE = select(*_CONSTITUENT).where(
    CONSTITUENTS.c.office_id == bindparam("office_id"),
    CONSTITUENTS.c.phone_normalised == bindparam("phone"),
)

INSERT_CONSTITUENT = CONSTITUENTS.insert()

# The SET columns come from the parameter dict (always the same keys), as for an insert.
UPDATE_CONSTITUENT = CONSTITUENTS.update().where(
    CONSTITUENTS.c.id == bindparam("constituent_id"),
    CONSTITUENTS.c.office_id == bindparam("constituent_office_id"),
)

INSERT_SUBMISSION = SUBMISSIONS.insert()

# One round trip answers a retry: the first receipt, its fingerprint, and whether it had a
# release.
EARLIER_SUBMISSION = select(
    SUBMISSIONS.c.id,
    SUBMISSIONS.c.tracking_code,
    SUBMISSIONS.c.received_at,
    SUBMISSIONS.c.request_fingerprint,
    exists()
    .where(
        RELEASES.c.submission_id == SUBMISSIONS.c.id,
        RELEASES.c.office_id == SUBMISSIONS.c.office_id,
    )
    .label("released"),
).where(
    SUBMISSIONS.c.office_id == bindparam("office_id"),
    SUBMISSIONS.c.idempotency_key == bindparam("key"),
)

# Offices are registered rarely and never removed: remember the ones seen, per database.
_known_offices: WeakKeyDictionary[object, set[str]] = WeakKeyDictionary()


class OfficeRepository(OfficeScopedRepository):
    """Intake's projection of the offices gateway registers: who it accepts work for."""

    def accepts_work(self) -> bool:
        known = _known_offices.setdefault(self._session.get_bind(), set())
        if self._office_id in known:
            return True
        if self._row(OFFICE_EXISTS) is None:
            return False
        known.add(self._office_id)
        return True

    def record(self, name: str, registered_at: datetime) -> None:
        """Add the office, or rename it (it keeps the time it was first registered)."""
        statement = insert_on_conflict(self._uow.dialect, OFFICES).values(
            office_id=self._office_id, name=name, registered_at=registered_at
        )
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[OFFICES.c.office_id], set_={"name": statement.excluded.name}
            )
        )


class ConstituentRepository(OfficeScopedRepository):
    """The office's constituents, found by normalised email or phone (`KnownConstituents`)."""

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self._loaded: set[str] = set()

    def with_email(self, email_normalised: str) -> Constituent | None:
        return self._first(CONSTITUENT_BY_EMAIL, {"email": email_normalised})

    def with_phone(self, phone_normalised: str) -> Constituent | None:
        return self._first(CONSTITUENT_BY_PHONE, {"phone": phone_normalised})

    def _first(self, statement: Any, params: dict[str, str]) -> Constituent | None:
        row = self._row(statement, **params)
        if row is None:
            return None
        self._loaded.add(row.id)
        # The selected columns are the aggregate's fields, by name.
        return self._uow.track(Constituent(**row._mapping))

    def save(self, constituent: Constituent) -> None:
        """Insert a new constituent, or write back the contact details of a loaded one."""
        self._uow.track(constituent)
        contact = dict(
            phone=constituent.phone,
            phone_normalised=constituent.phone_normalised,
            address=constituent.address,
            preferred_language=constituent.preferred_language,
            preferred_channel=constituent.preferred_channel,
        )
        if constituent.id in self._loaded:
            self._session.execute(
                UPDATE_CONSTITUENT,
                dict(
                    contact,
                    constituent_id=constituent.id,
                    constituent_office_id=self._office_id,
                ),
            )
            return
        self._session.execute(
            INSERT_CONSTITUENT,
            self._params(
                **contact,
                id=constituent.id,
                first_name=constituent.first_name,
                last_name=constituent.last_name,
                email=constituent.email,
                email_normalised=constituent.email_normalised,
                created_at=constituent.created_at,
            ),
        )
        self._loaded.add(constituent.id)


class SubmissionRepository(OfficeScopedRepository):
    """The office's submissions and the privacy releases signed with them."""

    def with_idempotency_key(self, key: str) -> EarlierSubmission | None:
        row = self._row(EARLIER_SUBMISSION, key=key)
        if row is None:
            return None
        return EarlierSubmission(
            receipt=Receipt(
                submission_id=row.id,
                tracking_code=row.tracking_code,
                received_at=row.received_at.isoformat(),
                privacy_release_recorded=bool(row.released),
            ),
            request_fingerprint=row.request_fingerprint,
        )

    def add(self, submission: Submission) -> None:
        """Store a new submission and its release; its recorded event goes out on commit."""
        self._uow.track(submission)
        request = submission.request
        idempotency = submission.idempotency
        self._session.execute(
            INSERT_SUBMISSION,
            self._params(
                id=submission.id,
                tracking_code=submission.tracking_code,
                constituent_id=submission.constituent_id,
                channel=request.channel,
                category=request.category,
                agency_hint=request.agency,
                subject=request.subject,
                description=request.description,
                urgent=request.urgent,
                urgency_reason=request.urgency_reason,
                idempotency_key=idempotency.key if idempotency else None,
                request_fingerprint=idempotency.fingerprint if idempotency else None,
                received_at=submission.received_at,
            ),
        )
