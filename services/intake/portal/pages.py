"""The constituent's pages: the request form and its confirmation, the status page behind a
one-time code, signing a privacy release later, its PDF copy and its revocation, and the pages
the links in their emails open (the satisfaction survey, stopping email).

Every page works without JavaScript: each step is a form that posts, and a post that
succeeds redirects (Post/Redirect/Get), so reloading a page never sends anything twice.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter import Limiter
from werkzeug.wrappers import Response

from services.chassis.errors import CaseworkError
from services.chassis.schemas import is_office_id
from services.intake import handlers, signing
from services.intake.domain.attachments import MAX_BYTES, MAX_FILES
from services.intake.domain.submissions import (
    PortalOffice,
)
from services.intake.portal import guards
from services.intake.portal.i18n import (
    LANGUAGE_NAMES,
    agency_label,
    category_label,
    current_language,
    long_date,
    other_language,
)
from services.intake.portal.settings import PortalSettings
from services.intake.schemas import PrivacyReleaseSchema, SubmissionSchema

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


def to_status_page(office: PortalOffice) -> Response:
    """See Other: the office's status page, where a constituent proves a request is theirs
    and, once they have, sees it."""
    return redirect(url_for("pages.status", office_id=office.office_id), 303)


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
    for endpoint in (
        "pages.request_form",
        "pages.release",
        "pages.revoke",
        "pages.unsubscribe",
        "pages.upload_documents",
    ):
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
