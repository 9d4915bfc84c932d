"""Intake's service layer for an office's own release text: what its admin sees and changes in
the staff app (through the RPCs), and the preview of a text as a constituent would read it.
The rules are `domain/release_texts.py`'s; the portal reads the latest version as before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from services.chassis.consuming import OpensUnitsOfWork
from services.chassis.db import retrying_conflicts, utcnow
from services.chassis.domain import Actor
from services.chassis.errors import Forbidden, ValidationFailed
from services.intake.domain.agencies import agency_names
from services.intake.domain.release_texts import (
    OfficeReleaseText,
    ReleaseTextVersion,
    check,
    next_version,
)
from services.intake.domain.signed_text import (
    DEFAULT_RELEASE_TEXTS,
    LANGUAGES,
    Language,
    ReleaseTextTemplate,
    RenderedReleaseText,
    render_release_text,
)
from services.intake.handlers import known_office
from services.intake.uow import IntakeWork

OFFICE_ADMIN = "office_admin"
# Who the preview is filled in for: a sample constituent and two agencies she ticked.
SAMPLE_CONSTITUENT = "María López"
SAMPLE_AGENCIES = ("SSA", "VA")


@dataclass(frozen=True)
class ReleaseTextPreview:
    """A text as the portal would show it to the sample constituent: `rendered.text` is the
    exact text she would sign (and her signed copy's PDF prints), paragraph by paragraph."""

    rendered: RenderedReleaseText
    paragraphs: tuple[str, ...]
    constituent_name: str
    agencies: tuple[str, ...]


def list_release_texts(
    db: OpensUnitsOfWork[Any], office_id: str, actor: Actor
) -> list[OfficeReleaseText]:
    """The office's release text in each language, with every version it saved (any staff
    member of the office may read it: it is what the public form shows)."""
    _require_staff(actor)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        known_office(uow)
        return _texts(uow)


def preview_release_text(
    db: OpensUnitsOfWork[Any], office_id: str, actor: Actor, language: str, text: str
) -> ReleaseTextPreview:
    """`text` filled in for the sample constituent, as the form would show it today; refused
    as a save would be. Nothing is kept."""
    _require_staff(actor)
    chosen, kept = check(language, text)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        office = known_office(uow)
    agencies = tuple(agency_names(SAMPLE_AGENCIES, chosen))
    rendered = render_release_text(
        ReleaseTextTemplate(version="preview", language=chosen, body=kept),
        office_name=office.name,
        constituent_name=SAMPLE_CONSTITUENT,
        agency_names=agencies,
        expires_on=(utcnow() + timedelta(days=office.release_valid_days)).date(),
    )
    return ReleaseTextPreview(
        rendered=rendered,
        paragraphs=tuple(part for part in rendered.text.split("\n\n") if part.strip()),
        constituent_name=SAMPLE_CONSTITUENT,
        agencies=agencies,
    )


def save_release_text(
    db: OpensUnitsOfWork[Any], office_id: str, actor: Actor, language: str, text: str
) -> OfficeReleaseText:
    """A new version of the office's text in `language` (office admin); releases signed
    before keep the version they name. Saving the very text the portal shows already adds
    nothing (and writes no audit row)."""
    _require_admin(actor)
    chosen, kept = check(language, text)
    return _add_version(db, office_id, actor, chosen, kept, "release_text.saved")


def reset_release_text(
    db: OpensUnitsOfWork[Any], office_id: str, actor: Actor, language: str
) -> OfficeReleaseText:
    """Back to the installation's default text: a new version with the default's words."""
    _require_admin(actor)
    if language not in LANGUAGES:
        raise ValidationFailed(
            "no such language", fields={"language": ["a release text is in en or es"]}
        )
    chosen: Language = "es" if language == "es" else "en"
    body = DEFAULT_RELEASE_TEXTS[chosen].body
    return _add_version(db, office_id, actor, chosen, body, "release_text.reset")


def _add_version(
    db: OpensUnitsOfWork[Any],
    office_id: str,
    actor: Actor,
    language: Language,
    text: str,
    action: str,
) -> OfficeReleaseText:
    def attempt() -> OfficeReleaseText:
        with db.unit_of_work(office_id=office_id, actor=actor) as uow:
            known_office(uow)
            [current] = [found for found in _texts(uow) if found.language == language]
            if current.template.body == text:
                # What the portal shows already: a new version would only make a constituent
                # who has the form open sign again ("the release text has changed").
                return current
            saved = ReleaseTextVersion(
                version=next_version(v.version for v in current.history),
                language=language,
                text=text,
                created_at=utcnow(),
                created_by=actor.audit_name,
            )
            uow.portal.add_release_text(saved)
            uow.audit(action, "release_text", f"{language}:{saved.version}")
            uow.commit()
            return OfficeReleaseText(language, (saved, *current.history))

    return retrying_conflicts(attempt)


def _texts(uow: IntakeWork) -> list[OfficeReleaseText]:
    history = uow.portal.release_text_history()
    return [
        OfficeReleaseText(language, tuple(v for v in history if v.language == language))
        for language in LANGUAGES
    ]


def _require_staff(actor: Actor) -> None:
    if actor.is_system or not actor.role:
        raise Forbidden("only the office's staff read its release text")


def _require_admin(actor: Actor) -> None:
    if actor.is_system or actor.role != OFFICE_ADMIN:
        raise Forbidden("only the office admin changes the office's release text")
