"""Managing staff accounts: passwords set by an admin or changed by their owner, API tokens,
platform admins, and the office's accounts for its settings page. Signing in and sessions are
in `signin.py`."""

from __future__ import annotations

from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.errors import NotFound, ValidationFailed
from services.gateway.credentials import PlatformAccounts, TokenListing
from services.gateway.domain.identity import Principal, digest, new_api_token
from services.gateway.domain.staff import StaffMember, normalise_email
from services.gateway.signin import Database, LoginRefused, check_account, hash_password


def issue_token(db: Database, office_id: str, email: str, name: str, *, actor: Actor) -> str:
    """A new API token acting as the staff member `email`; returned once, stored hashed."""
    token, secret = new_api_token(office_id)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        account = uow.credentials.account_by_email(normalise_email(email))
        if account is None or not account.active:
            raise NotFound(f"{office_id} has no active staff member {email}")
        token_id = uow.credentials.add_token(account.user_id, name, digest(secret), utcnow())
        uow.audit("api_token.issued", "api_token", token_id)
        uow.commit()
    return token


def user_id_for(db: Database, office_id: str, email: str) -> str:
    with db.unit_of_work(office_id=office_id) as uow:
        account = uow.credentials.account_by_email(normalise_email(email))
    if account is None:
        raise NotFound(f"{office_id} has no staff member {email}")
    return account.user_id


def set_password_hash(
    db: Database, office_id: str, user_id: str, password_hash: str, *, actor: Actor
) -> None:
    """Give the member a new password (from `hash_password`): it lifts a lockout and signs
    their other sessions out."""
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        if uow.credentials.account(user_id) is None:
            raise NotFound(f"{office_id} has no such staff member")
        uow.credentials.set_password(user_id, password_hash)
        uow.audit("password.set", "user", user_id)
        uow.commit()


def revoke_token(db: Database, office_id: str, token_id: str, *, actor: Actor) -> None:
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        if not uow.credentials.revoke_token(token_id, utcnow()):
            raise NotFound("there is no such token, or it is revoked already")
        uow.audit("api_token.revoked", "api_token", token_id)
        uow.commit()


def office_accounts(db: Database, office_id: str) -> tuple[list[StaffMember], list[TokenListing]]:
    """The office's staff and API tokens, for its settings page."""
    with db.unit_of_work(office_id=office_id) as uow:
        return uow.staff.all(), uow.credentials.tokens()


def has_no_password(db: Database, office_id: str, user_id: str) -> bool:
    with db.unit_of_work(office_id=office_id) as uow:
        account = uow.credentials.account(user_id)
    return account is not None and account.password_hash is None


def add_platform_admin(
    db: Database,
    email: str,
    display_name: str,
    password: str,
    *,
    keep_password: bool = False,
    password_hash: str | None = None,
) -> bool:
    """Add a platform admin, or give an existing one this password (and reactivate them);
    with `keep_password` an existing one is left as it is. True when one was added.
    `password_hash`, when given, is the password's hash already made (the demo seed's)."""
    password_hash = password_hash or hash_password(password)
    with db.platform_work() as session:
        admins = PlatformAccounts(session)
        existing = admins.by_email(normalise_email(email))
        if existing is None:
            admins.add(normalise_email(email), display_name, password_hash, utcnow())
        elif not keep_password:
            admins.update(
                existing.user_id,
                password_hash=password_hash,
                active=True,
                failed_logins=0,
                locked_until=None,
            )
        session.commit()
    return existing is None


def change_own_password(
    db: Database, principal: Principal, current: str, new: str, *, origin: str
) -> None:
    """A signed-in member replaces their password, proving the current one (a wrong one counts
    as a failed login). Every session of theirs ends, this one too: they sign in again with
    the new password."""
    if principal.office_id is None:
        raise ValidationFailed("platform admins change their password with the admin CLI")
    new_hash = hash_password(new)
    actor = Actor.staff(principal.user_id, principal.role, origin)
    with db.unit_of_work(office_id=principal.office_id, actor=actor) as uow:
        account = uow.credentials.account(principal.user_id)
        if account is None:
            raise NotFound("there is no such account")
        try:
            check_account(account, current, utcnow(), on_failure=uow)
        except LoginRefused as wrong:
            raise ValidationFailed(wrong.message, fields={"current": [wrong.message]}) from None
        uow.credentials.set_password(principal.user_id, new_hash)
        uow.audit("password.changed", "user", principal.user_id)
        uow.commit()
