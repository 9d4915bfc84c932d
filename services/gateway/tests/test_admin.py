"""The admin commands refuse bad input with a message naming the option, before touching the
database."""

from __future__ import annotations

import io

import pytest
from marshmallow import ValidationError

from services.gateway import admin
from services.gateway.domain.staff import AddStaffMember, RegisterOffice
from services.gateway.schemas import AddStaffMemberSchema, RegisterOfficeSchema


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = admin.main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def no_database(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """A database that does not exist: validation must fail before anything opens it."""
    monkeypatch.setenv(
        "CASEWORK_GATEWAY_DATABASE_URL", f"sqlite:///{tmp_path}/never-migrated/gateway.db"
    )


def test_a_valid_office_becomes_a_register_office_command() -> None:
    command = RegisterOfficeSchema().load(
        {
            "office_id": "rep-lopez",
            "name": "  Office of Rep. Ana Lopez ",
            "reply_to_email": "casework@lopez.example.gov",
        }
    )

    assert command == RegisterOffice(
        "rep-lopez", "Office of Rep. Ana Lopez", "casework@lopez.example.gov"
    )


def test_a_valid_staff_member_becomes_an_add_staff_member_command() -> None:
    command = AddStaffMemberSchema().load(
        {
            "office_id": "rep-lopez",
            "display_name": "Sam Rivera",
            "email": "sam@lopez.example.gov",
            "role": "supervisor",
        }
    )

    assert command == AddStaffMember(
        "rep-lopez", "Sam Rivera", "sam@lopez.example.gov", "supervisor"
    )


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        RegisterOfficeSchema().load(
            {"office_id": "rep-x", "name": "X", "reply_to_email": "a@b.gov", "ssn": "1"}
        )

    assert "ssn" in refused.value.messages_dict


def test_the_platforms_own_tenant_is_not_an_office_to_register() -> None:
    with pytest.raises(ValidationError) as refused:
        RegisterOfficeSchema().load(
            {"office_id": "platform", "name": "X", "reply_to_email": "a@b.gov"}
        )

    assert refused.value.messages_dict == {
        "office_id": ["'platform' is the platform's own; choose another"]
    }


def test_a_bad_slug_is_refused_with_an_example_of_a_good_one() -> None:
    status, out, err = run("add-office", "Rep_Lopez", "--name", "X", "--reply-to", "a@b.gov")

    assert status == 2 and out == ""
    assert "error: office_id:" in err and "for example rep-lopez" in err


def test_a_blank_name_and_a_bad_reply_to_are_each_named() -> None:
    status, _, err = run("add-office", "rep-lopez", "--name", "   ", "--reply-to", "not-an-email")

    assert status == 2
    assert "error: --name: must not be blank" in err
    assert "error: --reply-to: Not a valid email address." in err


def test_an_unknown_role_is_refused_listing_the_roles() -> None:
    status, _, err = run(
        "add-staff", "rep-lopez", "--name", "Sam", "--email", "sam@lopez.gov", "--role", "boss"
    )

    assert status == 2
    assert "error: --role: choose one of: office_admin, supervisor, caseworker, read_only" in err


def test_a_bad_staff_email_is_refused() -> None:
    status, _, err = run(
        "add-staff", "rep-lopez", "--name", "Sam", "--email", "sam at lopez", "--role", "caseworker"
    )

    assert status == 2 and "error: --email:" in err


def test_a_missing_option_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as usage:
        run("add-staff", "rep-lopez", "--name", "Sam")

    assert usage.value.code == 2


def test_an_unmigrated_database_gets_a_hint_instead_of_a_traceback() -> None:
    status, _, err = run("list-offices")

    assert status == 1
    assert "python -m services.chassis.migrate gateway" in err


def test_bidirectional_controls_are_stripped_from_office_and_staff_names() -> None:
    office = RegisterOfficeSchema().load(
        {
            "office_id": "rep-lopez",
            "name": "Office of Rep. \u202eAna Lopez\u202c",
            "reply_to_email": "casework@lopez.example.gov",
        }
    )
    member = AddStaffMemberSchema().load(
        {
            "office_id": "rep-lopez",
            "display_name": "\u2067Sam\u2069 Rivera",
            "email": "sam@lopez.example.gov",
            "role": "caseworker",
        }
    )

    assert office.name == "Office of Rep. Ana Lopez"
    assert member.display_name == "Sam Rivera"


def test_a_name_of_nothing_but_bidi_controls_is_blank() -> None:
    status, _, err = run(
        "add-office", "rep-lopez", "--name", "\u202e\u202c", "--reply-to", "a@b.gov"
    )

    assert status == 2 and "error: --name: must not be blank" in err


def test_a_name_with_a_control_character_is_refused_naming_the_option() -> None:
    status, _, err = run(
        "add-staff", "rep-lopez", "--name", "Sam\x07", "--email", "s@l.gov", "--role", "caseworker"
    )

    assert status == 2 and "error: --name: contains a control character" in err


def test_an_office_id_with_a_trailing_newline_is_refused() -> None:
    status, _, err = run("add-office", "rep-lopez\n", "--name", "X", "--reply-to", "a@b.gov")

    assert status == 2 and "error: office_id:" in err
