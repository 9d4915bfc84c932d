"""Who is calling an RPC method: the acting staff member the gateway puts in the RPC context
(`user_id`, `role`, `origin`, `office_id`), or the system when there is none."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from nameko.extensions import DependencyProvider

from services.chassis.domain import AUDIT_FIELD_LENGTH, Actor
from services.chassis.errors import NotFound


@dataclass(frozen=True)
class Caller:
    """Who is calling (`actor`) and, when the caller says, the office they act for and their
    name (staff sign letters with it; the actor, which audit rows copy, holds no name)."""

    actor: Actor
    office_id: str | None = None
    name: str | None = None

    def office(self, office_id: str) -> str:
        """`office_id`, unless the caller acts for another office: then, as far as they
        know, there is nothing there."""
        if self.office_id is not None and self.office_id != office_id:
            raise NotFound(f"there is no such record in office {office_id}")
        return office_id

    def acting(self, office_id: str) -> tuple[str, Actor]:
        """The office a staff call is about (`office`: not found for a caller of another
        office) and who acts in it."""
        return self.office(office_id), self.actor


class RpcCaller(DependencyProvider):
    """The `Caller` of the current worker, from its RPC context."""

    def get_dependency(self, worker_ctx: Any) -> Caller:
        user_id, role, origin, office_id = (
            str(value) if value else None
            for value in (
                worker_ctx.data.get(key) for key in ("user_id", "role", "origin", "office_id")
            )
        )
        if user_id:
            name = str(worker_ctx.data.get("user_name") or "")[:AUDIT_FIELD_LENGTH] or None
            return Caller(Actor.staff(user_id, role, origin), office_id, name)
        system = replace(Actor.system(), origin=origin[:AUDIT_FIELD_LENGTH] if origin else None)
        return Caller(system, office_id)
