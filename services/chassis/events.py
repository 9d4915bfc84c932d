"""An event as a consumer receives it: the envelope's fields and its typed payload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

P = TypeVar("P")


@dataclass(frozen=True)
class IncomingEvent(Generic[P]):
    """`payload` is the contract's payload dataclass (`SubmissionReceived`, ...)."""

    event_id: str
    event_type: str
    schema_version: int
    office_id: str
    occurred_at: datetime
    correlation_id: str
    causation_id: str | None
    traceparent: str | None
    payload: P
