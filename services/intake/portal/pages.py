"""The constituent's pages: the request form and its confirmation, the status page behind a
one-time code, signing a privacy release later, its PDF copy and its revocation, and the pages
the links in their emails open (the satisfaction survey, stopping email).

Every page works without JavaScript: each step is a form that posts, and a post that
succeeds redirects (Post/Redirect/Get), so reloading a page never sends anything twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_limiter import Limiter
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from services.chassis.errors import CaseworkError, Conflict, NotFound, ValidationFailed
from services.chassis.http import header_token
from services.chassis.schemas import field_errors, is_office_id
from services.contracts.vocabulary import CATEGORIES
from services.intake import handlers, signing, status_page, surveys
from services.intake.domain.agencies import AGENCIES
from services.intake.domain.attachments import MAX_BYTES, MAX_FILES
from services.intake.domain.public_status import outstanding_documents
from services.intake.domain.submissions import (
    Idempotency,
    IdempotencyKeyReused,
    PortalOffice,
    PrivacyConsent,
)
from services.intake.domain.surveys import parse_rating
from services.intake.domain.unsubscribe import ONE_CLICK_FIELD, parse_choice
from services.intake.portal import guards
from services.intake.portal.forms import (
    IDENTIFIER_FIELDS,
    Problems,
    form_problems,
    kept_values,
    release_body,
    submission_body,
    too_many_files,
    uploads,
)
from services.intake.portal.i18n import (
    IDENTIFIER_HINTS,
    IDENTIFIER_LABELS,
    LANGUAGE_COOKIE,
    LANGUAGE_NAMES,
    LANGUAGES,
    RATING_WORDS,
    RELEASE_STATES,
    RESULT_WORDS,
    STATUS_WORDS,
    agency_label,
    category_label,
    chosen_language,
    current_language,
    long_date,
    other_language,
    page_language,
)
from services.intake.portal.metrics import (
    accepted_total,
    refused,
    survey_click,
    unsubscribe_click,
)
from services.intake.portal.multipart import posted_form
from services.intake.portal.settings import PortalSettings
from services.intake.schemas import PrivacyReleaseSchema, SubmissionSchema
from services.intake.unsubscribe import answer_unsubscribe
from services.intake.web import consent_evidence

blueprint = Blueprint("pages", __name__)

SUBMISSION = SubmissionSchema()
RELEASE = PrivacyReleaseSchema()
# The release as shown before the constituent typed a name or ticked an agency: the blank a
# paper form leaves for the name. The exact text, filled in, is in their PDF copy.
BLANK_NAME = "______________"
# Flash messages are stored as keys and worded when shown, in the page's language then.
NOTICES = ("release_signed", "release_revoked", "release_already_revoked", "signed_out")
CODE_ACTIONS = ("send_code", "name_and_zip")


def db() -> Any:
    return current_app.extensions["intake_db"]


# -- What every page gets ----------------------------------------------------------------------


@blueprint.app_context_processor
def page_context() -> dict[str, Any]:
    return {
        "lang": current_language(),
        "other_lang": other_language(),
        "language_names": LANGUAGE_NAMES,
        "switch_url": switch_url(),
        "category_label": category_label,
        "agency_label": agency_label,
        "long_date": long_date,
    }


@blueprint.app_template_filter("agency_label")
def agency_label_filter(code: str) -> str:
    return agency_label(code)


def switch_url() -> str:
    """This page in the other language. A GET keeps its query; after a POST the link goes
    to the page itself (what was typed there is not carried in a link)."""
    arguments = {key: value for key, value in request.args.items() if key != "lang"}
    if request.method != "GET":
        arguments = {}
    arguments["lang"] = other_language()
    return f"{request.path}?{urlencode(arguments)}"


# Offices are registered rarely and renamed seldom: a page names one known within the last
# minute without a transaction of its own (a form post then costs what an API post does).
OFFICE_KNOWN_FOR_SECONDS = 60.0


def office_or_404(office_id: str) -> PortalOffice:
    if not is_office_id(office_id):
        abort(404)
    known: dict[str, tuple[float, PortalOffice]] = current_app.extensions.setdefault(
        "intake_known_offices", {}
    )
    now = time.monotonic()
    remembered = known.get(office_id)
    if remembered is not None and now - remembered[0] < OFFICE_KNOWN_FOR_SECONDS:
        return remembered[1]
    office = signing.portal_office(db(), office_id)
    if office is None:
        abort(404)
    known[office_id] = (now, office)
    return office


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(f"portal/{template}", **context), status


def error_page(status: int) -> tuple[str, int]:
    return page(
        "error.html",
        status,
        status_code=status,
        max_files=MAX_FILES,
        max_megabytes=MAX_BYTES // (1024 * 1024),
    )


def rate_limited_page() -> tuple[str, int]:
    return page("rate_limited.html", 429)


# -- Home --------------------------------------------------------------------------------------


@blueprint.get("/")
def home() -> Any:
    return page("home.html")


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
    values = kept_values(form)
    release_agencies = posted.getlist("release_agencies")

    def again(problems: Problems, *, notice: str | None = None, status: int = 422) -> Any:
        office = office_or_404(office_id)
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
    response = redirect(url_for("pages.submitted", office_id=office_id), 303)
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


# -- The status page ---------------------------------------------------------------------------


@blueprint.route("/o/<office_id>/status", methods=["GET", "POST"])
def status(office_id: str) -> Any:
    office = office_or_404(office_id)
    if request.method == "POST":
        return status_step(office)
    submission_id = guards.verified_submission(office.office_id)
    if submission_id is not None:
        return show_status(office, submission_id)
    tracking = request.args.get("tracking", "")[:20]
    notices = [key for key in get_flashed_messages() if key in NOTICES]
    return page(
        "status_start.html", office=office, tracking=tracking, problems=Problems(), notices=notices
    )


def status_step(office: PortalOffice) -> Any:
    form = request.form
    action = form.get("action", "")
    tracking = form.get("tracking_code", "").strip()[:20]
    if action == "sign_out":
        if guards.csrf_ok(form.get("csrf_token")):
            guards.forget_verified()
            flash("signed_out")
        return redirect(url_for("pages.status", office_id=office.office_id), 303)
    if handlers.normalise_tracking_code(tracking) is None:
        problems = Problems()
        problems.add(
            "tracking_code", _("Enter the tracking code from your confirmation, like K7QX-M2PD.")
        )
        return page("status_start.html", 422, office=office, tracking=tracking, problems=problems)
    if action == "send_code":
        try:
            status_page.request_status_code(
                db(),
                office.office_id,
                tracking,
                correlation_id=header_token(request, "X-Correlation-ID"),
            )
        except ValidationFailed as exc:
            return page(
                "status_start.html",
                422,
                office=office,
                tracking=tracking,
                problems=form_problems(exc.fields),
            )
        # The same page whether or not the code is known, or has an email: nobody learns
        # which tracking codes exist from it.
        return page("status_code.html", office=office, tracking=tracking, problems=Problems())
    if action == "verify_code":
        try:
            submission_id = status_page.verify_status_code(
                db(), office.office_id, tracking, form.get("code", "").strip()[:12]
            )
        except ValidationFailed as exc:
            return page(
                "status_code.html",
                422,
                office=office,
                tracking=tracking,
                problems=form_problems(exc.fields),
            )
        guards.remember_verified(office.office_id, submission_id)
        return redirect(url_for("pages.status", office_id=office.office_id), 303)
    if action == "name_and_zip":
        try:
            submission_id = status_page.verify_name_and_zip(
                db(),
                office.office_id,
                tracking,
                form.get("last_name", "")[:100],
                form.get("postal_code", "")[:12],
            )
        except ValidationFailed as exc:
            return page(
                "status_code.html",
                422,
                office=office,
                tracking=tracking,
                problems=form_problems(exc.fields),
                last_name=form.get("last_name", "")[:100],
            )
        guards.remember_verified(office.office_id, submission_id)
        return redirect(url_for("pages.status", office_id=office.office_id), 303)
    abort(400)


def show_status(office: PortalOffice, submission_id: str) -> Any:
    try:
        found = status_page.public_status(db(), office.office_id, submission_id)
    except NotFound:
        guards.forget_verified()
        return redirect(url_for("pages.status", office_id=office.office_id), 303)
    notices = [key for key in get_flashed_messages() if key in NOTICES]
    context: dict[str, Any] = {
        "office": office,
        "found": found,
        "needed": outstanding_documents(found.status, found.updates),
        "notices": notices,
        "csrf_token": guards.csrf_token(),
        "status_words": STATUS_WORDS,
        "result_words": RESULT_WORDS,
        "release_states": RELEASE_STATES,
    }
    return in_their_language(found.language, "status.html", 200, **context)


def in_their_language(language: str, template: str, status: int, **context: Any) -> Any:
    """A page in the constituent's own language, unless this browser chose one."""
    if chosen_language() is None and request.cookies.get(LANGUAGE_COOKIE) not in LANGUAGES:
        with force_locale(language):
            return page(template, status, **context)
    return page(template, status, **context)


