"""Intake's service layer for the satisfaction survey: keep each survey notify offers, and take
the rating a constituent clicks in their closure message (see `domain/surveys.py`)."""

from __future__ import annotations

import re
from typing import Any

from services.chassis.consuming import OpensUnitsOfWork
from services.chassis.db import utcnow
from services.chassis.errors import NotFound
from services.chassis.events import IncomingEvent
from services.contracts import SurveyOffered
from services.intake.domain.surveys import Survey, SurveyAnswer, token_digest
from services.intake.handlers import CONSTITUENT
from services.intake.uow import IntakeWork

# What notify's secrets look like (URL-safe base64); anything else is no survey of ours.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
NO_SUCH_SURVEY = "this survey link is not known"


def link_digest(token: str, not_known: str) -> str:
    """The digest a one-click link is kept by; NotFound (`not_known`) for a token that is no
    secret notify makes."""
    if not TOKEN.match(token):
        raise NotFound(not_known)
    return token_digest(token)


def record_survey_offer(uow: IntakeWork, event: IncomingEvent[SurveyOffered]) -> None:
    offered = event.payload
    uow.surveys.offer(
        Survey(
            survey_id=offered.survey_id,
            case_id=offered.case_id,
            token_sha256=offered.token_sha256,
            offered_at=offered.offered_at,
        )
    )


def answer_survey(
    db: OpensUnitsOfWork[Any], office_id: str, token: str, rating: int | None
) -> SurveyAnswer:
    """Record `rating` (None: only show the question) for the survey `token` opens; what the
    page shows. NotFound for a link nobody offered (or not yet known to intake)."""
    digest = link_digest(token, NO_SUCH_SURVEY)
    with db.unit_of_work(office_id=office_id, actor=CONSTITUENT) as uow:
        survey = uow.surveys.by_digest(digest)
        if survey is None:
            raise NotFound(NO_SUCH_SURVEY)
        language = uow.surveys.language_of_case(survey.case_id) or "en"
        if rating is not None and survey.rate(rating, at=utcnow()):
            uow.surveys.save_rating(survey)
            uow.commit()
        return SurveyAnswer(rating=survey.rating, language=language)
