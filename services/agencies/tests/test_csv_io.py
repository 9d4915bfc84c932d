"""CSV import and export of the directory, contacts and partners (with fakes): a header row,
every row checked, nothing stored when any row is refused, and each problem with its line."""

from __future__ import annotations

import pytest

from services.agencies import csv_io, handlers
from services.agencies.tests.fakes import FakePlatform, fake_database, rows
from services.chassis.domain import Actor
from services.chassis.errors import Forbidden

OFFICE = "rep-lopez"
ADMIN = Actor.staff("u-admin", "office_admin")
PLATFORM = Actor.staff("it-1", "platform_admin")


def test_the_directory_exports_and_imports_back_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    db = fake_database()
    platform = FakePlatform(db).install(monkeypatch)
    exported = csv_io.export_agencies(handlers.list_agencies(db))

    result = csv_io.import_agencies(db, PLATFORM, exported)

    assert exported.splitlines()[0] == ",".join(csv_io.AGENCY_COLUMNS)
    assert (result.created, result.updated, result.problems) == (0, 6, [])
    assert csv_io.export_agencies(platform.directory.agencies.values()) == exported


def test_an_agencies_file_with_one_bad_row_stores_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    db = fake_database()
    platform = FakePlatform(db).install(monkeypatch)
    text = (
        "code,name,liaison_office,website_url,response_days,day_basis\r\n"
        "DOL,Department of Labor,OCIA,https://www.dol.gov/,30,calendar\r\n"
        "eeoc,EEOC,OCLA,http://www.eeoc.gov/,0,weekly\r\n"
    )

    result = csv_io.import_agencies(db, PLATFORM, text)

    assert result.created == 0
    assert {(p["line"], p["field"]) for p in result.problems} == {
        (3, "website_url"),
        (3, "response_days"),
        (3, "day_basis"),
    }
    assert "DOL" not in platform.directory.agencies
    with pytest.raises(Forbidden):
        csv_io.import_agencies(db, ADMIN, text)


def test_contacts_and_partners_import_with_their_lines_and_export(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = fake_database()
    FakePlatform(db).install(monkeypatch)

    contacts = csv_io.import_contacts(
        db,
        OFFICE,
        ADMIN,
        "agency_code,name,email,programme\r\nssa,Pat Liaison,pat@ssa.example.gov,Retirement\r\n",
    )
    bad_partners = csv_io.import_partners(
        db,
        OFFICE,
        ADMIN,
        "name,kind,colour\r\nLegal Aid,legal_aid,blue\r\n",
    )
    partners = csv_io.import_partners(
        db,
        OFFICE,
        ADMIN,
        'name,kind,notes\r\nLegal Aid,legal_aid,"two\nlines"\r\nFood Bank,pantry,\r\n',
    )

    assert (contacts.created, contacts.problems) == (1, [])
    assert bad_partners.problems == [
        {"line": 1, "field": "_header", "message": "unknown columns: colour"}
    ]
    assert partners.problems == [
        {"line": 4, "field": "kind", "message": partners.problems[0]["message"]}
    ]
    assert rows(db).partners == {}
    exported = csv_io.export_contacts(handlers.list_contacts(db, OFFICE, ADMIN, None))
    assert exported.splitlines()[1].split(",")[1:] == [
        "SSA",
        "Pat Liaison",
        "pat@ssa.example.gov",
        "",
        "Retirement",
        "",
    ]
