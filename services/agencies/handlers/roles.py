"""Who may do what in agency liaison: each handler checks the acting staff member's role
first (agencies checks again whatever the gateway already checked)."""

from __future__ import annotations

from services.chassis.domain import Actor
from services.chassis.errors import Forbidden
from services.contracts.vocabulary import ROLES

PLATFORM_ADMIN = "platform_admin"
READ_ONLY = "read_only"
CASEWORKER = "caseworker"
SUPERVISOR = "supervisor"
OFFICE_ADMIN = "office_admin"
WRITERS = frozenset({CASEWORKER, SUPERVISOR, OFFICE_ADMIN})
APPROVERS = frozenset({SUPERVISOR, OFFICE_ADMIN})


def require_platform_admin(actor: Actor) -> None:
    if actor.is_system or actor.role != PLATFORM_ADMIN:
        raise Forbidden("only a platform admin changes the agency directory")


def require_member(actor: Actor) -> None:
    """Anyone of the office (or the system) reads its liaison work."""
    if not actor.is_system and actor.role not in ROLES:
        raise Forbidden(
            "your role does not allow access to agency liaison", {"role": ["missing or not known"]}
        )


def require_office_admin(actor: Actor) -> None:
    if actor.is_system or actor.role != OFFICE_ADMIN:
        raise Forbidden("only an office admin changes the office's liaison directory and settings")


def require_writer(actor: Actor, what: str) -> None:
    """Caseworkers, supervisors and office admins act on letters."""
    if actor.is_system or actor.role not in WRITERS:
        raise Forbidden(f"a {actor.role or 'caller without a role'} may not {what}")


def require_drafter(actor: Actor) -> None:
    """An intern (read_only) may draft a letter too, when the office's approval rules then
    require a supervisor's approval (checked by the inquiry)."""
    if actor.is_system or actor.role not in ROLES:
        raise Forbidden("drafting a letter needs a staff member of the office")


def require_approver(actor: Actor) -> None:
    if actor.is_system or actor.role not in APPROVERS:
        raise Forbidden("only a supervisor or an office admin approves")
