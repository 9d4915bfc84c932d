"""CSV import and export of the directory (platform admins) and of an office's contacts and
partners (office admins). The first row names the columns; an import checks every row with
the same contract `save_*` uses and stores nothing when any row is refused, answering each
problem with its line and column."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, ValidationError

from services.agencies import handlers
from services.agencies.domain.directory import Agency
from services.agencies.domain.office import Contact, Partner
from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.contracts.rpc.agencies import (
    SaveAgencyRequest,
    SaveContactRequest,
    SavePartnerRequest,
)

AGENCY_COLUMNS = (
    "code",
    "name",
    "liaison_office",
    "website_url",
    "response_days",
    "day_basis",
    "interim_every_days",
    "signature",
    "sole_recipient",
    "valid_days",
    "new_release_after_closure",
    "active",
)
CONTACT_COLUMNS = ("contact_id", "agency_code", "name", "email", "phone", "programme", "notes")
PARTNER_COLUMNS = ("partner_id", "name", "kind", "email", "phone", "website_url", "notes")
MAX_ROWS = 5_000


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def refuse(self, line: int, column: str, message: str) -> None:
        self.problems.append({"line": line, "field": column, "message": message})


# --- export ----------------------------------------------------------------------------------


def _write(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else _cell(value) for value in row])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def export_agencies(agencies: Iterable[Agency]) -> str:
    return _write(
        AGENCY_COLUMNS,
        (
            (
                a.code,
                a.name,
                a.liaison_office,
                a.website_url,
                a.typical_response_days,
                a.day_basis,
                a.interim_every_days,
                a.signature,
                a.sole_recipient,
                a.valid_days,
                a.new_release_after_closure,
                a.active,
            )
            for a in agencies
        ),
    )


def export_contacts(contacts: Iterable[Contact]) -> str:
    return _write(
        CONTACT_COLUMNS,
        (
            (c.contact_id, c.agency_code, c.name, c.email, c.phone, c.programme, c.notes)
            for c in contacts
        ),
    )


def export_partners(partners: Iterable[Partner]) -> str:
    return _write(
        PARTNER_COLUMNS,
        (
            (p.partner_id, p.name, p.kind, p.email, p.phone, p.website_url, p.notes)
            for p in partners
        ),
    )


# --- import ----------------------------------------------------------------------------------


def read_rows(
    text: str,
    columns: Sequence[str],
    schema: Schema,
    outcome: ImportOutcome,
    extra: dict[str, Any] | None = None,
    key: str | None = None,
) -> list[tuple[int, dict[str, Any]]]:
    """Each row loaded by `schema` with its line; every problem recorded in `outcome`."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    if not header:
        outcome.refuse(1, "_header", f"the first row must name the columns: {', '.join(columns)}")
        return []
    unknown = [name for name in header if name not in columns]
    if unknown:
        outcome.refuse(1, "_header", f"unknown columns: {', '.join(unknown)}")
        return []
    reader.fieldnames = header
    loaded: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(reader):
        line = reader.line_num
        if number >= MAX_ROWS:
            outcome.refuse(line, "_file", f"at most {MAX_ROWS} rows in one file")
            break
        if None in row:
            outcome.refuse(line, "_row", "more cells than columns")
            continue
        values = {name: value.strip() for name, value in row.items() if value and value.strip()}
        try:
            fields = schema.load({**(extra or {}), **values})
        except ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, dict) else {"_row": exc.messages}
            for column, problems in sorted(messages.items()):
                for problem in problems if isinstance(problems, list) else [str(problems)]:
                    outcome.refuse(line, str(column), str(problem))
            continue
        identity = fields.get(key) if key else None
        if identity:
            if identity in seen:
                outcome.refuse(line, key or "", f"also on line {seen[identity]}")
                continue
            seen[identity] = line
        loaded.append((line, fields))
    return loaded


def import_agencies(db: Any, actor: Actor, text: str) -> ImportOutcome:
    handlers.require_platform_admin(actor)
    outcome = ImportOutcome()
    rows = read_rows(text, AGENCY_COLUMNS, SaveAgencyRequest(), outcome, key="code")
    if outcome.problems:
        return outcome
    outcome.created, outcome.updated = handlers.save_agencies(
        db, actor, [fields for _, fields in rows]
    )
    return outcome


def _import_office_rows(
    db: Any,
    office_id: str,
    actor: Actor,
    text: str,
    *,
    columns: Sequence[str],
    schema: Schema,
    key: str,
    check: Callable[[Any, int, dict[str, Any], ImportOutcome], None],
    save: Callable[[Any, dict[str, Any]], bool],
    what: str,
) -> ImportOutcome:
    handlers.require_office_admin(actor)
    outcome = ImportOutcome()
    rows = read_rows(text, columns, schema, outcome, extra={"office_id": office_id}, key=key)
    if outcome.problems:
        return outcome
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        for line, fields in rows:
            check(uow, line, fields, outcome)
        if outcome.problems:
            return outcome  # rolled back: nothing of the file is kept
        for _, fields in rows:
            if save(uow, fields):
                outcome.created += 1
            else:
                outcome.updated += 1
        uow.audit(f"{what}.imported", "office", office_id)
        uow.commit()
    return outcome


def import_contacts(db: Any, office_id: str, actor: Actor, text: str) -> ImportOutcome:
    directory = handlers.current_directory(db)
    now = utcnow()

    def check(uow: Any, line: int, fields: dict[str, Any], outcome: ImportOutcome) -> None:
        if directory.find(fields["agency_code"]) is None:
            outcome.refuse(
                line, "agency_code", f"no agency {fields['agency_code']} in the directory"
            )
        if fields.get("contact_id") and uow.contacts.get(fields["contact_id"]) is None:
            outcome.refuse(line, "contact_id", "no such contact in this office")

    def save(uow: Any, fields: dict[str, Any]) -> bool:
        return bool(uow.contacts.save(handlers.contact_from(fields), now))

    return _import_office_rows(
        db,
        office_id,
        actor,
        text,
        columns=CONTACT_COLUMNS,
        schema=SaveContactRequest(),
        key="contact_id",
        check=check,
        save=save,
        what="contacts",
    )


def import_partners(db: Any, office_id: str, actor: Actor, text: str) -> ImportOutcome:
    now = utcnow()

    def check(uow: Any, line: int, fields: dict[str, Any], outcome: ImportOutcome) -> None:
        if fields.get("partner_id") and uow.partners.get(fields["partner_id"]) is None:
            outcome.refuse(line, "partner_id", "no such partner in this office")

    def save(uow: Any, fields: dict[str, Any]) -> bool:
        return bool(uow.partners.save(handlers.partner_from(fields), now))

    return _import_office_rows(
        db,
        office_id,
        actor,
        text,
        columns=PARTNER_COLUMNS,
        schema=SavePartnerRequest(),
        key="partner_id",
        check=check,
        save=save,
        what="partners",
    )
