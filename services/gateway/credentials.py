"""The SQL of signing in: office staff's passwords and lockout, their sessions and API tokens
(through the office's unit of work, behind the tenant wall), and platform admins with their
sessions (platform work: they belong to no office)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, select, update
from sqlalchemy.orm import Session

from services.chassis.repository import OfficeScopedRepository
from services.gateway.domain.identity import PLATFORM_ADMIN, LoginState, Principal
from services.gateway.models import Base

OFFICES = Base.metadata.tables["offices"]
USERS = Base.metadata.tables["users"]
SESSIONS = Base.metadata.tables["staff_sessions"]
TOKENS = Base.metadata.tables["api_tokens"]
ADMINS = Base.metadata.tables["platform_admins"]
ADMIN_SESSIONS = Base.metadata.tables["platform_sessions"]

ACCOUNT_COLUMNS = (
    USERS.c.id,
    USERS.c.display_name,
    USERS.c.email,
    USERS.c.role,
    USERS.c.active,
    USERS.c.password_hash,
    USERS.c.failed_logins,
    USERS.c.locked_until,
    USERS.c.totp_secret,
)
IN_OFFICE = USERS.c.office_id == bindparam("office_id")
ACCOUNT_BY_EMAIL = select(*ACCOUNT_COLUMNS).where(IN_OFFICE, USERS.c.email == bindparam("email"))
ACCOUNT_BY_ID = select(*ACCOUNT_COLUMNS).where(IN_OFFICE, USERS.c.id == bindparam("user_id"))
SET_LOGIN_STATE = (
    update(USERS)
    .where(USERS.c.office_id == bindparam("in_office"), USERS.c.id == bindparam("user"))
    .values(failed_logins=bindparam("failed"), locked_until=bindparam("until"))
)
SESSION_PRINCIPAL = (
    select(
        SESSIONS.c.created_at,
        SESSIONS.c.last_seen_at,
        SESSIONS.c.pending,
        USERS.c.id,
        USERS.c.display_name,
        USERS.c.email,
        USERS.c.role,
    )
    .join(USERS, USERS.c.id == SESSIONS.c.user_id)
    .where(
        SESSIONS.c.office_id == bindparam("office_id"),
        SESSIONS.c.id_hash == bindparam("id_hash"),
        USERS.c.active.is_(True),
    )
)
TOUCH_SESSION = (
    update(SESSIONS)
    .where(SESSIONS.c.office_id == bindparam("in_office"), SESSIONS.c.id_hash == bindparam("id"))
    .values(last_seen_at=bindparam("seen"))
)
TOKEN_PRINCIPAL = (
    select(TOKENS.c.id.label("token_id"), USERS.c.id, USERS.c.display_name, USERS.c.email)
    .add_columns(USERS.c.role)
    .join(USERS, USERS.c.id == TOKENS.c.user_id)
    .where(
        TOKENS.c.office_id == bindparam("office_id"),
        TOKENS.c.token_hash == bindparam("token_hash"),
        TOKENS.c.revoked_at.is_(None),
        USERS.c.active.is_(True),
    )
)


@dataclass(frozen=True)
class Account:
    """A staff member or platform admin as signing in sees them."""

    user_id: str
    display_name: str
    email: str
    role: str
    active: bool
    password_hash: str | None
    login: LoginState
    totp_secret: str | None = None


@dataclass(frozen=True)
class SessionFound:
    principal: Principal
    created_at: datetime
    last_seen_at: datetime
    # The second factor still to come ("totp" or "enrol"); None once signed in.
    pending: str | None = None


@dataclass(frozen=True)
class TokenListing:
    token_id: str
    name: str
    owner_email: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class OfficeCredentials(OfficeScopedRepository):
    """The passwords, sessions and tokens of the office this unit of work is for."""

    # Accounts --------------------------------------------------------------------------------

    def account_by_email(self, email: str) -> Account | None:
        row = self._row(ACCOUNT_BY_EMAIL, email=email)
        return None if row is None else _account(row)

    def account(self, user_id: str) -> Account | None:
        row = self._row(ACCOUNT_BY_ID, user_id=user_id)
        return None if row is None else _account(row)

    def set_login_state(
        self, user_id: str, state: LoginState, *, logged_in_at: datetime | None = None
    ) -> None:
        self._session.execute(
            SET_LOGIN_STATE,
            {
                "in_office": self._office_id,
                "user": user_id,
                "failed": state.failed_logins,
                "until": state.locked_until,
            },
        )
        if logged_in_at is not None:
            self._update_user(user_id, last_login_at=logged_in_at)

    def set_password(self, user_id: str, password_hash: str) -> None:
        """A new password also lifts a lockout; the member's other sessions end."""
        self._update_user(user_id, password_hash=password_hash, failed_logins=0, locked_until=None)
        self.end_sessions_of(user_id)

    def _update_user(self, user_id: str, **values: Any) -> None:
        self._session.execute(
            update(USERS)
            .where(USERS.c.office_id == self._office_id, USERS.c.id == user_id)
            .values(**values)
        )

    # Sessions --------------------------------------------------------------------------------

    def start_session(
        self,
        id_hash: str,
        user_id: str,
        now: datetime,
        address: str | None,
        pending: str | None = None,
    ) -> None:
        self._session.execute(
            SESSIONS.insert(),
            dict(
                id_hash=id_hash,
                office_id=self._office_id,
                user_id=user_id,
                created_at=now,
                last_seen_at=now,
                client_address=address,
                pending=pending,
            ),
        )

    def complete_session(self, id_hash: str) -> None:
        """The second factor is in: the session opens the office's pages."""
        self._session.execute(
            update(SESSIONS)
            .where(SESSIONS.c.office_id == self._office_id, SESSIONS.c.id_hash == id_hash)
            .values(pending=None)
        )

    # Second factor -----------------------------------------------------------------------------

    def office_requires_totp(self) -> bool:
        return bool(
            self._session.execute(
                select(OFFICES.c.require_totp).where(OFFICES.c.office_id == self._office_id)
            ).scalar()
        )

    def require_totp(self, required: bool) -> None:
        self._session.execute(
            update(OFFICES)
            .where(OFFICES.c.office_id == self._office_id)
            .values(require_totp=required)
        )

    def set_totp_secret(self, user_id: str, secret: str | None) -> None:
        self._update_user(user_id, totp_secret=secret)

    def find_session(self, id_hash: str) -> SessionFound | None:
        row = self._row(SESSION_PRINCIPAL, id_hash=id_hash)
        if row is None:
            return None
        principal = Principal(row.id, row.display_name, row.email, row.role, self._office_id, "web")
        return SessionFound(principal, row.created_at, row.last_seen_at, row.pending)

    def touch_session(self, id_hash: str, now: datetime) -> None:
        self._session.execute(
            TOUCH_SESSION, {"in_office": self._office_id, "id": id_hash, "seen": now}
        )

    def end_session(self, id_hash: str) -> None:
        self._session.execute(
            delete(SESSIONS).where(
                SESSIONS.c.office_id == self._office_id, SESSIONS.c.id_hash == id_hash
            )
        )

    def end_sessions_of(self, user_id: str) -> None:
        self._session.execute(
            delete(SESSIONS).where(
                SESSIONS.c.office_id == self._office_id, SESSIONS.c.user_id == user_id
            )
        )

    # API tokens ------------------------------------------------------------------------------

    def add_token(self, user_id: str, name: str, token_hash: str, now: datetime) -> str:
        token_id = str(uuid.uuid4())
        self._session.execute(
            TOKENS.insert(),
            dict(
                id=token_id,
                office_id=self._office_id,
                user_id=user_id,
                name=name,
                token_hash=token_hash,
                created_at=now,
            ),
        )
        return token_id

    def token_principal(self, token_hash: str, now: datetime) -> Principal | None:
        row = self._row(TOKEN_PRINCIPAL, token_hash=token_hash)
        if row is None:
            return None
        self._session.execute(
            update(TOKENS)
            .where(TOKENS.c.office_id == self._office_id, TOKENS.c.id == row.token_id)
            .values(last_used_at=now)
        )
        return Principal(row.id, row.display_name, row.email, row.role, self._office_id, "api")

    def revoke_token(self, token_id: str, now: datetime) -> bool:
        result = self._session.execute(
            update(TOKENS)
            .where(
                TOKENS.c.office_id == self._office_id,
                TOKENS.c.id == token_id,
                TOKENS.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def tokens(self) -> list[TokenListing]:
        rows = self._session.execute(
            select(
                TOKENS.c.id,
                TOKENS.c.name,
                USERS.c.email,
                TOKENS.c.created_at,
                TOKENS.c.last_used_at,
                TOKENS.c.revoked_at,
            )
            .join(USERS, USERS.c.id == TOKENS.c.user_id)
            .where(TOKENS.c.office_id == self._office_id)
            .order_by(TOKENS.c.created_at.desc())
        )
        return [TokenListing(*row) for row in rows]


class PlatformAccounts:
    """Platform admins and their sessions, on a platform session (they belong to no office)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def by_email(self, email: str) -> Account | None:
        row = self._session.execute(select(ADMINS).where(ADMINS.c.email == email)).first()
        return None if row is None else _admin(row)

    def add(self, email: str, display_name: str, password_hash: str, now: datetime) -> str:
        admin_id = str(uuid.uuid4())
        self._session.execute(
            ADMINS.insert(),
            dict(
                id=admin_id,
                email=email,
                display_name=display_name,
                active=True,
                password_hash=password_hash,
                created_at=now,
                failed_logins=0,
            ),
        )
        return admin_id

    def update(self, admin_id: str, **values: Any) -> None:
        self._session.execute(update(ADMINS).where(ADMINS.c.id == admin_id).values(**values))

    def start_session(
        self, id_hash: str, admin_id: str, now: datetime, address: str | None
    ) -> None:
        self._session.execute(
            ADMIN_SESSIONS.insert(),
            dict(
                id_hash=id_hash,
                admin_id=admin_id,
                created_at=now,
                last_seen_at=now,
                client_address=address,
            ),
        )

    def find_session(self, id_hash: str) -> SessionFound | None:
        row = self._session.execute(
            select(
                ADMIN_SESSIONS.c.created_at,
                ADMIN_SESSIONS.c.last_seen_at,
                ADMINS.c.id,
                ADMINS.c.display_name,
                ADMINS.c.email,
            )
            .join(ADMINS, ADMINS.c.id == ADMIN_SESSIONS.c.admin_id)
            .where(ADMIN_SESSIONS.c.id_hash == id_hash, ADMINS.c.active.is_(True))
        ).first()
        if row is None:
            return None
        principal = Principal(row.id, row.display_name, row.email, PLATFORM_ADMIN, None, "web")
        return SessionFound(principal, row.created_at, row.last_seen_at)

    def touch_session(self, id_hash: str, now: datetime) -> None:
        self._session.execute(
            update(ADMIN_SESSIONS)
            .where(ADMIN_SESSIONS.c.id_hash == id_hash)
            .values(last_seen_at=now)
        )

    def end_session(self, id_hash: str) -> None:
        self._session.execute(delete(ADMIN_SESSIONS).where(ADMIN_SESSIONS.c.id_hash == id_hash))


def _account(row: Row[Any]) -> Account:
    return Account(
        user_id=row.id,
        display_name=row.display_name,
        email=row.email,
        role=row.role,
        active=row.active,
        password_hash=row.password_hash,
        login=LoginState(row.failed_logins, row.locked_until),
        totp_secret=row.totp_secret,
    )


def _admin(row: Row[Any]) -> Account:
    return Account(
        user_id=row.id,
        display_name=row.display_name,
        email=row.email,
        role=PLATFORM_ADMIN,
        active=row.active,
        password_hash=row.password_hash,
        login=LoginState(row.failed_logins, row.locked_until),
    )
