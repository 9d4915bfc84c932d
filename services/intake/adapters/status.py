"""Intake's SQL for what a constituent reads and answers after sending: the status page's
projection of cases' events (the public case, its updates, the one-time status codes), the
closing survey (the unsubscribe links are preferences.py's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import bindparam, select

from services.chassis.db import insert_on_conflict
from services.chassis.repository import OfficeScopedRepository
from services.intake.adapters.submissions import (
    CONSTITUENT_CONTACT,
    CONSTITUENTS,
    SUBMISSIONS,
)
from services.intake.domain.public_status import (
    PublicUpdateView,
    RequestOwner,
    StatusCode,
    SubmissionOwner,
)
from services.intake.domain.surveys import Survey
from services.intake.models import Base

PUBLIC_CASES = Base.metadata.tables["public_cases"]

PUBLIC_UPDATES = Base.metadata.tables["public_updates"]

STATUS_CODES = Base.metadata.tables["status_codes"]

SUBMISSION_OWNER = (
    select(
        SUBMISSIONS.c.id,
        SUBMISSIONS.c.tracking_code,
        SUBMISSIONS.c.subject,
        SUBMISSIONS.c.category,
        SUBMISSIONS.c.description,
        SUBMISSIONS.c.received_at,
        SUBMISSIONS.c.constituent_id,
        *CONSTITUENT_CONTACT,
    )
    .join(CONSTITUENTS, CONSTITUENTS.c.id == SUBMISSIONS.c.constituent_id)
    .where(SUBMISSIONS.c.office_id == bindparam("office_id"))
)

SUBMISSION_BY_TRACKING = SUBMISSION_OWNER.where(
    SUBMISSIONS.c.tracking_code == bindparam("tracking_code")
)

SUBMISSION_BY_ID = SUBMISSION_OWNER.where(SUBMISSIONS.c.id == bindparam("submission_id"))

PUBLIC_CASE = select(
    PUBLIC_CASES.c.case_id, PUBLIC_CASES.c.reference, PUBLIC_CASES.c.status, PUBLIC_CASES.c.result
).where(
    PUBLIC_CASES.c.office_id == bindparam("office_id"),
    PUBLIC_CASES.c.submission_id == bindparam("submission_id"),
)

SUBMISSION_OF_CASE = select(PUBLIC_CASES.c.submission_id).where(
    PUBLIC_CASES.c.office_id == bindparam("office_id"),
    PUBLIC_CASES.c.case_id == bindparam("case_id"),
)

UPDATE_PUBLIC_CASE = PUBLIC_CASES.update().where(
    PUBLIC_CASES.c.office_id == bindparam("case_office_id"),
    PUBLIC_CASES.c.case_id == bindparam("the_case_id"),
)

PUBLIC_UPDATES_OF = (
    select(
        PUBLIC_UPDATES.c.kind,
        PUBLIC_UPDATES.c.status,
        PUBLIC_UPDATES.c.text,
        PUBLIC_UPDATES.c.occurred_at,
        PUBLIC_UPDATES.c.documents,
    )
    .where(
        PUBLIC_UPDATES.c.office_id == bindparam("office_id"),
        PUBLIC_UPDATES.c.submission_id == bindparam("submission_id"),
    )
    .order_by(PUBLIC_UPDATES.c.occurred_at, PUBLIC_UPDATES.c.id)
)

_STATUS_CODE = (
    STATUS_CODES.c.id,
    STATUS_CODES.c.submission_id,
    STATUS_CODES.c.code_sha256,
    STATUS_CODES.c.expires_at,
    STATUS_CODES.c.attempts,
    STATUS_CODES.c.used_at,
)

LIVE_STATUS_CODES = (
    select(*_STATUS_CODE)
    .where(
        STATUS_CODES.c.office_id == bindparam("office_id"),
        STATUS_CODES.c.submission_id == bindparam("submission_id"),
        STATUS_CODES.c.expires_at > bindparam("now"),
    )
    .order_by(STATUS_CODES.c.expires_at.desc())
)

UPDATE_STATUS_CODE = STATUS_CODES.update().where(
    STATUS_CODES.c.office_id == bindparam("code_office_id"),
    STATUS_CODES.c.id == bindparam("code_id"),
)


class PublicStatusRepository(OfficeScopedRepository):
    """Intake's projection of cases for the status page, and the one-time codes that open it."""

    def owner_by_tracking_code(self, tracking_code: str) -> SubmissionOwner | None:
        return self._owner(SUBMISSION_BY_TRACKING, {"tracking_code": tracking_code})

    def owner(self, submission_id: str) -> SubmissionOwner | None:
        return self._owner(SUBMISSION_BY_ID, {"submission_id": submission_id})

    def _owner(self, statement: Any, params: dict[str, str]) -> SubmissionOwner | None:
        row = self._row(statement, **params)
        if row is None:
            return None
        address = row.address or {}
        return SubmissionOwner(
            owner=RequestOwner(
                submission_id=row.id,
                tracking_code=row.tracking_code,
                email=row.email,
                last_name=row.last_name,
                postal_code=address.get("postal_code"),
                language=row.preferred_language,
            ),
            constituent_id=row.constituent_id,
            display_name=f"{row.first_name} {row.last_name}".strip(),
            subject=row.subject,
            category=row.category,
            received_at=row.received_at,
            address=dict(address),
            phone=row.phone,
            description=row.description,
        )

    def case_of(self, submission_id: str) -> Any:
        return self._row(PUBLIC_CASE, submission_id=submission_id)

    def updates(self, submission_id: str) -> list[PublicUpdateView]:
        rows = self._rows(PUBLIC_UPDATES_OF, submission_id=submission_id)
        return [PublicUpdateView(**row._mapping) for row in rows]

    def case_opened(
        self, *, submission_id: str, case_id: str, reference: str, status: str, at: datetime
    ) -> None:
        statement = insert_on_conflict(self._uow.dialect, PUBLIC_CASES).values(
            submission_id=submission_id,
            office_id=self._office_id,
            case_id=case_id,
            reference=reference,
            status=status,
            updated_at=at,
        )
        self._session.execute(
            statement.on_conflict_do_nothing(index_elements=[PUBLIC_CASES.c.submission_id])
        )

    def submission_of_case(self, case_id: str) -> str | None:
        return self._session.execute(SUBMISSION_OF_CASE, self._params(case_id=case_id)).scalar()

    def case_changed(
        self, case_id: str, *, status: str, at: datetime, result: str | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status, "updated_at": at}
        if result is not None:
            values["result"] = result
        self._session.execute(
            UPDATE_PUBLIC_CASE.values(**values),
            {"case_office_id": self._office_id, "the_case_id": case_id},
        )

    def add_update(
        self,
        update_id: str,
        submission_id: str,
        update: PublicUpdateView,
    ) -> None:
        statement = insert_on_conflict(self._uow.dialect, PUBLIC_UPDATES).values(
            id=update_id,
            office_id=self._office_id,
            submission_id=submission_id,
            kind=update.kind,
            status=update.status,
            text=update.text,
            occurred_at=update.occurred_at,
            documents=update.documents,
        )
        self._session.execute(
            statement.on_conflict_do_nothing(index_elements=[PUBLIC_UPDATES.c.id])
        )

    def live_codes(self, submission_id: str, now: datetime) -> list[StatusCode]:
        rows = self._rows(LIVE_STATUS_CODES, submission_id=submission_id, now=now)
        return [StatusCode(**row._mapping) for row in rows]

    def add_code(self, code: StatusCode) -> None:
        self._uow.track(code)
        self._session.execute(
            STATUS_CODES.insert(),
            self._params(
                id=code.id,
                submission_id=code.submission_id,
                code_sha256=code.code_sha256,
                expires_at=code.expires_at,
                attempts=code.attempts,
            ),
        )

    def save_code(self, code: StatusCode) -> None:
        self._session.execute(
            UPDATE_STATUS_CODE,
            dict(
                code_office_id=self._office_id,
                code_id=code.id,
                attempts=code.attempts,
                used_at=code.used_at,
            ),
        )


