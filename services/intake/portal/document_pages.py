"""Sending the documents the office asked for, from the status page: the files (checked as the
request form's are: the same code in domain/attachments.py) and a message, posted from the
verified request's page; refused, the status page again with the problems at the top and
beside their fields; accepted, a confirmation listing the files received (Post/Redirect/Get).
Its routes are on `pages.blueprint`."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, session, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from marshmallow import ValidationError

from services.chassis.errors import Conflict, NotFound, ValidationFailed
from services.chassis.http import header_token
from services.chassis.schemas import field_errors
from services.intake import status_page
from services.intake.documents import send_documents
from services.intake.domain.attachments import MAX_FILES
from services.intake.domain.documents import NO_FILES
from services.intake.domain.submissions import PortalOffice
from services.intake.portal import guards
from services.intake.portal.forms import too_many_files, uploads
from services.intake.portal.metrics import documents_upload
from services.intake.portal.multipart import posted_form
from services.intake.portal.pages import blueprint, db, office_or_404, page, to_status_page
from services.intake.portal.problems import form_problems
from services.intake.portal.status_pages import in_their_language, show_status
from services.intake.schemas import DocumentsMessageSchema

MESSAGE = DocumentsMessageSchema()
# The confirmation's list, kept in the session until it is shown again or replaced.
SENT_KEY = "documents_sent"


@blueprint.post("/o/<office_id>/documents")
def upload_documents(office_id: str) -> Any:
    office = office_or_404(office_id)
    submission_id = guards.verified_submission(office.office_id)
    if submission_id is None:
        documents_upload("not_verified")
        return to_status_page(office)
    posted = posted_form(request)
    form = posted.first_values()
    if not guards.csrf_ok(form.get("csrf_token")):
        documents_upload("bad_token")
        abort(400)
    values = {"message": form.get("message", "")[:4000]}

    def again(fields: dict[str, Any], reason: str) -> Any:
        documents_upload(reason)
        return show_status(office, submission_id, lambda: form_problems(fields), values, 422)

    if too_many_files(posted.files):
        return again({"attachments": [f"send at most {MAX_FILES} files"]}, "too_many_files")
    try:
        message = MESSAGE.load({"message": values["message"]})["message"]
    except ValidationError as exc:
        return again(field_errors(exc), "message_invalid")
    try:
        sent = send_documents(
            db(),
            office.office_id,
            submission_id,
            uploads(posted.files),
            message,
            correlation_id=header_token(request, "X-Correlation-ID"),
        )
    except Conflict:
        documents_upload("not_awaited")
        return to_status_page(office)
    except NotFound:
        guards.forget_verified()
        return to_status_page(office)
    except ValidationFailed as exc:
        return again(exc.fields, refusal_reason(exc.fields))
    documents_upload("accepted")
    session[SENT_KEY] = {"office": office.office_id, "files": sent.receipt}
    return redirect(url_for("pages.documents_sent", office_id=office.office_id), 303)


def refusal_reason(fields: dict[str, Any]) -> str:
    """A bounded label for the metric, from the first problem intake named."""
    if "message" in fields:
        return "message_invalid"
    problem = str((fields.get("attachments") or [""])[0])
    for words, reason in (
        (NO_FILES, "no_files"),
        ("at most", "too_many_files"),
        ("empty", "empty_file"),
        ("larger than", "too_large"),
        ("PDF, JPEG or PNG", "file_type"),
    ):
        if words in problem:
            return reason
    return "validation_failed"


@blueprint.get("/o/<office_id>/documents/sent")
def documents_sent(office_id: str) -> Any:
    """The files received, while this browser's request is still open here."""
    office = office_or_404(office_id)
    submission_id = guards.verified_submission(office.office_id)
    receipt = session.get(SENT_KEY)
    if (
        submission_id is None
        or not isinstance(receipt, dict)
        or receipt.get("office") != office.office_id
    ):
        return to_status_page(office)
    files = [(str(name), file_size(int(size))) for name, size in receipt.get("files", [])]
    return shown(office, submission_id, files)


def shown(office: PortalOffice, submission_id: str, files: list[tuple[str, str]]) -> Any:
    try:
        found = status_page.public_status(db(), office.office_id, submission_id)
    except NotFound:
        return page("documents_sent.html", office=office, files=files, found=None)
    return in_their_language(
        found.language, "documents_sent.html", 200, office=office, files=files, found=found
    )


def file_size(size: int) -> str:
    """`48 KB`, `1.2 MB` in the page's language (`1,2 MB` in Spanish)."""
    if size < 1024 * 1024:
        return _("%(size)s KB", size=format_decimal(max(1, round(size / 1024))))
    return _("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1)))
