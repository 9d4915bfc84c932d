"""Intake's RPCs for the staff app's release text editor: the office's text in each language
with its versions, a preview for a sample constituent, a save (a new version) and a reset to
the default; only the office admin saves (release_texts.py checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from nameko.rpc import rpc

from services.contracts.rpc.common import OfficeRequest
from services.contracts.rpc.intake_release_texts import (
    OfficeReleaseText,
    ReleaseTextChange,
    ReleaseTextKey,
    ReleaseTextPreview,
)
from services.intake import release_texts
from services.intake.domain.release_texts import MAX_RELEASE_TEXT_CHARS, PLACEHOLDER_MEANINGS
from services.intake.domain.release_texts import OfficeReleaseText as ReleaseText
from services.intake.domain.signed_text import DEFAULT_RELEASE_TEXTS
from services.intake.staff_calls import staff_arguments
from services.intake.staff_releases import STAFF_ERRORS

OFFICE_REQUEST = OfficeRequest()
RELEASE_TEXT_KEY = ReleaseTextKey()
RELEASE_TEXT_CHANGE = ReleaseTextChange()
OFFICE_RELEASE_TEXT = OfficeReleaseText()
RELEASE_TEXT_PREVIEW = ReleaseTextPreview()

Answer = TypeVar("Answer")


class ReleaseTextEntrypoints:
    """Mixed into `IntakeService`: `self.db` and `self.caller`."""

    db: Any
    caller: Any

    @rpc(expected_exceptions=STAFF_ERRORS)
    def release_texts(self, office_id: str) -> list[dict[str, Any]]:
        """The office's release text in each language, with every version it saved."""
        office, actor, _ = staff_arguments(self.caller, OFFICE_REQUEST, office_id=office_id)
        found = release_texts.list_release_texts(self.db, office, actor)
        return [release_text_answer(text) for text in found]

    @rpc(expected_exceptions=STAFF_ERRORS)
    def preview_release_text(self, office_id: str, language: str, text: str) -> dict[str, Any]:
        """A text filled in for a sample constituent as the form would show it; nothing kept."""
        preview = self._text_change(release_texts.preview_release_text, office_id, language, text)
        return dict(
            RELEASE_TEXT_PREVIEW.dump(
                {
                    "language": preview.rendered.language,
                    "text": preview.rendered.text,
                    "paragraphs": list(preview.paragraphs),
                    "sha256": preview.rendered.sha256,
                    "constituent_name": preview.constituent_name,
                    "agencies": list(preview.agencies),
                }
            )
        )

    @rpc(expected_exceptions=STAFF_ERRORS)
    def save_release_text(self, office_id: str, language: str, text: str) -> dict[str, Any]:
        """A new version of the office's text in `language` (office admin only)."""
        saved = self._text_change(release_texts.save_release_text, office_id, language, text)
        return release_text_answer(saved)

    @rpc(expected_exceptions=STAFF_ERRORS)
    def reset_release_text(self, office_id: str, language: str) -> dict[str, Any]:
        """Back to the default text, as a new version (office admin only)."""
        office, actor, arguments = staff_arguments(
            self.caller, RELEASE_TEXT_KEY, office_id=office_id, language=language
        )
        reset = release_texts.reset_release_text(self.db, office, actor, arguments["language"])
        return release_text_answer(reset)

    def _text_change(
        self, handle: Callable[..., Answer], office_id: str, language: str, text: str
    ) -> Answer:
        """A preview or a save, handed the text its contract checked."""
        office, actor, arguments = staff_arguments(
            self.caller, RELEASE_TEXT_CHANGE, office_id=office_id, language=language, text=text
        )
        return handle(self.db, office, actor, arguments["language"], arguments["text"])


def release_text_answer(text: ReleaseText) -> dict[str, Any]:
    """An office's release text in one language as the contract answers it."""
    current, default = text.current, DEFAULT_RELEASE_TEXTS[text.language]
    return dict(
        OFFICE_RELEASE_TEXT.dump(
            {
                "language": text.language,
                "version": text.template.version,
                "text": text.template.body,
                "is_default": text.is_default,
                "updated_at": current.created_at if current else None,
                "updated_by": current.created_by if current else None,
                "default_version": default.version,
                "default_text": default.body,
                "placeholders": list(PLACEHOLDER_MEANINGS[text.language].items()),
                "max_length": MAX_RELEASE_TEXT_CHARS,
                "history": [
                    {
                        "version": version.version,
                        "text": version.text,
                        "created_at": version.created_at,
                        "created_by": version.created_by,
                        "is_default": version.is_default,
                    }
                    for version in text.history
                ],
            }
        )
    )