SURVEYS = Base.metadata.tables["surveys"]

_SURVEY = (
    SURVEYS.c.survey_id,
    SURVEYS.c.case_id,
    SURVEYS.c.token_sha256,
    SURVEYS.c.offered_at,
    SURVEYS.c.rating,
    SURVEYS.c.rated_at,
)

SURVEY_BY_DIGEST = select(*_SURVEY).where(
    SURVEYS.c.office_id == bindparam("office_id"),
    SURVEYS.c.token_sha256 == bindparam("token_sha256"),
)

RATE_SURVEY = SURVEYS.update().where(
    SURVEYS.c.office_id == bindparam("survey_office_id"),
    SURVEYS.c.survey_id == bindparam("the_survey_id"),
)

LANGUAGE_OF_CASE = (
    select(CONSTITUENTS.c.preferred_language)
    .select_from(PUBLIC_CASES)
    .join(SUBMISSIONS, SUBMISSIONS.c.id == PUBLIC_CASES.c.submission_id)
    .join(CONSTITUENTS, CONSTITUENTS.c.id == SUBMISSIONS.c.constituent_id)
    .where(
        PUBLIC_CASES.c.office_id == bindparam("office_id"),
        PUBLIC_CASES.c.case_id == bindparam("case_id"),
    )
)


class SurveyRepository(OfficeScopedRepository):
    """The satisfaction surveys of one office's closure messages, known by their links'
    digests."""

    def offer(self, survey: Survey) -> None:
        """Keep a survey notify offered; one already kept (a replayed event) stays as it is."""
        statement = insert_on_conflict(self._uow.dialect, SURVEYS).values(
            survey_id=survey.survey_id,
            office_id=self._office_id,
            case_id=survey.case_id,
            token_sha256=survey.token_sha256,
            offered_at=survey.offered_at,
        )
        self._session.execute(
            statement.on_conflict_do_nothing(index_elements=[SURVEYS.c.survey_id])
        )

    def by_digest(self, token_sha256: str) -> Survey | None:
        row = self._row(SURVEY_BY_DIGEST, token_sha256=token_sha256)
        if row is None:
            return None
        return self._uow.track(Survey(**row._mapping))

    def save_rating(self, survey: Survey) -> None:
        self._session.execute(
            RATE_SURVEY,
            {
                "survey_office_id": self._office_id,
                "the_survey_id": survey.survey_id,
                "rating": survey.rating,
                "rated_at": survey.rated_at,
            },
        )

    def language_of_case(self, case_id: str) -> str | None:
        """The constituent's language, for the survey page (None for a case intake has not
        seen opened)."""
        return cast(
            "str | None",
            self._session.execute(LANGUAGE_OF_CASE, self._params(case_id=case_id)).scalar(),
        )
