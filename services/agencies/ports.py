"""What agencies' service layer needs from storage, as protocols: `repository.py` satisfies
them with SQL, `tests/fakes.py` with dicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from services.agencies.domain.suggestions import CaseSuggestion


class Suggestions(Protocol):
    """The agency suggested for each of one office's cases."""

    def exists_for(self, case_id: str) -> bool: ...

    def add(self, suggestion: CaseSuggestion) -> CaseSuggestion: ...


class AgenciesWork(Protocol):
    """An agencies unit of work, real or fake."""

    @property
    def suggestions(self) -> Suggestions: ...

    def after_commit(self, callback: Callable[[], None]) -> None: ...
