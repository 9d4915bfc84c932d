"""Who may do what to an office's cases, checked again here whatever the gateway showed: the
role comes from the RPC context. A refusal is `Forbidden`; another office's case is `NotFound`
(nobody learns it exists).

- `read_only` (an intern) reads; `caseworker` also writes notes, moves cases through their
  lifecycle, changes priority, tags and due dates, and takes an unassigned case for themselves;
  `supervisor` and `office_admin` also give any case to anyone who takes cases; only
  `office_admin` reads a case's audit trail.
- The system (no user in the context: a CLI, an older caller) may read, never write.
- A user with no role, or a role cases does not know, may do nothing.
"""

from __future__ import annotations

from services.cases.domain.lifecycle import CaseStatus, next_statuses
from services.cases.domain.routing import RosterMember
from services.chassis.domain import Actor
from services.chassis.errors import Forbidden, NotFound, ValidationFailed
from services.contracts.vocabulary import ROLES

READ_ONLY = "read_only"
CASEWORKER = "caseworker"
SUPERVISOR = "supervisor"
OFFICE_ADMIN = "office_admin"
WRITERS = frozenset({CASEWORKER, SUPERVISOR, OFFICE_ADMIN})
# Who may give a case to someone other than themselves, or take one someone else has.
ASSIGNERS = frozenset({SUPERVISOR, OFFICE_ADMIN})


def same_office(context_office: str | None, office_id: str) -> None:
    """A caller acting for one office asks about another: as far as they know, there is
    nothing there."""
    if context_office is not None and context_office != office_id:
        raise NotFound(f"there is no such case in office {office_id}")


def _known_role(actor: Actor) -> str:
    if actor.role not in ROLES:
        raise Forbidden(
            "your role does not allow access to cases", {"role": ["missing or not known"]}
        )
    return actor.role


def require_reader(actor: Actor) -> None:
    if not actor.is_system:
        _known_role(actor)


def may_write(actor: Actor) -> bool:
    return not actor.is_system and actor.role in WRITERS


def require_writer(actor: Actor) -> None:
    if actor.is_system:
        raise Forbidden("changes to a case need a staff member", {"user_id": ["missing"]})
    if _known_role(actor) not in WRITERS:
        raise Forbidden(f"a {actor.role} may read cases but not change them")


def require_audit_reader(actor: Actor) -> None:
    if actor.is_system or _known_role(actor) != OFFICE_ADMIN:
        raise Forbidden("only an office admin may read a case's audit trail")


def allowed_transitions(actor: Actor, status: CaseStatus) -> list[str]:
    """The moves this caller may make from `status`: none for one who may not write."""
    return next_statuses(status) if may_write(actor) else []


def check_assignment(
    actor: Actor, current_assignee: str | None, target: RosterMember | None, user_id: str
) -> RosterMember:
    """The member a case may be given to by `actor`, or why not.

    A caseworker may take an unassigned case for themselves; a supervisor or office admin may
    give any case to anyone on the roster who takes cases (active, and a caseworker or
    supervisor).
    """
    require_writer(actor)
    if actor.role not in ASSIGNERS:
        if user_id != actor.user_id:
            raise Forbidden("a caseworker may only take a case for themselves")
        if current_assignee is not None and current_assignee != actor.user_id:
            raise Forbidden("a caseworker may only take an unassigned case")
    if target is not None and not target.active:
        raise ValidationFailed(
            f"{user_id} is deactivated in this office and takes no new cases",
            {"user_id": ["deactivated: choose an active caseworker or supervisor"]},
        )
    if target is None or not target.takes_cases:
        raise ValidationFailed(
            f"{user_id} does not take cases in this office",
            {"user_id": ["not a caseworker or supervisor of this office"]},
        )
    return target
