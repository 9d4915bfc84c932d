"""How every staff RPC of intake begins: its arguments checked by their contract, the office
they name taken only from a caller who acts for it, and the staff member acting."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema

from services.chassis.caller import Caller
from services.chassis.domain import Actor
from services.chassis.schemas import load_arguments


def staff_arguments(caller: Caller, schema: Schema, **wire: Any) -> tuple[str, Actor, Any]:
    """The office, the actor and the loaded arguments; NotFound when the caller acts for
    another office (as far as they know, there is nothing there)."""
    arguments = load_arguments(schema, wire)
    office, actor = caller.acting(arguments["office_id"])
    return office, actor, arguments