# -- The privacy release, signed later ---------------------------------------------------------


@blueprint.route("/o/<office_id>/release", methods=["GET", "POST"])
def release(office_id: str) -> Any:
    office = office_or_404(office_id)
    submission_id = guards.verified_submission(office.office_id)
    if submission_id is None:
        return redirect(url_for("pages.status", office_id=office.office_id), 303)
    if request.method == "GET":
        return render_release(office, {}, Problems())
    form = request.form
    if not guards.csrf_ok(form.get("csrf_token")):
        abort(400)
    values = {"signature_name": form.get("signature_name", "")}
    agencies = form.getlist("release_agencies")
    raw = release_body(
        form,
        agencies=agencies,
        signature_name=values["signature_name"],
        language=current_language(),
    )
    try:
        loaded = RELEASE.load(raw)
    except ValidationError as exc:
        return render_release(office, values, form_problems(field_errors(exc)), agencies, 422)
    consent = PrivacyConsent(
        signature_name=loaded["signature_name"],
        agencies=tuple(loaded["agencies"]),
        identifiers=loaded["identifiers"],
        language=loaded["language"] or current_language(),
        text_version=loaded["text_version"],
        text_sha256=loaded["text_sha256"],
    )
    try:
        signing.sign_release(
            db(), office.office_id, submission_id, consent, consent_evidence(request)
        )
    except ValidationFailed as exc:
        return render_release(office, values, form_problems(exc.fields), agencies, 422)
    flash("release_signed")
    return redirect(url_for("pages.status", office_id=office.office_id), 303)


