"""What a test block sent to the database: the statements SQLAlchemy executed on an engine (or on
every engine), for tests that hold a path to a number of statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def statements_with(text: str = "", target: Any = Engine) -> Iterator[list[str]]:
    """The statements containing `text` (all: "") that `target` (an engine; every engine by
    default) executes while the block runs, in order, their whitespace as sent."""
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if text in statement:
            seen.append(statement)

    event.listen(target, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(target, "before_cursor_execute", listen)
