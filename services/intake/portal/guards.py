"""What keeps scripts and strangers out of the portal without a captcha: a honeypot field and
a signed render time on the request form (a person takes a few seconds to fill it in), a
token against cross-site posts on the pages of a verified request, and the verified request
itself, remembered for half an hour in the signed session cookie.

The form token and the confirmation's receipt are signed with a plain HMAC-SHA256 of the app's
secret rather than through the session: they are made or checked on every submission, and
the session's tagged JSON, zlib and base64 cost a form post about 0.5 ms of CPU more than the
JSON API's (the issue's "a submission through the form costs no more than one through the API").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request, session
from werkzeug.wrappers import Response

from services.intake.portal.forms import HONEYPOT
from services.intake.portal.settings import PortalSettings

FORM_TOKEN_SALT = "casework-intake-web/form-rendered"  # noqa: S105 - a salt, not a secret
RECEIPT_SALT = "casework-intake-web/receipt"
CSRF_KEY = "csrf"
VERIFIED_KEY = "verified"
# The confirmation page's receipt: a cookie of its own, so that a submission leaves the session
# (and its cookie) untouched.
RECEIPT_COOKIE = "casework_receipt"


def settings() -> PortalSettings:
    return current_app.extensions["intake_portal"]  # type: ignore[no-any-return]


class _Keyed:
    """HMAC-SHA256 under one key, its inner and outer hashes keyed once (RFC 2104): a copy of
    each per message. `hmac.digest` looks the algorithm up and keys it on every call, four
    times the work for a form token's few dozen bytes."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        block = hashlib.sha256().block_size
        padded = hashlib.sha256(key).digest() if len(key) > block else key
        padded = padded.ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in padded))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in padded))

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


def _keyed() -> _Keyed:
    key = str(current_app.secret_key or "").encode()
    keyed: _Keyed | None = current_app.extensions.get("intake_portal_hmac")
    if keyed is None or keyed.key != key:
        keyed = current_app.extensions["intake_portal_hmac"] = _Keyed(key)
    return keyed


def _signature(salt: str, *parts: str) -> str:
    """HMAC-SHA256 of the parts under the app's secret, 144 bits of it, URL-safe."""
    digest = _keyed().digest("\x1f".join((salt, *parts)).encode())[:18]
    return base64.urlsafe_b64encode(digest).decode()


def form_token(office_id: str) -> str:
    """`nonce.milliseconds.signature`: a fresh nonce and the time the form was made, signed
    with the office (which the token does not carry). The nonce also keys the submission's
    idempotency, so a double click stores one request."""
    nonce, made = secrets.token_urlsafe(16), str(int(time.time() * 1000))
    return f"{nonce}.{made}.{_signature(FORM_TOKEN_SALT, office_id, nonce, made)}"


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
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return FormCheck("bad_token")
    nonce, made, signature = parts
    expected = _signature(FORM_TOKEN_SALT, office_id, nonce, made)
    if not hmac.compare_digest(expected, signature):
        return FormCheck("bad_token")  # forged, or made for another office's form
    config = settings()
    age = time.time() - int(made) / 1000
    if age > config.form_token_max_age:
        return FormCheck("stale_token")
    if age < config.min_fill_seconds:
        return FormCheck("too_fast")
    return FormCheck(None, nonce)


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


def remember_receipt(response: Response, office_id: str, receipt: dict[str, Any]) -> None:
    """The confirmation, for reloads of its page (Post/Redirect/Get), as long as a verified
    request is remembered: on a shared computer the next person does not find it. Signed, in
    a cookie of the office's pages only."""
    minutes = settings().verified_minutes
    payload = json.dumps({**receipt, "until": int(time.time()) + minutes * 60}).encode()
    value = base64.urlsafe_b64encode(payload).decode()
    # Written out rather than through `set_cookie`, whose quoting checks and `Expires` date
    # (Max-Age says the same to every browser in use) cost a submission more than its HMAC:
    # the value is URL-safe base64 and a signature, the path an office slug.
    secure = "; Secure" if current_app.config["SESSION_COOKIE_SECURE"] else ""
    response.headers.add(
        "Set-Cookie",
        f"{RECEIPT_COOKIE}={value}.{_signature(RECEIPT_SALT, office_id, value)}; "
        f"Max-Age={minutes * 60}; Path=/o/{office_id}/; HttpOnly; SameSite=Lax{secure}",
    )


def receipt_for(office_id: str) -> dict[str, Any] | None:
    """The receipt this browser was given for its last submission to the office, while it
    lasts; None if there is none, or it was altered, or made for another office."""
    value, _, signature = request.cookies.get(RECEIPT_COOKIE, "").partition(".")
    if not value or not hmac.compare_digest(_signature(RECEIPT_SALT, office_id, value), signature):
        return None
    receipt = json.loads(base64.urlsafe_b64decode(value))
    if not isinstance(receipt, dict) or not isinstance(receipt.get("until"), int):
        return None
    return receipt if receipt["until"] >= time.time() else None


def limit_endpoint(app: Flask, endpoint: str, *limits: Any) -> None:
    """Wrap a registered view in Flask-Limiter limits (`limiter.limit(...)` decorators): the
    limiter is the app's own, made when the app is, after the blueprints' views exist."""
    view: Any = app.view_functions[endpoint]
    for limit in limits:
        view = limit(view)
    app.view_functions[endpoint] = view
