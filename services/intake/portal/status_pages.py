"""What a constituent opens after sending: the status page (with its one-time code, or last
name and ZIP), the privacy release signed later, its PDF and revocation, the satisfaction
survey's one click, and stopping email. Its routes are on `pages.blueprint`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from flask import (
    abort,
    flash,
    get_flashed_messages,
    request,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from services.chassis.errors import Conflict, NotFound, ValidationFailed
from services.chassis.http import header_token
from services.chassis.schemas import field_errors
from services.intake import handlers, signing, status_page, surveys
from services.intake.domain.agencies import AGENCIES
from services.intake.domain.attachments import MAX_BYTES, MAX_FILES
from services.intake.domain.documents import MESSAGE_LENGTH
from services.intake.domain.public_status import outstanding_documents
from services.intake.domain.submissions import (
    PortalOffice,
    PrivacyConsent,
)
from services.intake.domain.surveys import parse_rating
from services.intake.domain.unsubscribe import ONE_CLICK_FIELD, parse_choice
from services.intake.portal import guards
from services.intake.portal.form_pages import release_section
from services.intake.portal.forms import release_body
from services.intake.portal.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGES,
    RATING_WORDS,
    RELEASE_STATES,
    RESULT_WORDS,
    STATUS_WORDS,
    chosen_language,
    current_language,
)
from services.intake.portal.metrics import (
    survey_click,
    unsubscribe_click,
)
from services.intake.portal.pages import (
    NOTICES,
    RELEASE,
    blueprint,
    db,
    office_or_404,
    page,
    to_status_page,
)
from services.intake.portal.problems import Problems, form_problems
from services.intake.unsubscribe import answer_unsubscribe
from services.intake.web import consent_evidence

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
        return to_status_page(office)
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
            return _step_refused("status_start.html", office, tracking, exc)
        # The same page whether or not the code is known, or has an email: nobody learns
        # which tracking codes exist from it.
        return page("status_code.html", office=office, tracking=tracking, problems=Problems())
    if action == "verify_code":
        try:
            submission_id = status_page.verify_status_code(
                db(), office.office_id, tracking, form.get("code", "").strip()[:12]
            )
        except ValidationFailed as exc:
            return _step_refused("status_code.html", office, tracking, exc)
        return _verified(office, submission_id)
    if action == "name_and_zip":
        last_name = form.get("last_name", "")[:100]
        try:
            submission_id = status_page.verify_name_and_zip(
                db(), office.office_id, tracking, last_name, form.get("postal_code", "")[:12]
            )
        except ValidationFailed as exc:
            return _step_refused("status_code.html", office, tracking, exc, last_name=last_name)
        return _verified(office, submission_id)
    abort(400)


def _step_refused(
    template: str, office: PortalOffice, tracking: str, exc: ValidationFailed, **context: Any
) -> Any:
    """The step's page again, with what was refused and the tracking code kept."""
    return page(
        template,
        422,
        office=office,
        tracking=tracking,
        problems=form_problems(exc.fields),
        **context,
    )


def _verified(office: PortalOffice, submission_id: str) -> Response:
    """The browser now holds the request it proved it owns; the status page shows it."""
    guards.remember_verified(office.office_id, submission_id)
    return to_status_page(office)


def show_status(
    office: PortalOffice,
    submission_id: str,
    problems: Callable[[], Problems] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Any:
    """The request's status page; with the problems of a refused sending of documents (and
    the message typed) when that is why it is shown again. `problems` words them when the
    page's language is known (the constituent's own, unless this browser chose one)."""
    try:
        found = status_page.public_status(db(), office.office_id, submission_id)
    except NotFound:
        guards.forget_verified()
        return to_status_page(office)
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
        "values": values or {},
        "max_files": MAX_FILES,
        "max_megabytes": MAX_BYTES // (1024 * 1024),
        "message_length": MESSAGE_LENGTH,
    }
    with their_language(found.language):
        context["problems"] = problems() if problems is not None else Problems()
        return page("status.html", status, **context)


def in_their_language(language: str, template: str, status: int, **context: Any) -> Any:
    """A page in the constituent's own language, unless this browser chose one."""
    with their_language(language):
        return page(template, status, **context)


def their_language(language: str) -> AbstractContextManager[Any]:
    """Words in the constituent's own language within it, unless this browser chose one."""
    if chosen_language() is None and request.cookies.get(LANGUAGE_COOKIE) not in LANGUAGES:
        return force_locale(language)
    return nullcontext()


# -- The privacy release, signed later ---------------------------------------------------------


@blueprint.route("/o/<office_id>/release", methods=["GET", "POST"])
def release(office_id: str) -> Any:
    office = office_or_404(office_id)
    submission_id = guards.verified_submission(office.office_id)
    if submission_id is None:
        return to_status_page(office)
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
    return to_status_page(office)


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
        return to_status_page(office)
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
        return to_status_page(office)
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
    return to_status_page(office)


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