def render_release(
    office: PortalOffice,
    values: dict[str, str],
    problems: Problems,
    agencies: Sequence[str] = (),
    status: int = 200,
) -> Any:
    return page(
        "release.html",
        status,
        office=office,
        values=values,
        problems=problems,
        agencies=AGENCIES,
        release=release_section(office, "", agencies),
        csrf_token=guards.csrf_token(),
    )


@blueprint.get("/o/<office_id>/release/<release_id>.pdf")
def release_pdf(office_id: str, release_id: str) -> Any:
    office = office_or_404(office_id)
    submission_id = guards.verified_submission(office.office_id)
    if submission_id is None:
        return redirect(url_for("pages.status", office_id=office.office_id), 303)
    try:
        pdf = signing.constituent_release_pdf(db(), office.office_id, submission_id, release_id)
    except (NotFound, ValidationFailed):
        abort(404)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="privacy-release-{release_id[:8]}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@blueprint.post("/o/<office_id>/release/<release_id>/revoke")
def revoke(office_id: str, release_id: str) -> Any:
    office = office_or_404(office_id)
    submission_id = guards.verified_submission(office.office_id)
    if submission_id is None:
        return redirect(url_for("pages.status", office_id=office.office_id), 303)
    if not guards.csrf_ok(request.form.get("csrf_token")):
        abort(400)
    if request.form.get("confirm") != "yes":
        found = status_page.public_status(db(), office.office_id, submission_id)
        shown = next((r for r in found.releases if r.release_id == release_id), None)
        if shown is None:
            abort(404)
        return page(
            "revoke.html",
            office=office,
            shown=shown,
            csrf_token=guards.csrf_token(),
            release_states=RELEASE_STATES,
        )
    try:
        signing.revoke_release_by_constituent(db(), office.office_id, submission_id, release_id)
        flash("release_revoked")
    except Conflict:
        flash("release_already_revoked")
    except NotFound:
        abort(404)
    return redirect(url_for("pages.status", office_id=office.office_id), 303)


# -- The satisfaction survey, one click from the closure message --------------------------------


