"""What the office admin's text editors share (the privacy release text, the wording of the
messages to constituents): the office's settings page they stand on, the languages they are
kept in, and the owning service's answer to a typed text or its refusal, shown beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from services.chassis.errors import CaseworkError
from services.gateway.access import Visit
from services.gateway.liaison_forms import Problem
from services.gateway.web import render

LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def answer_or_problem(ask: Callable[[], Any]) -> tuple[Any, Problem | None]:
    """What the owning service answers to a typed text (its preview, the version saved), or
    why it refused it; a service that did not answer (5xx) is the error page's."""
    try:
        return ask(), None
    except CaseworkError as exc:
        if exc.status >= 500:
            raise
        return None, Problem.of(exc)


def settings_page(
    template: str, visit: Visit, office: Any, *, problem: Problem | None = None, **shown: Any
) -> Response:
    """A page under the office's settings, answered with its problem's status if refused."""
    return render(
        template,
        status=problem.status if problem else 200,
        visit=visit,
        nav="settings",
        office=office,
        problem=problem,
        **shown,
    )


def editor_page(
    template: str,
    visit: Visit,
    office: Any,
    preview_typed: Callable[[], Any],
    *,
    done: str | None = None,
    problem: Problem | None = None,
    preview: dict[str, Any] | None = None,
    **shown: Any,
) -> Response:
    """An editor's page with the typed text beside its preview: the one asked for, or, when
    neither a preview nor a refusal is at hand (the page was opened or saved), a new one."""
    if problem is None and preview is None:
        preview, problem = answer_or_problem(preview_typed)
    return settings_page(
        template, visit, office, problem=problem, preview=preview, done=done, **shown
    )
