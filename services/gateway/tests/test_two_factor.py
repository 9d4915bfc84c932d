"""Two-factor sign-in and account changes on both databases: enrolling when the office
requires it, codes at each sign-in, lockout on wrong codes, removing an authenticator,
changing one's own password, and a deactivated member signed out."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pyotp
import pytest

from services.chassis.domain import Actor
from services.chassis.errors import ValidationFailed
from services.chassis.uow import DatabaseAccess
from services.gateway import accounts, admin, handlers, seed, signin, two_factor
from services.gateway.models import Base
from services.gateway.repository import GatewayUnitOfWork

OFFICE = seed.DEMO_OFFICE.office_id
SAM = "sam.rivera@demo.example.gov"
ADMIN = Actor.staff("admin", "office_admin", "web 127.0.0.1")
Db = DatabaseAccess[GatewayUnitOfWork]
NEW = "a brand new passphrase"


@pytest.fixture
def db(service_database: Callable[..., str]) -> Iterator[Db]:
    service_database("gateway", Base.metadata)
    with admin.gateway_database() as database:
        seed.seed(database)
        yield database


def sign_in(db: Db, password: str = seed.DEMO_PASSWORD) -> signin.SignedIn:
    return signin.log_in(db, OFFICE, SAM, password, address="192.0.2.9")


def code_for(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def enrolled_secret(db: Db) -> str:
    """Sam, enrolled through the sign-in an office that requires a second factor asks for."""
    two_factor.require(db, OFFICE, True, actor=ADMIN)
    signed = sign_in(db)
    session, secret = two_factor.pending_session(db, signed.cookie) or pytest.fail("no session")
    offered = two_factor.enrolment_secret(secret)
    two_factor.complete(db, session, secret, code_for(offered), origin="web")
    return offered


def test_an_office_that_requires_a_second_factor_has_members_enrol_before_any_page(db: Db) -> None:
    two_factor.require(db, OFFICE, True, actor=ADMIN)

    signed = sign_in(db)

    assert signed.pending == "enrol"
    assert signin.current_principal(db, signed.cookie) is None
    found = two_factor.pending_session(db, signed.cookie)
    assert found is not None
    session, secret = found
    with pytest.raises(signin.LoginRefused, match="not right"):
        two_factor.complete(db, session, secret, "000000", origin="web")
    two_factor.complete(
        db, session, secret, code_for(two_factor.enrolment_secret(secret)), origin="web"
    )
    principal = signin.current_principal(db, signed.cookie)
    assert principal is not None and principal[0].email == SAM
    assert two_factor.status(db, OFFICE, principal[0].user_id) == (True, True)


def test_an_enrolled_member_enters_a_code_at_every_sign_in(db: Db) -> None:
    secret = enrolled_secret(db)
    two_factor.require(db, OFFICE, False, actor=ADMIN)

    signed = sign_in(db)

    assert signed.pending == "totp"
    session, session_secret = two_factor.pending_session(db, signed.cookie) or pytest.fail()
    two_factor.complete(db, session, session_secret, code_for(secret), origin="web")
    assert signin.current_principal(db, signed.cookie) is not None


def test_five_wrong_codes_lock_the_account_and_end_the_waiting_session(db: Db) -> None:
    enrolled_secret(db)
    signed = sign_in(db)
    session, secret = two_factor.pending_session(db, signed.cookie) or pytest.fail()

    for _ in range(4):
        with pytest.raises(signin.LoginRefused, match="not right"):
            two_factor.complete(db, session, secret, "123456", origin="web")
    with pytest.raises(signin.LoginRefused, match="locked"):
        two_factor.complete(db, session, secret, "123456", origin="web")

    assert two_factor.pending_session(db, signed.cookie) is None
    with pytest.raises(signin.LoginRefused, match="locked"):
        sign_in(db)


def test_the_password_alone_does_not_reset_the_count_of_wrong_codes(db: Db) -> None:
    enrolled_secret(db)
    for _ in range(4):
        signed = sign_in(db)
        session, secret = two_factor.pending_session(db, signed.cookie) or pytest.fail()
        with pytest.raises(signin.LoginRefused, match="not right"):
            two_factor.complete(db, session, secret, "654321", origin="web")

    signed = sign_in(db)
    session, secret = two_factor.pending_session(db, signed.cookie) or pytest.fail()
    with pytest.raises(signin.LoginRefused, match="locked"):
        two_factor.complete(db, session, secret, "654321", origin="web")


def test_removing_an_authenticator_signs_them_out_and_the_password_suffices_again(db: Db) -> None:
    enrolled_secret(db)
    two_factor.require(db, OFFICE, False, actor=ADMIN)
    user_id = accounts.user_id_for(db, OFFICE, SAM)

    two_factor.remove(db, OFFICE, user_id, actor=ADMIN)

    signed = sign_in(db)
    assert signed.pending is None
    assert signin.current_principal(db, signed.cookie) is not None


def test_a_member_enrols_of_their_own_accord_with_a_right_code_only(db: Db) -> None:
    signed = sign_in(db)
    principal, secret = signin.current_principal(db, signed.cookie) or pytest.fail()
    actor = Actor.staff(principal.user_id, principal.role)

    with pytest.raises(ValidationFailed) as wrong:
        two_factor.enrol(db, OFFICE, principal.user_id, secret, "111111", actor=actor)
    assert set(wrong.value.fields) == {"code"}
    offered = two_factor.enrolment_secret(secret)
    two_factor.enrol(db, OFFICE, principal.user_id, secret, code_for(offered), actor=actor)

    assert sign_in(db).pending == "totp"


def test_changing_ones_own_password_needs_the_current_one(db: Db) -> None:
    signed = sign_in(db)
    principal, _ = signin.current_principal(db, signed.cookie) or pytest.fail()

    with pytest.raises(ValidationFailed) as wrong:
        accounts.change_own_password(
            db, principal, "not my password", "a brand new passphrase", origin="web"
        )
    accounts.change_own_password(
        db, principal, seed.DEMO_PASSWORD, "a brand new passphrase", origin="web"
    )

    assert set(wrong.value.fields) == {"current"}
    assert signin.current_principal(db, signed.cookie) is None
    assert sign_in(db, NEW).principal.email == SAM


def test_a_deactivated_member_is_signed_out_everywhere(db: Db) -> None:
    signed = sign_in(db)
    user_id = signed.principal.user_id

    handlers.change_staff_member(db, OFFICE, user_id, actor=ADMIN, active=False)

    assert signin.current_principal(db, signed.cookie) is None
