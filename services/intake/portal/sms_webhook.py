"""The SMS provider's inbound webhook: `POST /webhooks/sms`, called for every text someone
sends to the platform's number, in Twilio's shape (form-encoded `MessageSid`, `AccountSid`,
`From`, `To`, `Body`, among others) and signed as Twilio signs (`X-Twilio-Signature`, see
`chassis/twilio_signature.py`).

It lives in intake-web, the public process that takes work with RabbitMQ down: an opt-out or
opt-in is committed to intake's database with its event (`intake.text_opt_out_changed`) and
reaches notify, which owns delivery preferences, through the outbox, as an email's unsubscribe
link does (`status_pages.unsubscribe`). Answers:

    200 <Response/> (text/xml)   taken, or nothing to take (help, any other text, a replay):
                                 no reply text of ours, the provider answers the keywords itself
    400 JSON naming the field    a signed request whose form is malformed
    403 JSON                     no signature, or not the provider's
    404 JSON                     no webhook here (no SMS auth token configured)
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from werkzeug.wrappers import Response

from services.chassis.errors import ValidationFailed
from services.chassis.http import json_response
from services.chassis.twilio_signature import SIGNATURE_HEADER, signature_matches
from services.intake.domain.text_replies import InboundText
from services.intake.portal.metrics import text_reply, webhook_signature_failure
from services.intake.portal.settings import PortalSettings
from services.intake.text_replies import take_text_reply

blueprint = Blueprint("sms", __name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
FORM = "application/x-www-form-urlencoded"


@blueprint.post("/webhooks/sms")
def inbound_text() -> Response:
    settings: PortalSettings = current_app.extensions["intake_portal"]
    if not settings.sms_webhook_token:
        return _error(404, "not_found", "this installation takes no text replies")
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        webhook_signature_failure("missing")
        return _error(403, "forbidden", f"the request has no {SIGNATURE_HEADER} header")
    if request.mimetype != FORM:
        return _error(
            400,
            "validation_failed",
            f"the reply must be posted as {FORM}",
            {"Content-Type": [f"not {FORM}"]},
        )
    params = list(request.form.items(multi=True))
    url = settings.sms_webhook_url or request.url
    if not signature_matches(url, params, settings.sms_webhook_token, signature):
        webhook_signature_failure("wrong")
        return _error(403, "forbidden", "the request's signature is not the SMS provider's")
    try:
        text = InboundText.from_form(request.form)
    except ValidationFailed as exc:
        return _error(400, exc.code, exc.message, exc.fields)
    if settings.sms_webhook_account and text.account_sid != settings.sms_webhook_account:
        webhook_signature_failure("account")
        return _error(403, "forbidden", "the reply is for another provider account")
    taken = take_text_reply(current_app.extensions["intake_db"], text)
    text_reply(text.kind.value if taken or not text.changes_opt_out else "replayed")
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")


def _error(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return json_response(status, {"error": body})
