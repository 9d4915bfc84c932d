"""What keeps scripts and strangers out of the portal without a captcha: a honeypot field and
a signed render time on the request form (a person takes a few seconds to fill it in), a
token against cross-site posts on the pages of a verified request, and the verified request
itself, remembered for half an hour in the signed session cookie."""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, session
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from services.intake.portal.forms import HONEYPOT
from services.intake.portal.settings import PortalSettings

FORM_TOKEN_SALT = "casework-intake-web/form-rendered"  # noqa: S105 - a salt, not a secret
CSRF_KEY = "csrf"
VERIFIED_KEY = "verified"
RECEIPT_KEY = "receipt"


def settings() -> PortalSettings:
    return current_app.extensions["intake_portal"]  # type: ignore[no-any-return]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=FORM_TOKEN_SALT)


def form_token(office_id: str) -> str:
    """Signed (office, a fresh nonce) with the time it was made: the nonce also keys the
    submission's idempotency, so a double click stores one request."""
    return _serializer().dumps({"o": office_id, "n": secrets.token_urlsafe(16)})


@dataclass(frozen=True)
class FormCheck:
    """Why a posted form is not taken as a person's (None: it is), and its nonce."""

    refusal: str | None
    nonce: str | None = None


def check_form(office_id: str, token: str | None, honeypot: str | None) -> FormCheck:
    """A filled honeypot, a missing, forged, stale or other office's token, or a form sent
    faster than a person could fill it in: refused (and nothing of it is stored)."""
    if honeypot:
        return FormCheck("honeypot")
    if not token:
        return FormCheck("no_token")
    config = settings()
    try:
        payload, signed_at = _serializer().loads(
            token, max_age=config.form_token_max_age, return_timestamp=True
        )
    except SignatureExpired:
        return FormCheck("stale_token")
    except BadSignature:
        return FormCheck("bad_token")
    if not isinstance(payload, dict) or payload.get("o") != office_id:
        return FormCheck("bad_token")
    if time.time() - signed_at.timestamp() < config.min_fill_seconds:
        return FormCheck("too_fast")
    nonce = payload.get("n")
    return FormCheck(None, nonce if isinstance(nonce, str) else None)


def honeypot_value(form: Any) -> str | None:
    value = form.get(HONEYPOT, "")
    return value if value else None


def csrf_token() -> str:
    """This browser session's token for the forms of a verified request."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        session[CSRF_KEY] = token
    return token


def csrf_ok(posted: str | None) -> bool:
    token = session.get(CSRF_KEY)
    return isinstance(token, str) and bool(posted) and hmac.compare_digest(token, posted or "")


def remember_verified(office_id: str, submission_id: str) -> None:
    session[VERIFIED_KEY] = {
        "office": office_id,
        "submission": submission_id,
        "until": int(time.time()) + settings().verified_minutes * 60,
    }
    csrf_token()


def verified_submission(office_id: str) -> str | None:
    """The request this browser proved it owns at this office, while the proof lasts."""
    verified = session.get(VERIFIED_KEY)
    if not isinstance(verified, dict) or verified.get("office") != office_id:
        return None
    if not isinstance(verified.get("until"), int) or verified["until"] < time.time():
        session.pop(VERIFIED_KEY, None)
        return None
    submission = verified.get("submission")
    return submission if isinstance(submission, str) else None


def forget_verified() -> None:
    session.pop(VERIFIED_KEY, None)


def remember_receipt(office_id: str, receipt: dict[str, Any]) -> None:
    """The confirmation, for reloads of its page (Post/Redirect/Get), as long as a verified
    request is remembered: on a shared computer the next person does not find it."""
    until = int(time.time()) + settings().verified_minutes * 60
    session[RECEIPT_KEY] = {"office": office_id, "until": until, **receipt}


def receipt_for(office_id: str) -> dict[str, Any] | None:
    receipt = session.get(RECEIPT_KEY)
    if not isinstance(receipt, dict) or receipt.get("office") != office_id:
        return None
    if not isinstance(receipt.get("until"), int) or receipt["until"] < time.time():
        session.pop(RECEIPT_KEY, None)
        return None
    return receipt


def limit_endpoint(app: Flask, endpoint: str, *limits: Any) -> None:
    """Wrap a registered view in Flask-Limiter limits (`limiter.limit(...)` decorators): the
    limiter is the app's own, made when the app is, after the blueprints' views exist."""
    view: Any = app.view_functions[endpoint]
    for limit in limits:
        view = limit(view)
    app.view_functions[endpoint] = view
