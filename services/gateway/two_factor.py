"""The second factor of signing in: a TOTP code from an authenticator app (RFC 6238, pyotp).

A member who enrolled one enters a code after their password; an office admin can require one
for the whole office, and then a member without one enrols before their first page. Until the
code is in, the session opens nothing but this step. A wrong code counts as a failed login
(five in a row lock the account for 15 minutes). The secret offered for enrolment is derived
from the session's own secret, so the page and the form agree without storing it, and nobody
else can compute it.
"""

from __future__ import annotations

import base64
import hmac

import pyotp

from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.errors import ValidationFailed
from services.gateway.credentials import SessionFound
from services.gateway.domain.identity import LoginState, digest
from services.gateway.signin import LOGINS, Database, LoginRefused, find_session, refused

ISSUER = "Casework"
TOTP = "totp"
ENROL = "enrol"


def enrolment_secret(session_secret: str) -> str:
    """The base32 secret offered to this session to enrol (160 bits, as RFC 4226 advises)."""
    raw = hmac.new(session_secret.encode(), b"casework-totp-enrol", "sha256").digest()[:20]
    return base64.b32encode(raw).decode()


def provisioning_uri(secret: str, email: str, office_name: str) -> str:
    """What an authenticator app reads (typed in, or from a QR code of it)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=f"{ISSUER} ({office_name})")


def code_matches(secret: str, code: str) -> bool:
    code = "".join(code.split())
    return code.isdigit() and len(code) == 6 and pyotp.TOTP(secret).verify(code, valid_window=1)


def pending_session(db: Database, cookie: str | None) -> tuple[SessionFound, str] | None:
    """The session that waits for its second factor, and its secret; None for any other."""
    found = find_session(db, cookie)
    if found is None or found[0].pending is None or found[0].principal.office_id is None:
        return None
    return found


def complete(db: Database, found: SessionFound, secret: str, code: str, *, origin: str) -> None:
    """Check the code (against the enrolled secret, or the one offered to enrol) and open the
    session. Raises `LoginRefused` for a wrong code (counted, and locking like a password)."""
    principal = found.principal
    assert principal.office_id is not None
    actor = Actor.staff(principal.user_id, principal.role, origin)
    now = utcnow()
    with db.unit_of_work(office_id=principal.office_id, actor=actor) as uow:
        account = uow.credentials.account(principal.user_id)
        if account is None or not account.active:
            raise refused("inactive")
        enrolling = found.pending == ENROL or account.totp_secret is None
        wanted = enrolment_secret(secret) if enrolling else str(account.totp_secret)
        if account.login.locked_at(now):
            raise refused("locked", until=account.login.locked_until)
        if not code_matches(wanted, code):
            state = account.login.after_failure(now)
            uow.credentials.set_login_state(principal.user_id, state)
            uow.audit("login.locked" if state.locked_at(now) else "login.code_failed", "user",
                      principal.user_id)  # fmt: skip
            if state.locked_at(now):
                uow.credentials.end_session(digest(secret))
            uow.commit()
            if state.locked_at(now):
                raise refused("locked", until=state.locked_until)
            raise LoginRefused("That code is not right. Enter the 6 digits your app shows now.")
        if enrolling:
            uow.credentials.set_totp_secret(principal.user_id, wanted)
            uow.audit("two_factor.enrolled", "user", principal.user_id)
        uow.credentials.set_login_state(
            principal.user_id, LoginState.after_success(), logged_in_at=now
        )
        uow.credentials.complete_session(digest(secret))
        uow.audit("login", "user", principal.user_id)
        uow.commit()
    LOGINS.labels("success").inc()


def enrol(
    db: Database, office_id: str, user_id: str, session_secret: str, code: str, *, actor: Actor
) -> None:
    """A signed-in member sets up an authenticator of their own accord."""
    secret = enrolment_secret(session_secret)
    if not code_matches(secret, code):
        raise ValidationFailed(
            "wrong code", fields={"code": ["enter the 6 digits your app shows now"]}
        )
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        uow.credentials.set_totp_secret(user_id, secret)
        uow.audit("two_factor.enrolled", "user", user_id)
        uow.commit()


def remove(db: Database, office_id: str, user_id: str, *, actor: Actor) -> None:
    """Forget a member's authenticator (lost phone; or their own choice where the office does
    not require one): they sign in with the password alone, or enrol again if required."""
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        uow.credentials.set_totp_secret(user_id, None)
        uow.credentials.end_sessions_of(user_id)
        uow.audit("two_factor.removed", "user", user_id)
        uow.commit()


def status(db: Database, office_id: str, user_id: str) -> tuple[bool, bool]:
    """Whether the member has an authenticator, and whether their office requires one."""
    with db.unit_of_work(office_id=office_id) as uow:
        account = uow.credentials.account(user_id)
        return (
            account is not None and account.totp_secret is not None,
            uow.credentials.office_requires_totp(),
        )


def require(db: Database, office_id: str, required: bool, *, actor: Actor) -> None:
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        uow.credentials.require_totp(required)
        uow.audit("office.two_factor_required" if required else "office.two_factor_optional",
                  "office", office_id)  # fmt: skip
        uow.commit()
