"""Signing in on both databases (PostgreSQL behind the tenant wall): passwords, lockout,
session timeouts, API tokens, platform admins, the demo seed and the admin CLI's commands."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.errors import NotFound, ValidationFailed
from services.chassis.uow import DatabaseAccess
from services.gateway import accounts, admin, handlers, seed, signin
from services.gateway.domain.identity import PLATFORM, digest
from services.gateway.models import Base
from services.gateway.repository import GatewayUnitOfWork

OFFICE = seed.DEMO_OFFICE.office_id
SAM = "sam.rivera@demo.example.gov"
TAYLOR = "taylor.nguyen@demo.example.gov"
PASSWORD = seed.DEMO_PASSWORD
IT = Actor.staff("cli:it", origin="admin-cli")
Db = DatabaseAccess[GatewayUnitOfWork]
USERS = Base.metadata.tables["users"]
SESSIONS = Base.metadata.tables["staff_sessions"]
AUDIT = Base.metadata.tables["audit_log"]


@pytest.fixture
def db(service_database: Callable[..., str]) -> Iterator[Db]:
    service_database("gateway", Base.metadata)
    with admin.gateway_database() as database:
        seed.seed(database)
        yield database


def log_in(db: Db, email: str = SAM, password: str = PASSWORD) -> signin.SignedIn:
    return signin.log_in(db, OFFICE, email, password, address="192.0.2.7")


def audited(db: Db, action: str) -> list[str]:
    with db.unit_of_work(office_id=OFFICE) as uow:
        rows = uow.session.execute(
            select(AUDIT.c.actor, AUDIT.c.origin).where(AUDIT.c.action == action)
        )
        return [f"{actor} {origin}" for actor, origin in rows]


def test_a_good_password_starts_a_session_the_cookie_finds(db: Db) -> None:
    signed = log_in(db)

    found = signin.current_principal(db, signed.cookie)

    assert found is not None
    principal, secret = found
    assert (principal.email, principal.role, principal.office_id) == (SAM, "caseworker", OFFICE)
    assert signed.cookie == f"{OFFICE}.{secret}"
    assert len(audited(db, "login")) == 1


def test_each_login_is_a_new_session_and_logout_ends_only_its_own(db: Db) -> None:
    first, second = log_in(db), log_in(db)
    assert first.cookie != second.cookie

    signin.log_out(db, first.cookie, first.principal)

    assert signin.current_principal(db, first.cookie) is None
    assert signin.current_principal(db, second.cookie) is not None


@pytest.mark.parametrize(
    "email,password",
    [(SAM, "not-the-password"), ("nobody@demo.example.gov", PASSWORD), (SAM, "")],
)
def test_a_wrong_email_or_password_gets_the_same_answer(db: Db, email: str, password: str) -> None:
    with pytest.raises(signin.LoginRefused) as refused:
        log_in(db, email, password)
    assert (
        refused.value.message == "That email and password do not match an account of this office."
    )


def test_five_failures_lock_the_account_for_fifteen_minutes_and_are_audited(db: Db) -> None:
    for _ in range(4):
        with pytest.raises(signin.LoginRefused, match="do not match"):
            log_in(db, SAM, "wrong password!")
    with pytest.raises(signin.LoginRefused, match="locked"):
        log_in(db, SAM, "wrong password!")

    # Even the right password waits out the lock.
    with pytest.raises(signin.LoginRefused, match="Try again in 15 minutes"):
        log_in(db)
    assert len(audited(db, "login.failed")) == 4
    assert audited(db, "login.locked") == ["login-form web 192.0.2.7"]

    with db.unit_of_work(office_id=OFFICE) as uow:
        uow.session.execute(
            update(USERS)
            .where(USERS.c.email == SAM)
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
        uow.session.commit()
    assert log_in(db).principal.email == SAM


def test_a_session_ends_after_thirty_idle_minutes(db: Db) -> None:
    signed = log_in(db)
    _age_session(db, signed.cookie, last_seen=timedelta(minutes=31))

    assert signin.current_principal(db, signed.cookie) is None
    with db.unit_of_work(office_id=OFFICE) as uow:
        assert uow.session.execute(select(SESSIONS.c.id_hash)).all() == []


def test_a_busy_session_still_ends_twelve_hours_after_login(db: Db) -> None:
    signed = log_in(db)
    _age_session(db, signed.cookie, created=timedelta(hours=12, minutes=1))

    assert signin.current_principal(db, signed.cookie) is None


def test_a_deactivated_member_is_signed_out_and_cannot_sign_in(db: Db) -> None:
    signed = log_in(db)
    user_id = signed.principal.user_id

    handlers.change_staff_member(db, OFFICE, user_id, actor=IT, active=False)

    assert signin.current_principal(db, signed.cookie) is None
    with pytest.raises(signin.LoginRefused, match="deactivated"):
        log_in(db)


def test_a_new_password_replaces_the_old_and_ends_sessions(db: Db) -> None:
    signed = log_in(db)
    new_hash = signin.hash_password("a much longer passphrase")

    accounts.set_password_hash(db, OFFICE, signed.principal.user_id, new_hash, actor=IT)

    assert signin.current_principal(db, signed.cookie) is None
    with pytest.raises(signin.LoginRefused):
        log_in(db)
    assert log_in(db, SAM, "a much longer passphrase").principal.email == SAM


def test_a_short_password_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        signin.hash_password("short")
    assert refused.value.fields == {"password": ["use at least 12 characters"]}


@pytest.mark.parametrize(
    "cookie", [None, "", "rep-demo", "rep-demo.", "Rep_Demo.abc", "rep-other.abc", "~nope.x"]
)
def test_a_cookie_that_names_no_session_is_nobody(db: Db, cookie: str | None) -> None:
    assert signin.current_principal(db, cookie) is None


def test_a_session_of_one_office_is_nothing_under_another_offices_name(db: Db) -> None:
    secret = log_in(db).cookie.split(".", 1)[1]

    assert signin.current_principal(db, f"rep-lopez.{secret}") is None


def test_an_api_token_acts_as_its_member_until_revoked(db: Db) -> None:
    token = accounts.issue_token(db, OFFICE, SAM, "phone system", actor=IT)

    principal = signin.token_principal(db, token)
    assert principal is not None and (principal.email, principal.via) == (SAM, "api")
    assert principal.office_id == OFFICE and token.startswith(f"cwt_{OFFICE}.")
    # The same secret under another office's name is nothing.
    assert signin.token_principal(db, token.replace(OFFICE, "rep-lopez", 1)) is None
    with db.unit_of_work(office_id=OFFICE) as uow:
        stored = uow.credentials.tokens()
    assert [t.name for t in stored] == ["phone system"]
    assert stored[0].last_used_at is not None

    accounts.revoke_token(db, OFFICE, stored[0].token_id, actor=IT)

    assert signin.token_principal(db, token) is None
    with pytest.raises(NotFound):
        accounts.revoke_token(db, OFFICE, stored[0].token_id, actor=IT)


def test_only_the_tokens_digest_is_stored(db: Db) -> None:
    token = accounts.issue_token(db, OFFICE, SAM, "website", actor=IT)
    tokens = Base.metadata.tables["api_tokens"]
    with db.unit_of_work(office_id=OFFICE) as uow:
        stored = uow.session.execute(select(tokens.c.token_hash)).scalar_one()
    assert stored == digest(token.split(".", 1)[1]) and token not in stored


def test_a_platform_admin_signs_in_to_no_office(db: Db) -> None:
    signed = signin.log_in(db, PLATFORM, seed.PLATFORM_ADMIN_EMAIL, PASSWORD, address=None)

    found = signin.current_principal(db, signed.cookie)

    assert found is not None and found[0].is_platform_admin and found[0].office_id is None
    signin.log_out(db, signed.cookie, found[0])
    assert signin.current_principal(db, signed.cookie) is None


def test_the_seed_runs_twice_without_changing_a_password(db: Db) -> None:
    accounts.set_password_hash(
        db, OFFICE, accounts.user_id_for(db, OFFICE, SAM), signin.hash_password("x" * 12), actor=IT
    )

    again = seed.seed(db)

    assert again[0] == "office rep-demo already there"
    assert all(line.startswith("already there:") for line in again[1:])
    assert log_in(db, SAM, "x" * 12).principal.email == SAM
    assert log_in(db, TAYLOR).principal.role == "read_only"


def test_the_cli_issues_a_token_that_works_and_prints_nothing_else(db: Db) -> None:
    out, err = io.StringIO(), io.StringIO()

    assert admin.main(["issue-token", OFFICE, SAM], out=out, err=err) == 0

    token = out.getvalue().strip()
    assert token.startswith("cwt_") and "\n" not in token
    assert signin.token_principal(db, token) is not None


def test_the_cli_sets_a_password_from_standard_input(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    out = io.StringIO()

    code = admin.main(["set-password", OFFICE, SAM, "--password-stdin"], out=out)

    assert code == 0, out.getvalue()
    assert log_in(db, SAM, "correct horse battery").principal.email == SAM


def test_the_cli_refuses_a_short_password_as_invalid_input(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    err = io.StringIO()

    assert admin.main(["set-password", OFFICE, SAM, "--password-stdin"], err=err) == 2
    assert "password: use at least 12 characters" in err.getvalue()


def test_the_cli_lists_users_and_deactivates_one(db: Db) -> None:
    out = io.StringIO()
    assert admin.main(["deactivate", OFFICE, TAYLOR], out=out) == 0
    assert admin.main(["list-users", OFFICE], out=out) == 0

    listing = out.getvalue()
    assert f"{TAYLOR}" in listing
    taylor_line = next(line for line in listing.splitlines() if line.startswith(TAYLOR))
    assert taylor_line.endswith("deactivated")
    assert admin.main(["issue-token", OFFICE, TAYLOR], out=io.StringIO(), err=io.StringIO()) == 1


def _age_session(
    db: Db,
    cookie: str,
    *,
    last_seen: timedelta = timedelta(0),
    created: timedelta = timedelta(0),
) -> None:
    secret = cookie.split(".", 1)[1]
    now = utcnow()
    with db.unit_of_work(office_id=OFFICE) as uow:
        uow.session.execute(
            update(SESSIONS)
            .where(SESSIONS.c.id_hash == digest(secret))
            .values(created_at=now - created, last_seen_at=now - last_seen)
        )
        uow.session.commit()


def test_the_run_script_can_tell_a_newcomer_whom_to_sign_in_as() -> None:
    lines = seed.sign_in_lines()

    assert seed.DEMO_PASSWORD in lines[0]
    for member in seed.DEMO_STAFF:
        assert any(line.split()[0] == member.email for line in lines[1:])
    assert lines[-1].split()[0] == seed.PLATFORM_ADMIN_EMAIL


def test_the_office_time_zone_is_stored_and_read_back(db: Db) -> None:
    handlers.set_office_timezone(db, OFFICE, "America/Denver", actor=IT)

    assert handlers.find_office(db, OFFICE).timezone == "America/Denver"
