"""The case page's privacy releases and attachments: intake's staff calls
(services/contracts/rpc/intake.py), each acting as the signed-in person, so intake checks the
role again and audits every identifier it reveals. A release or a file is reached through its
case (one of the case's, or not found), so every download, reveal and revocation starts from
the case page's own reading of the case.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import IO, Any

from services.chassis.config import env_str
from services.chassis.errors import CaseworkError, NotFound, ValidationFailed
from services.chassis.remote import RemoteService
from services.contracts.rpc import intake as intake_rpc
from services.gateway import casework
from services.gateway.domain.queue import ServiceUnavailable
from services.gateway.domain.releases import (
    IDENTIFIER_LABELS,
    Release,
    ReleasePanel,
    content_type_words,
    panel,
    short_digest,
    size_words,
    status_link,
)
from services.gateway.domain.staff import OfficeSummary

RELEASES = intake_rpc.ReleaseSummary(many=True)
RELEASE = intake_rpc.ReleaseSummary()
DOCUMENT = intake_rpc.Document()
WET_SIGNED_RELEASE = intake_rpc.FileWetSignedReleaseRequest()
MAX_SCAN_BYTES = 10 * 1024 * 1024
# The form's other fields and the multipart framing around the scan.
MAX_UPLOAD_BYTES = MAX_SCAN_BYTES + 64 * 1024
# A scan is what its first bytes say it is, whatever the browser called it.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
FILENAME_LENGTH = 200
# On a laptop the portal is intake-web's port (the same setting as notify's email links).
DEFAULT_PORTAL_URL = "http://127.0.0.1:8001"


def portal_url() -> str:
    """Where constituents reach the portal (`CASEWORK_PORTAL_BASE_URL`, shared with notify's
    links), read at call time."""
    return env_str("CASEWORK_PORTAL_BASE_URL", DEFAULT_PORTAL_URL)


def case_agency(case: Mapping[str, Any]) -> str | None:
    """The agency the case is about: the directory's suggestion, else what the constituent
    said."""
    agency = case.get("agency_code") or case.get("agency_hint")
    return str(agency).upper() if agency else None


def release_panel(
    intake: RemoteService, office: OfficeSummary, case: Mapping[str, Any]
) -> ReleasePanel:
    """The panel from intake (it holds the releases: the newest, with their identifiers'
    kinds); from cases' copy of intake's events when intake does not answer, which then
    offers nothing to download, reveal or revoke."""
    live = True
    try:
        found = [from_intake(summary) for summary in submission_releases(intake, office, case)]
    except NotFound:
        found = [from_cases(release) for release in case.get("releases", [])]
    except (CaseworkError, ValueError):
        found, live = [from_cases(release) for release in case.get("releases", [])], False
    return panel(
        found,
        agency=case_agency(case),
        zone=office.timezone,
        status_link=status_link(portal_url(), office.office_id, case["tracking_code"]),
        live=live,
    )


def submission_releases(
    intake: RemoteService, office: OfficeSummary, case: Mapping[str, Any]
) -> list[dict[str, Any]]:
    reply: list[dict[str, Any]] = intake.call(
        "releases", RELEASES, office_id=office.office_id, submission_id=case["submission_id"]
    )
    return reply


def from_intake(summary: Mapping[str, Any]) -> Release:
    revoked_at = summary.get("revoked_at")
    return Release(
        release_id=summary["release_id"],
        kind=summary["kind"],
        agencies=tuple(summary["agencies"]),
        signed_at=_moment(summary["signed_at"]),
        expires_at=_moment(summary["expires_at"]),
        state=summary["state"],
        revoked_by=summary.get("revoked_by"),
        revoked_at=_moment(revoked_at) if revoked_at else None,
        signature_name=summary.get("signature_name"),
        identifier_kinds=tuple(summary.get("identifier_kinds") or ()),
    )


def from_cases(release: Mapping[str, Any]) -> Release:
    return Release(
        release_id=release["release_id"],
        kind=release["kind"],
        agencies=tuple(release["agencies"]),
        signed_at=release["signed_at"],
        expires_at=release["expires_at"],
        state=release["state"],
        revoked_by=release.get("revoked_by"),
        revoked_at=release.get("revoked_at"),
    )


def _moment(text: str) -> datetime:
    """An ISO 8601 moment as intake writes it (ValueError if it is not one)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# The actions: each names the case, and the release or file must be one of the case's -------


def release_of_case(
    cases: RemoteService,
    intake: RemoteService,
    office: OfficeSummary,
    reference: str,
    release_id: str,
) -> dict[str, Any]:
    """Intake's summary of the release, if it is one of the case's."""
    if not ID.match(release_id):
        raise NotFound("there is no such privacy release")
    case = casework.get_case(cases, office.office_id, reference)
    for summary in submission_releases(intake, office, case):
        if summary["release_id"].lower() == release_id.lower():
            return summary
    raise NotFound("this case has no such privacy release")


def signed_copy(
    cases: RemoteService,
    intake: RemoteService,
    office: OfficeSummary,
    reference: str,
    release_id: str,
) -> dict[str, Any]:
    """The signed release as a document: the e-signed one rendered as a PDF, or the scan."""
    release = release_of_case(cases, intake, office, reference, release_id)
    return _document(
        intake, "release_pdf", office_id=office.office_id, release_id=release["release_id"]
    )


