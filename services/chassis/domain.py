"""What every service's pure domain builds on: who acts, and aggregates that record events.

No I/O here, and nothing that imports nameko or SQLAlchemy: `domain/` packages may import this
module (the import-linter contract "Domains are pure" allows it and forbids the rest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.contracts import EventContract

SYSTEM = "system"
AUDIT_FIELD_LENGTH = 100


@dataclass(frozen=True)
class Actor:
    """Who a unit of work acts for: a staff user (with their role), or the system because of
    an event (`cause` is its type). Audit rows name it; it never holds personal data."""

    user_id: str = SYSTEM
    role: str | None = None
    origin: str | None = None
    cause: str | None = None

    @classmethod
    def staff(cls, user_id: str, role: str | None = None, origin: str | None = None) -> Actor:
        return cls(
            user_id=user_id[:AUDIT_FIELD_LENGTH],
            role=role,
            origin=origin[:AUDIT_FIELD_LENGTH] if origin else None,
        )

    @classmethod
    def system(cls, cause: str | None = None) -> Actor:
        return cls(cause=cause)

    @property
    def is_system(self) -> bool:
        return self.user_id == SYSTEM

    @property
    def audit_name(self) -> str:
        """What the audit log's `actor` column says."""
        if self.is_system and self.cause:
            return f"{SYSTEM}:{self.cause}"[:AUDIT_FIELD_LENGTH]
        return self.user_id


@dataclass(frozen=True)
class RecordedEvent:
    """An event an aggregate recorded; the unit of work writes it to the outbox on commit."""

    contract: EventContract
    payload: Any  # the contract's payload dataclass (or a mapping of its fields)


@dataclass
class Aggregate:
    """Base of an aggregate: the events it recorded since it was loaded or created."""

    events: list[RecordedEvent] = field(default_factory=list, init=False, repr=False, compare=False)

    def record(self, contract: EventContract, payload: Any) -> None:
        self.events.append(RecordedEvent(contract, payload))

    def pull_events(self) -> list[RecordedEvent]:
        events, self.events = self.events, []
        return events
