"""The request form: the blank form (rendered once per office and language, a fresh token
each visit), a posted form checked and stored as a submission or shown again with its problems,
and the confirmation page. Its routes are on `pages.blueprint`."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
import time
from collections.abc import Sequence
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.datastructures import Headers

from services.chassis.errors import NotFound, ValidationFailed
from services.chassis.http import header_token
from services.chassis.schemas import field_errors, is_office_id
from services.contracts.vocabulary import CATEGORIES
from services.intake import handlers, signing
from services.intake.domain.agencies import AGENCIES
from services.intake.domain.attachments import MAX_BYTES, MAX_FILES
from services.intake.domain.submissions import (
    Idempotency,
    IdempotencyKeyReused,
    PortalOffice,
)
from services.intake.portal import guards
from services.intake.portal.forms import (
    IDENTIFIER_FIELDS,
    kept_values,
    release_body,
    submission_body,
    too_many_files,
    uploads,
)
from services.intake.portal.i18n import (
    IDENTIFIER_HINTS,
    IDENTIFIER_LABELS,
    current_language,
    page_language,
)
from services.intake.portal.metrics import (
    accepted_total,
    refused,
)
from services.intake.portal.multipart import posted_form
from services.intake.portal.pages import (
    BLANK_NAME,
    SUBMISSION,
    blueprint,
    db,
    office_or_404,
    page,
    switch_url,
)
from services.intake.portal.problems import Problems, form_problems
from services.intake.web import consent_evidence

# -- The request form --------------------------------------------------------------------------


BLANK_FORM_SECONDS = 60.0
BLANK_FORMS_KEPT = 512
TOKEN_SLOT = "__form_token__"  # noqa: S105 - where the token goes, not a secret


class BlankForms:
    """The empty request form as rendered for an office, a language and its language link,
    kept a minute. Most visits only read the form, and rendering it (some seventy strings
    in the page's language, the release text) costs far more than sending it; the form
    token, the one part that is each visit's own, is put in every time."""

    def __init__(self, seconds: float = BLANK_FORM_SECONDS, kept: int = BLANK_FORMS_KEPT) -> None:
        self._seconds = seconds
        self._kept = kept
        self._pages: dict[tuple[str, ...], tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> str | None:
        with self._lock:
            found = self._pages.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: tuple[str, ...], html: str) -> None:
        with self._lock:
            if len(self._pages) >= self._kept:
                self._pages.pop(next(iter(self._pages)))
            self._pages[key] = (time.monotonic() + self._seconds, html)


# A path that is a URI as it stands: unreserved characters and slashes.
URI_PATH = re.compile(r"[A-Za-z0-9._~/-]+")


class SeeOther(Response):
    """Post/Redirect/Get's 303 to a path of this site, with no body. Its path is made of an
    office slug, so werkzeug's pass over the headers (turning an IRI `Location` into a URI,
    counting the body's length) has nothing to do: about as much as the API spends writing its
    JSON answer. Any other location still takes that pass.

    A Flask `Response`: Flask re-classes any other response it is handed (`force_type`), which
    would drop this class's `get_wsgi_headers` on the way out."""

    def __init__(self, location: str) -> None:
        super().__init__(status=303, headers={"Location": location})

    def get_wsgi_headers(self, environ: Any) -> Headers:
        if not URI_PATH.fullmatch(self.location or ""):
            return super().get_wsgi_headers(environ)
        headers = Headers(self.headers)
        headers.add("Content-Length", "0")
        return headers


def blank_forms() -> BlankForms:
    return current_app.extensions.setdefault("intake_blank_forms", BlankForms())  # type: ignore[no-any-return]


@blueprint.route("/o/<office_id>/", methods=["GET", "POST"])
def request_form(office_id: str) -> Any:
    if request.method == "POST":
        if not is_office_id(office_id):
            abort(404)
        return submit_form(office_id)
    if set(request.args) - {"lang"}:
        office = office_or_404(office_id)
        return render_form(office, {"preferred_language": current_language()}, Problems())
    key = (office_id, current_language(), switch_url())
    html = blank_forms().get(key)
    if html is None:
        office = office_or_404(office_id)
        values = {"preferred_language": current_language()}
        html, _ = render_form(office, values, Problems(), form_token=TOKEN_SLOT)
        blank_forms().put(key, html)
    return html.replace(TOKEN_SLOT, guards.form_token(office_id), 1)


def submit_form(office_id: str) -> Any:
    """Store the request, or show the form again saying why not. The office is read only to
    show the form again: accepting checks it anyway, so a good post costs what the API's
    does."""
    posted = posted_form(request)
    form = posted.first_values()
    check = guards.check_form(office_id, form.get("form_token"), guards.honeypot_value(form))
    release_agencies = posted.getlist("release_agencies")

    def again(problems: Problems, *, notice: str | None = None, status: int = 422) -> Any:
        office = office_or_404(office_id)
        values = kept_values(form)
        return render_form(office, values, problems, release_agencies, notice=notice, status=status)

    if check.refusal is not None:
        # The same neutral answer for a bot and for a person who was very quick: the form
        # again, as it was, to send once more. Nothing of this request is kept.
        refused(check.refusal)
        return again(Problems(), notice="send_again", status=200)
    files = posted.files
    if too_many_files(files):
        problems = Problems()
        problems.add("attachments", _("Send at most %(count)d files.", count=MAX_FILES))
        refused("validation_failed")
        return again(problems)
    # The page's language (the locale selector's answer, without building a babel Locale)
    # is the release text's, and the constituent's when the form did not say.
    wants_release = form.get("release_wanted") == "yes"
    release = (
        release_body(
            form,
            agencies=release_agencies,
            signature_name=form.get("signature_name", ""),
            language=page_language(),
        )
        if wants_release
        else None
    )
    body = submission_body(form, release=release)
    if not body["constituent"].get("preferred_language"):
        body["constituent"]["preferred_language"] = page_language()
    try:
        submit_request = SUBMISSION.load(body)
    except ValidationError as exc:
        refused("validation_failed")
        return again(form_problems(field_errors(exc)))
    chosen = uploads(files)
    if chosen:
        submit_request = dataclasses.replace(submit_request, attachments=chosen)
    # The form's nonce keys the submission: a double click stores one request. The files
    # count in its fingerprint by their hashes.
    fingerprinted = {**body, "attachments": [hashlib.sha256(u.content).hexdigest() for u in chosen]}
    idempotency = Idempotency.of(f"portal:{check.nonce}", fingerprinted) if check.nonce else None
    try:
        receipt = handlers.accept_submission(
            db(),
            office_id,
            submit_request,
            consent_evidence(request),
            idempotency=idempotency,
            correlation_id=header_token(request, "X-Correlation-ID"),
        )
    except IdempotencyKeyReused:
        refused("form_sent_twice")
        return again(Problems(), notice="sent_already", status=200)
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        refused(exc.code)
        return again(form_problems(exc.fields))
    accepted_total().labels(submit_request.channel).inc()
    # Post/Redirect/Get to the confirmation, the path written out (the office id is a slug):
    # `redirect(url_for(...))` builds the route and an HTML body no browser shows, a tenth
    # of a millisecond the API's answer does not spend.
    response = SeeOther(f"{request.script_root}/o/{office_id}/submitted")
    guards.remember_receipt(
        response,
        office_id,
        {
            "tracking_code": receipt.tracking_code,
            "release": receipt.privacy_release_recorded,
            "email": bool(submit_request.constituent.email),
            "files": len(chosen),
        },
    )
    return response


def render_form(
    office: PortalOffice,
    values: dict[str, str],
    problems: Problems,
    release_agencies: Sequence[str] = (),
    *,
    notice: str | None = None,
    status: int = 200,
    form_token: str | None = None,
) -> Any:
    first, last = values.get("first_name", "").strip(), values.get("last_name", "").strip()
    # The release names the constituent as intake will: first and last name, both given.
    name = " ".join(f"{first} {last}".split()) if first and last else ""
    release = release_section(office, name, release_agencies)
    return page(
        "form.html",
        status,
        office=office,
        values=values,
        problems=problems,
        notice=notice,
        form_token=form_token or guards.form_token(office.office_id),
        categories=CATEGORIES,
        agencies=AGENCIES,
        release=release,
        max_files=MAX_FILES,
        max_megabytes=MAX_BYTES // (1024 * 1024),
    )


@dataclasses.dataclass(frozen=True)
class ReleaseSection:
    """The release as the page shows it: its text, and whether that text is exactly the one
    intake will file (then its SHA-256 goes back with the signature)."""

    version: str
    text: str
    sha256: str | None
    agencies: tuple[str, ...]
    identifier_fields: tuple[str, ...]
    identifier_labels: dict[str, Any]
    identifier_hints: dict[str, Any]

    @property
    def paragraphs(self) -> list[str]:
        return [part.strip() for part in self.text.split("\n\n") if part.strip()]


def release_section(
    office: PortalOffice, constituent_name: str, agencies: Sequence[str]
) -> ReleaseSection:
    known = [code for code in agencies if any(a.code == code for a in AGENCIES)]
    exact = bool(constituent_name and known)
    rendered = signing.release_text(
        db(),
        office.office_id,
        current_language(),
        constituent_name=constituent_name if exact else BLANK_NAME,
        # Not yet chosen: the text names the agencies ticked below it, as a paper form would.
        agencies=known if exact else [_("the agencies I tick below")],
    )
    return ReleaseSection(
        version=rendered.version,
        text=rendered.text,
        sha256=rendered.sha256 if exact else None,
        agencies=tuple(known),
        identifier_fields=IDENTIFIER_FIELDS,
        identifier_labels=IDENTIFIER_LABELS,
        identifier_hints=IDENTIFIER_HINTS,
    )


@blueprint.get("/o/<office_id>/submitted")
def submitted(office_id: str) -> Any:
    office = office_or_404(office_id)
    receipt = guards.receipt_for(office.office_id)
    if receipt is None:
        return redirect(url_for("pages.request_form", office_id=office.office_id), 303)
    status_url = url_for(
        "pages.status", office_id=office.office_id, tracking=receipt["tracking_code"]
    )
    return page("submitted.html", office=office, receipt=receipt, status_url=status_url)
