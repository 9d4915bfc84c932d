"""Signing in and out, sessions and API tokens: the service layer of staff identity.

Passwords are argon2id hashes (argon2-cffi's defaults). A session is a random secret in an
HttpOnly cookie that also names the office (`rep-lopez.<secret>`), so the session is looked up
in that office's unit of work, behind the tenant wall; only its SHA-256 is stored. A new
session is made at every login (the id rotates), ends after 30 minutes idle or 12 hours in all,
and at logout. Five failed logins in a row lock the account for 15 minutes, audited.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.chassis.config import env_int
from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.errors import ValidationFailed
from services.chassis.observability import service_metric
from services.chassis.schemas import is_office_id
from services.gateway.credentials import Account, PlatformAccounts, SessionFound
from services.gateway.domain.identity import (
    PLATFORM,
    LoginState,
    Principal,
    SessionPolicy,
    digest,
    new_secret,
    token_parts,
)
from services.gateway.domain.staff import normalise_email
from services.gateway.ports import SigninDatabase as Database
from services.gateway.ports import SigninWork

log = logging.getLogger(__name__)

HASHER = PasswordHasher()
# Verified when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = HASHER.hash("no account has this password")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024

LOGINS = service_metric(
    "counter", "gateway", "logins_total", "Staff login attempts by outcome", ["outcome"]
)
for _outcome in ("success", "wrong_credentials", "locked", "inactive"):
    LOGINS.labels(_outcome)


def session_policy() -> SessionPolicy:
    return SessionPolicy(
        idle=timedelta(minutes=env_int("CASEWORK_GATEWAY_SESSION_IDLE_MINUTES", 30)),
        absolute=timedelta(hours=env_int("CASEWORK_GATEWAY_SESSION_ABSOLUTE_HOURS", 12)),
    )


class LoginRefused(Exception):
    """Why a login failed, in words for the person at the form."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    cookie: str  # the session cookie's value
    # The second factor still to come ("totp": enter a code; "enrol": set one up first).
    pending: str | None = None


def second_factor_due(account: Account, office_requires: bool) -> str | None:
    if account.totp_secret:
        return "totp"
    return "enrol" if office_requires else None


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "password too short",
            fields={"password": [f"use at least {MIN_PASSWORD_LENGTH} characters"]},
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            "password too long",
            fields={"password": [f"use at most {MAX_PASSWORD_LENGTH} characters"]},
        )
    return HASHER.hash(password)


def _verifies(password_hash: str | None, password: str) -> bool:
    try:
        return HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def log_in(
    db: Database, workplace: str, email: str, password: str, *, address: str | None
) -> SignedIn:
    """Check the password of `email` in `workplace` (an office id, or `PLATFORM`); on success
    a new session. Raises `LoginRefused` with a message that does not say which part was
    wrong (except that the account is locked)."""
    email = normalise_email(email)
    password = password[:MAX_PASSWORD_LENGTH]
    now = utcnow()
    if workplace == PLATFORM:
        return _platform_log_in(db, email, password, address, now)
    if not is_office_id(workplace):
        _verifies(None, password)
        raise refused("wrong_credentials")
    # Who tried is not known until the password is right: failures are audited as the form's.
    actor = Actor.staff("login-form", origin=_origin(address))
    with db.unit_of_work(office_id=workplace, actor=actor) as uow:
        account = uow.credentials.account_by_email(email)
        if account is None:
            _verifies(None, password)
            raise refused("wrong_credentials")
        check_account(account, password, now, on_failure=uow)
        secret = new_secret()
        pending = second_factor_due(account, uow.credentials.office_requires_totp())
        if pending is None:
            # Failures are forgiven only once the whole sign-in succeeded: a password alone
            # does not buy five more guesses at the code.
            uow.credentials.set_login_state(
                account.user_id, LoginState.after_success(), logged_in_at=now
            )
            uow.audit("login", "user", account.user_id, actor=_as(account, address))
        uow.credentials.start_session(digest(secret), account.user_id, now, address, pending)
        uow.commit()
    if pending is None:
        LOGINS.labels("success").inc()
    principal = Principal(
        account.user_id, account.display_name, account.email, account.role, workplace, "web"
    )
    return SignedIn(principal, f"{workplace}.{secret}", pending)


def password_attempt(
    account: Account, password: str, now: datetime
) -> tuple[LoginState | None, LoginRefused | None]:
    """The rule of one password attempt, for office staff and platform admins alike: the
    login state to store (None: unchanged) and the refusal (None: signed in)."""
    if account.login.locked_at(now):
        _verifies(None, password)
        return None, refused("locked", until=account.login.locked_until)
    if not _verifies(account.password_hash, password):
        state = account.login.after_failure(now)
        if state.locked_at(now):
            return state, refused("locked", until=state.locked_until)
        return state, refused("wrong_credentials")
    if not account.active:
        return None, refused("inactive")
    return None, None


def check_account(
    account: Account, password: str, now: datetime, *, on_failure: SigninWork
) -> None:
    """Raise `LoginRefused` unless the password is right and the account may log in; record a
    failure (and a lockout) through `on_failure`, committed before raising."""
    state, refusal = password_attempt(account, password, now)
    if state is not None:
        on_failure.credentials.set_login_state(account.user_id, state)
        locked = state.locked_at(now)
        on_failure.audit("login.locked" if locked else "login.failed", "user", account.user_id)
        if locked:
            log.warning(
                "an account of office %s is locked after failed logins", on_failure.office_id
            )
        on_failure.commit()
    if refusal is not None:
        raise refusal