@blueprint.get("/o/<office_id>/rate/<token>")
def survey(office_id: str, token: str) -> Any:
    """A closure message's rating link: `?rating=N` records N (1 to 5) in one click; without
    it, the question. Clicking again changes the answer. A HEAD request (a mail system
    checking the link) records nothing."""
    office = office_or_404(office_id)
    raw = request.args.get("rating") if request.method == "GET" else None
    context: dict[str, Any] = {"office": office, "token": token, "ratings": RATING_WORDS}
    status, outcome = 200, "asked" if raw is None else "answered"
    try:
        rating = parse_rating(raw)
    except ValidationFailed:
        rating, status, outcome = None, 422, "invalid_rating"
    try:
        answer = surveys.answer_survey(db(), office.office_id, token, rating)
    except NotFound:
        survey_click("unknown_link")
        return page("survey.html", 404, unknown=True, **context)
    survey_click(outcome)
    context.update(answer=answer, problem=status == 422)
    return in_their_language(answer.language, "survey.html", status, **context)


# -- Stopping email, from the link in every email -----------------------------------------------


@blueprint.route("/o/<office_id>/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(office_id: str, token: str) -> Any:
    """An email's unsubscribe link. GET (and HEAD: mail systems fetch links) shows where the
    constituent stands and changes nothing; a POST stops email (`action=stop`, or a mail
    provider's RFC 8058 one-click `List-Unsubscribe=One-Click`) or starts it again
    (`action=resume`), and answers with the page itself, not a redirect: a one-click post
    wants its answer there, and sending it again changes nothing. No CSRF token: the link's
    secret is the credential, and a mail provider's one-click post carries none."""
    office = office_or_404(office_id)
    context: dict[str, Any] = {"office": office, "token": token}
    status, choice, outcome = 200, None, "asked"
    if request.method == "POST":
        try:
            choice = parse_choice(request.form.get("action"), request.form.get(ONE_CLICK_FIELD))
        except ValidationFailed:
            status, outcome = 422, "invalid"
    try:
        answer = answer_unsubscribe(db(), office.office_id, token, choice)
    except NotFound:
        unsubscribe_click("unknown_link")
        return page("unsubscribe.html", 404, unknown=True, **context)
    if choice is not None:
        outcome = ("stopped" if choice else "resumed") if answer.changed else "unchanged"
    unsubscribe_click(outcome)
    context.update(answer=answer, problem=status == 422, done=choice is not None)
    return in_their_language(answer.language, "unsubscribe.html", status, **context)


@blueprint.errorhandler(CaseworkError)
def casework_error(error: CaseworkError) -> Any:
    """A refusal no page above expected (an office gone mid-request): a page, never a trace."""
    return error_page(error.status if error.status in (400, 404, 409, 413, 422) else 400)


# -- Rate limits -------------------------------------------------------------------------------


def tracking_key() -> str:
    code = handlers.normalise_tracking_code(request.form.get("tracking_code", "")) or "none"
    return f"tracking:{code}"


def not_code_request() -> bool:
    return request.form.get("action") not in CODE_ACTIONS


def not_verification() -> bool:
    return request.form.get("action") != "verify_code"


def apply_limits(app: Flask, limiter: Limiter, config: PortalSettings) -> None:
    """Per client address on every post; the status page's codes per tracking code too (so a
    constituent's mailbox cannot be flooded from many addresses)."""
    posting = ["POST"]
    for endpoint in ("pages.request_form", "pages.release", "pages.revoke", "pages.unsubscribe"):
        guards.limit_endpoint(
            app, endpoint, limiter.limit(lambda: config.form_limit, methods=posting)
        )
    # Each its own scope: equal limit strings must still count apart.
    guards.limit_endpoint(
        app,
        "pages.status",
        limiter.limit(
            lambda: config.status_limit,
            methods=posting,
            exempt_when=not_code_request,
            scope="code-per-client",
        ),
        limiter.limit(
            lambda: config.status_limit,
            key_func=tracking_key,
            methods=posting,
            exempt_when=not_code_request,
            scope="code-per-request",
        ),
        limiter.limit(
            lambda: config.verify_limit,
            methods=posting,
            exempt_when=not_verification,
            scope="verify-per-client",
        ),
    )