def reveal_identifiers(
    cases: RemoteService,
    intake: RemoteService,
    office: OfficeSummary,
    reference: str,
    release_id: str,
) -> list[tuple[str, str]]:
    """The identifiers the constituent gave, labelled, in the order the page lists them
    (intake audits the read)."""
    release = release_of_case(cases, intake, office, reference, release_id)
    reply = intake.call(
        "reveal_identifiers", None, office_id=office.office_id, release_id=release["release_id"]
    )
    try:
        return labelled(reply)
    except ValueError:
        raise ServiceUnavailable(intake.service, "identifiers not in the expected shape") from None


def labelled(identifiers: Any) -> list[tuple[str, str]]:
    """Intake's answer, `{"ssn": "...", "date_of_birth": "..."}` (kind to value, none when the
    constituent gave none), as `[("Social Security number", "..."), ...]`, known kinds first
    in their usual order."""
    if not isinstance(identifiers, Mapping) or not all(
        isinstance(kind, str) and isinstance(value, str) for kind, value in identifiers.items()
    ):
        raise ValueError("identifiers are not a mapping of kind to value")
    pairs = list(identifiers.items())
    order = list(IDENTIFIER_LABELS)
    pairs.sort(key=lambda pair: order.index(pair[0]) if pair[0] in order else len(order))
    return [(IDENTIFIER_LABELS.get(kind, kind.replace("_", " ")), value) for kind, value in pairs]


def revoke(
    cases: RemoteService,
    intake: RemoteService,
    office: OfficeSummary,
    reference: str,
    release_id: str,
    reason: str,
) -> None:
    release = release_of_case(cases, intake, office, reference, release_id)
    intake.call(
        "revoke_release",
        RELEASE,
        office_id=office.office_id,
        release_id=release["release_id"],
        reason=reason,
    )


def file_wet_signed(
    cases: RemoteService,
    intake: RemoteService,
    office: OfficeSummary,
    reference: str,
    *,
    agencies: list[str],
    signed_on: date,
    scan: dict[str, str],
) -> None:
    """A release the constituent signed on paper, filed with its scan for the case's
    submission (checked with intake's contract before it is sent)."""
    case = casework.get_case(cases, office.office_id, reference)
    arguments = {
        "office_id": office.office_id,
        "submission_id": case["submission_id"],
        "agencies": agencies,
        "signed_on": signed_on.isoformat(),
        "scan": scan,
    }
    problems = WET_SIGNED_RELEASE.validate(arguments)
    if problems:
        raise ValidationFailed("The release cannot be filed as it is", fields=problems)
    intake.call("file_wet_signed_release", None, **arguments)


def attachment(
    cases: RemoteService, intake: RemoteService, office_id: str, reference: str, attachment_id: str
) -> dict[str, Any]:
    """A file the constituent sent with the case's request."""
    case = casework.get_case(cases, office_id, reference)
    known = {item["attachment_id"].lower() for item in case.get("attachments", [])}
    if not ID.match(attachment_id) or attachment_id.lower() not in known:
        raise NotFound("this case has no such attachment")
    return _document(intake, "attachment", office_id=office_id, attachment_id=attachment_id.lower())


def _document(intake: RemoteService, method: str, **arguments: Any) -> dict[str, Any]:
    """A document intake sent, its content decoded (`content`)."""
    document: dict[str, Any] = intake.call(method, DOCUMENT, **arguments)
    try:
        content = base64.b64decode(document["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ServiceUnavailable(intake.service, "document content is not base64") from None
    return {**document, "content": content}


# The scan of a wet-signed release, as uploaded -----------------------------------------------


def scan_document(filename: str | None, stream: IO[bytes]) -> dict[str, str]:
    """The uploaded scan as intake's `Document`: a PDF, JPEG or PNG (by its content) of at
    most 10 MB. ValidationFailed naming `scan` otherwise."""
    content = stream.read(MAX_SCAN_BYTES + 1)
    if not content:
        raise ValidationFailed("Choose the scan to file", fields={"scan": ["no file was chosen"]})
    if len(content) > MAX_SCAN_BYTES:
        raise ValidationFailed(
            "The scan is too large", fields={"scan": ["a scan may be up to 10 MB"]}
        )
    found = [
        (kind, extension) for start, kind, extension in SIGNATURES if content.startswith(start)
    ]
    if not found:
        raise ValidationFailed(
            "The scan must be a PDF, JPEG or PNG file",
            fields={"scan": ["not a PDF, JPEG or PNG file"]},
        )
    [(content_type, extension)] = found
    return {
        "filename": upload_name(filename, extension),
        "content_type": content_type,
        "content_base64": base64.b64encode(content).decode("ascii"),
    }


def upload_name(filename: str | None, extension: str) -> str:
    """The uploaded file's own name (no folders, no control characters), or a plain one."""
    name = posixpath.basename((filename or "").replace("\\", "/"))
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[-FILENAME_LENGTH:] if name else f"signed-release{extension}"


def attachment_view(item: dict[str, Any]) -> dict[str, Any]:
    """A file the constituent sent, as the attachments list shows it."""
    return {
        **item,
        "type_words": content_type_words(item["content_type"]),
        "size_words": size_words(item["size_bytes"]),
        "short_sha256": short_digest(item["sha256"]),
    }
