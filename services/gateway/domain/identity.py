"""Who is signed in, and the rules of signing in: lockout after repeated failures, session
timeouts, and what each role may do. Pure: the hashing and storage are in `auth.py` and
`credentials.py`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

# A platform admin's "office" in a session cookie: no office id can start with "~".
PLATFORM = "~platform"

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
TOKEN_PREFIX = "cwt_"  # noqa: S105 (a prefix that makes a leaked token easy to spot)

OFFICE_ADMIN = "office_admin"
SUPERVISOR = "supervisor"
CASEWORKER = "caseworker"
READ_ONLY = "read_only"
PLATFORM_ADMIN = "platform_admin"

ROLE_LABELS = {
    OFFICE_ADMIN: "Office admin",
    SUPERVISOR: "Supervisor",
    CASEWORKER: "Caseworker",
    READ_ONLY: "Intern (read-only)",
    PLATFORM_ADMIN: "Platform admin",
}
# Who may change cases (cases checks again), see the workload, run the office.
WRITERS = frozenset({OFFICE_ADMIN, SUPERVISOR, CASEWORKER})
SUPERVISORS = frozenset({OFFICE_ADMIN, SUPERVISOR})
# Who can be given cases (routing takes these, as cases' roster does).
TAKES_CASES = frozenset({SUPERVISOR, CASEWORKER})


@dataclass(frozen=True)
class Principal:
    """The person a request acts for: a staff member of one office, or a platform admin
    (`office_id` None), who manages offices and reads no case content."""

    user_id: str
    display_name: str
    email: str
    role: str
    office_id: str | None
    via: str  # "web" (a session) or "api" (a token)

    @property
    def is_platform_admin(self) -> bool:
        return self.role == PLATFORM_ADMIN

    @property
    def can_write(self) -> bool:
        return self.role in WRITERS

    @property
    def supervises(self) -> bool:
        return self.role in SUPERVISORS

    @property
    def administers_office(self) -> bool:
        return self.role == OFFICE_ADMIN

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def works_in(self, office_id: str) -> bool:
        return self.office_id is not None and self.office_id == office_id


@dataclass(frozen=True)
class LoginState:
    """An account's failed attempts since its last good login, and its lockout."""

    failed_logins: int
    locked_until: datetime | None

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def after_failure(self, now: datetime) -> LoginState:
        """One more failure; the fifth in a row locks the account for 15 minutes."""
        failed = self.failed_logins + 1
        if failed >= MAX_FAILED_LOGINS:
            return LoginState(0, now + LOCKOUT)
        return LoginState(failed, None)

    @staticmethod
    def after_success() -> LoginState:
        return LoginState(0, None)


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives: `idle` since its last request, `absolute` since login."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    # A session's last-seen time is written at most this often (not on every page).
    touch_every: timedelta = timedelta(seconds=60)

    def expired(self, created_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
        return now - last_seen_at >= self.idle or now - created_at >= self.absolute

    def needs_touch(self, last_seen_at: datetime, now: datetime) -> bool:
        return now - last_seen_at >= self.touch_every


def new_secret() -> str:
    """256 random bits, URL-safe: a session id or the secret part of an API token."""
    return secrets.token_urlsafe(32)


def new_api_token(office_id: str) -> tuple[str, str]:
    """`cwt_rep-lopez.<secret>` and its secret: like a session cookie, a token names its office
    (where it is looked up, behind the tenant wall); only the secret's digest is stored."""
    secret = new_secret()
    return f"{TOKEN_PREFIX}{office_id}.{secret}", secret


def token_parts(token: str) -> tuple[str, str] | None:
    """The office and secret of an API token, or None when it is not one."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    office_id, _, secret = token[len(TOKEN_PREFIX) :].partition(".")
    return (office_id, secret) if office_id and secret else None


def digest(secret: str) -> str:
    """What is stored of a session id or token: its SHA-256 (they are random, so a plain hash
    suffices; a leaked table gives nobody a way in)."""
    return hashlib.sha256(secret.encode()).hexdigest()
