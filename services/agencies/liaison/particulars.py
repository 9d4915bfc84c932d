"""What a letter is about, read before it is written: the agency, contact and template asked
for, the case as agencies knows it (backfilled from cases' case file), its releases, and the
writer's name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.agencies.domain.consent import ReleaseRecord
from services.agencies.domain.directory import Agency
from services.agencies.domain.office import CaseFacts, Contact, TemplateVersion
from services.agencies.handlers import current_directory
from services.agencies.ports import AgenciesWork, CaseParticulars
from services.chassis.domain import Actor
from services.chassis.errors import Conflict, ValidationFailed

PUBLIC = "public"


@dataclass(frozen=True)
class LetterRequest:
    case_id: str
    agency_code: str
    contact_id: str | None
    template_id: str
    extra_text: str = ""
    # The writer's name as the staff app knows it (their user id when it does not say).
    writer_name: str | None = None


def agency_to_write_to(db: Any, code: str) -> Agency:
    agency = current_directory(db).find(code)
    if agency is None or not agency.active:
        raise ValidationFailed(
            f"there is no agency {code} in the directory to write to",
            {"agency_code": ["not an agency in the directory"]},
        )
    return agency


def contact_at(uow: AgenciesWork, contact_id: str | None, agency: Agency) -> Contact | None:
    if contact_id is None:
        return None
    contact = uow.contacts.get(contact_id)
    if contact is None or not contact.active:
        raise ValidationFailed("there is no such contact", {"contact_id": ["not a contact here"]})
    if contact.agency_code != agency.code:
        raise ValidationFailed(
            f"{contact.name} is a contact at {contact.agency_code}, not {agency.code}",
            {"contact_id": [f"not a contact at {agency.code}"]},
        )
    return contact


def usable_template(uow: AgenciesWork, template_id: str) -> TemplateVersion:
    template = uow.templates.get(template_id)
    if template is None:
        raise ValidationFailed(
            "there is no such template", {"template_id": ["not a template here"]}
        )
    if not template.usable:
        raise Conflict(
            f"{template.name} v{template.version} waits for a supervisor's approval",
            {"template_id": ["not approved yet"]},
        )
    return template


def _parse_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def facts_from_case_file(case_file: Mapping[str, Any]) -> CaseFacts:
    outcome = case_file.get("outcome") or {}
    return CaseFacts(
        case_id=case_file["case_id"],
        reference=case_file["reference"],
        status=case_file["status"],
        submission_id=case_file.get("submission_id"),
        constituent_id=case_file.get("constituent_id"),
        category=case_file.get("category"),
        opened_at=_parse_datetime(case_file.get("opened_at")),
        closed_at=_parse_datetime(outcome.get("closed_at")) if outcome else None,
    )


def releases_from_case_file(case_file: Mapping[str, Any]) -> list[ReleaseRecord]:
    """cases' copy of the submission's releases, for a case agencies heard of before it kept
    its own (a deployment upgraded mid-case)."""
    return [
        ReleaseRecord(
            release_id=release["release_id"],
            submission_id=case_file["submission_id"],
            agencies=tuple(release["agencies"]),
            kind=release["kind"],
            signed_at=_parse_datetime(release["signed_at"]),  # type: ignore[arg-type]
            expires_at=_parse_datetime(release["expires_at"]),  # type: ignore[arg-type]
            revoked_at=_parse_datetime(release.get("revoked_at")),
            revoked_by=release.get("revoked_by"),
        )
        for release in case_file.get("releases") or []
    ]


def known_case(
    uow: AgenciesWork, case_file: Mapping[str, Any] | None, case_id: str
) -> tuple[CaseFacts | None, list[ReleaseRecord]]:
    """The case as agencies knows it, backfilled from cases' case file when it has none; and
    its submission's releases."""
    facts = uow.cases.get(case_id)
    if facts is None and case_file is not None:
        facts = facts_from_case_file(case_file)
        uow.cases.save(facts)
    if facts is None or facts.submission_id is None:
        return facts, []
    releases = uow.releases.for_submission(facts.submission_id)
    if case_file is not None:
        known = {release.release_id for release in releases}
        for release in releases_from_case_file(case_file):
            if release.release_id not in known and facts.constituent_id:
                uow.releases.signed(release, facts.constituent_id)
                releases.append(release)
    return facts, releases


def case_facts(
    db: Any, remote: CaseParticulars, office_id: str, actor: Actor, case_id: str
) -> tuple[CaseFacts, list[ReleaseRecord]]:
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        facts, releases = known_case(uow, None, case_id)
        if facts is not None and facts.submission_id is not None:
            return facts, releases
    case_file = remote.case(office_id, case_id)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        facts, releases = known_case(uow, case_file, case_id)
        uow.commit()
    assert facts is not None
    return facts, releases


def caseworker_name(
    case_file: Mapping[str, Any], actor: Actor, writer_name: str | None = None
) -> str:
    """The writer's name as the office knows it: as the staff app said it, else from the case
    file (the assignee, or an author on its timeline), else their user id."""
    if writer_name:
        return writer_name
    if case_file.get("assigned_to_id") == actor.user_id and case_file.get("assigned_to_name"):
        return str(case_file["assigned_to_name"])
    for entry in case_file.get("timeline") or []:
        if entry.get("author_id") == actor.user_id and entry.get("author_name"):
            return str(entry["author_name"])
    return actor.user_id


def public_notes(case_file: Mapping[str, Any]) -> list[str]:
    return [
        entry["body"]
        for entry in case_file.get("timeline") or []
        if entry.get("visibility") == PUBLIC and entry.get("body")
    ]