def _platform_log_in(
    db: Database, email: str, password: str, address: str | None, now: datetime
) -> SignedIn:
    with db.platform_work() as session:
        admins = PlatformAccounts(session)
        account = admins.by_email(email)
        if account is None:
            _verifies(None, password)
            raise refused("wrong_credentials")
        state, refusal = password_attempt(account, password, now)
        if state is not None:
            admins.update(
                account.user_id, failed_logins=state.failed_logins, locked_until=state.locked_until
            )
            session.commit()
            if state.locked_at(now):
                log.warning("a platform admin account is locked after failed logins")
        if refusal is not None:
            raise refusal
        secret = new_secret()
        admins.update(account.user_id, failed_logins=0, locked_until=None, last_login_at=now)
        admins.start_session(digest(secret), account.user_id, now, address)
        session.commit()
    LOGINS.labels("success").inc()
    principal = Principal(
        account.user_id, account.display_name, account.email, account.role, None, "web"
    )
    return SignedIn(principal, f"{PLATFORM}.{secret}")


def refused(outcome: str, *, until: datetime | None = None) -> LoginRefused:
    LOGINS.labels(outcome).inc()
    if outcome == "locked":
        minutes = 15 if until is None else max(1, int((until - utcnow()).total_seconds() // 60) + 1)
        return LoginRefused(
            f"Too many failed attempts: this account is locked. Try again in {minutes} minutes, "
            "or ask your office admin to reset your password."
        )
    if outcome == "inactive":
        return LoginRefused("This account is deactivated. Ask your office admin.")
    return LoginRefused("That email and password do not match an account of this office.")


def current_principal(db: Database, cookie: str | None) -> tuple[Principal, str] | None:
    """The person a session cookie belongs to and the session's secret, or None when there is
    no such session, it has expired (then it is removed) or still waits for its second
    factor."""
    found = find_session(db, cookie)
    if found is None or found[0].pending is not None:
        return None
    return found[0].principal, found[1]


def find_session(db: Database, cookie: str | None) -> tuple[SessionFound, str] | None:
    """The live session a cookie names, signed in or waiting for its second factor, and its
    secret; an expired one is removed, an active one's last-seen time kept (at most once a
    minute)."""
    if not cookie or "." not in cookie:
        return None
    workplace, secret = cookie.split(".", 1)
    if not secret:
        return None
    id_hash = digest(secret)
    policy = session_policy()
    now = utcnow()
    if workplace == PLATFORM:
        with db.platform_work() as session:
            admins = PlatformAccounts(session)
            found = admins.find_session(id_hash)
            if found is None:
                return None
            expired = policy.expired(found.created_at, found.last_seen_at, now)
            if expired:
                admins.end_session(id_hash)
            elif policy.needs_touch(found.last_seen_at, now):
                admins.touch_session(id_hash, now)
            session.commit()
            return None if expired else (found, secret)
    if not is_office_id(workplace):
        return None
    with db.unit_of_work(office_id=workplace) as uow:
        office_found = uow.credentials.find_session(id_hash)
        if office_found is None:
            return None
        if policy.expired(office_found.created_at, office_found.last_seen_at, now):
            uow.credentials.end_session(id_hash)
            uow.commit()
            return None
        if policy.needs_touch(office_found.last_seen_at, now):
            uow.credentials.touch_session(id_hash, now)
            uow.commit()
        return office_found, secret


def log_out(db: Database, cookie: str | None, principal: Principal | None) -> None:
    if not cookie or "." not in cookie:
        return
    workplace, secret = cookie.split(".", 1)
    if workplace == PLATFORM:
        with db.platform_work() as session:
            PlatformAccounts(session).end_session(digest(secret))
            session.commit()
        return
    if not is_office_id(workplace):
        return
    with db.unit_of_work(office_id=workplace) as uow:
        uow.credentials.end_session(digest(secret))
        if principal is not None:
            uow.audit("logout", "user", principal.user_id, actor=Actor.staff(principal.user_id))
        uow.commit()


def csrf_token(session_secret: str) -> str:
    """The token every form of a session carries: derived from the session's secret, so a
    page of another site can neither read nor compute it."""
    return hmac.new(session_secret.encode(), b"casework-csrf", "sha256").hexdigest()


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given or "")


def token_principal(db: Database, bearer: str) -> Principal | None:
    """The staff member an API token acts as (in the token's office); None for a token that is
    malformed, unknown or revoked, or whose owner is deactivated."""
    parts = token_parts(bearer)
    if parts is None or not is_office_id(parts[0]):
        return None
    office_id, secret = parts
    with db.unit_of_work(office_id=office_id) as uow:
        principal = uow.credentials.token_principal(digest(secret), utcnow())
        uow.commit()
        return principal


def _as(account: Account, address: str | None) -> Actor:
    return Actor.staff(account.user_id, account.role, _origin(address))


def _origin(address: str | None) -> str:
    return f"web {address}" if address else "web"
