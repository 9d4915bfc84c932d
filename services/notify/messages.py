"""Compose the emails notify sends, from the plain-text Jinja2 templates of each language
(`templates/<language>/`, see its README); every word a constituent reads is there."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.chassis.config import env_str
from services.notify.domain.acknowledgements import (
    OfficeSender,
    OpenedCase,
    OutgoingEmail,
    Recipient,
    one_line,
)
from services.notify.domain.case_messages import DOCUMENTS, SURVEY_TOKEN, documents_list
from services.notify.domain.delivery import (
    ACKNOWLEDGEMENT,
    CLOSURE,
    DOCUMENTS_REQUEST,
    SWEPT_KINDS,
    message_id,
)
from services.notify.domain.status_codes import StatusCodeRequest
from services.notify.domain.wording import Wording, WordingFailed, fill

log = logging.getLogger(__name__)
# An office's own wordings, by (language, message).
OfficeWording = Mapping[tuple[str, str], Wording]

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The messages about a constituent's requests: each carries their unsubscribe link. A status
# code (which they asked for on the portal a moment ago) always goes, and carries none.
ABOUT_REQUESTS = frozenset({ACKNOWLEDGEMENT, *SWEPT_KINDS})
# Intake serves the constituents' portal; its port on a laptop.
DEFAULT_PORTAL_BASE_URL = "http://127.0.0.1:8001"


def portal_base_url() -> str:
    """Where constituents reach the portal (`CASEWORK_PORTAL_BASE_URL`), read at call time."""
    return env_str("CASEWORK_PORTAL_BASE_URL", DEFAULT_PORTAL_BASE_URL).rstrip("/")


def status_page_url(portal: str, office_id: str, tracking_code: str) -> str:
    """The portal's status page of one request, its tracking code filled in."""
    office = quote(office_id, safe="")
    return f"{portal}/o/{office}/status?{urlencode({'tracking': tracking_code})}"


def survey_page_url(portal: str, office_id: str, token: str) -> str:
    """The portal's satisfaction survey of one closed case; `?rating=N` (1 to 5) after it
    answers in one click."""
    return f"{portal}/o/{quote(office_id, safe='')}/rate/{quote(token, safe='')}"


def unsubscribe_page_url(portal: str, office_id: str, token: str) -> str:
    """The portal's page that stops (or restarts) one constituent's email from the office;
    a POST to it stops it in one click (RFC 8058)."""
    return f"{portal}/o/{quote(office_id, safe='')}/unsubscribe/{quote(token, safe='')}"


def with_unsubscribe_footer(
    body: str, language: str, context: Mapping[str, object], unsubscribe_url: str
) -> str:
    """The body with the unsubscribe line after it, from the language's default template
    (`unsubscribe_footer.txt`): an office's own wording can neither change nor drop it."""
    footer = render(
        f"{language}/unsubscribe_footer.txt", **{**context, "unsubscribe_url": unsubscribe_url}
    )
    return f"{body.rstrip()}\n\n{footer.strip()}\n"


@cache
def _environment() -> Environment:
    # Plain text, not HTML: escaping would only garble names such as "O'Brien & Sons".
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,  # noqa: S701
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, **context: object) -> str:
    return _environment().get_template(template).render(**context)


def _sender(office: OfficeSender | None, language: str) -> dict[str, str | None]:
    """The office's name for the templates (None until its registration arrives), and the
    name mail goes out under meanwhile."""
    if office is not None:
        return {"office_name": one_line(office.name), "sender_name": one_line(office.name)}
    return {"office_name": None, "sender_name": one_line(render(f"{language}/sender_name.txt"))}


def _email(
    message: str,
    language: str,
    *,
    context: dict[str, object],
    to_name: str,
    to_address: str,
    office: OfficeSender | None,
    delivery_id: str,
    sender_address: str,
    wording: OfficeWording | None = None,
    unsubscribe_url: str | None = None,
) -> OutgoingEmail:
    sender = _sender(office, language)
    context = {**context, **sender}
    subject, body = _written(message, language, context, (wording or {}).get((language, message)))
    # One line end, however the template ends (editors add or drop a last newline).
    body = body.rstrip() + "\n"
    if unsubscribe_url is not None:
        body = with_unsubscribe_footer(body, language, context, unsubscribe_url)
    return OutgoingEmail(
        sender_name=str(sender["sender_name"]),
        sender_address=sender_address,
        to_name=to_name,
        to_address=to_address,
        reply_to=office.reply_to_email if office else None,
        subject=one_line(subject),
        body=body,
        message_id=message_id(delivery_id, sender_address),
        unsubscribe_url=unsubscribe_url,
    )


def _written(
    message: str, language: str, context: dict[str, object], own: Wording | None
) -> tuple[str, str]:
    """The subject and body in the office's own wording if it has one that fills in, else in
    the default templates' (a wording that fails is logged, never the constituent's loss)."""
    if own is not None:
        try:
            return fill(own.subject, context), fill(own.body, context)
        except WordingFailed as failed:
            log.error(
                "the office's wording of %s (%s) failed (%s); the default was sent",
                message,
                language,
                failed,
            )
    return (
        render(f"{language}/{message}.subject.txt", **context),
        render(f"{language}/{message}.body.txt", **context),
    )


def compose_status_code(
    *,
    delivery_id: str,
    request: StatusCodeRequest,
    recipient: Recipient | None,
    office: OfficeSender | None,
    sender_address: str,
    now: datetime,
    wording: OfficeWording | None = None,
) -> OutgoingEmail:
    """The one-time code a constituent asked for, greeting them by name if notify knows it."""
    name = one_line(recipient.name) if recipient is not None else ""
    return _email(
        "status_code",
        request.language,
        context={
            "name": name,
            "tracking_code": one_line(request.tracking_code),
            "code": request.code,
            "minutes": request.minutes_left(now),
        },
        to_name=name,
        to_address=request.contact_email,
        office=office,
        delivery_id=delivery_id,
        sender_address=sender_address,
        wording=wording,
    )


def compose_case_message(
    *,
    delivery_id: str,
    kind: str,
    content: dict[str, Any],
    recipient: Recipient,
    case: OpenedCase,
    office_id: str,
    office: OfficeSender | None,
    sender_address: str,
    portal: str,
    unsubscribe_url: str,
    wording: OfficeWording | None = None,
) -> OutgoingEmail:
    """A message about the constituent's case (`case_update`, `documents_request`,
    `status_update`, `closure`):
    what it says beyond the case's facts is its `content` (a note's text, the new state, the
    outcome), the rest is the case's codes and its status page; below it, the link that stops
    their email (`unsubscribe_url`)."""
    if recipient.contact_email is None:
        raise ValueError(f"a message about a case ({kind}) needs the recipient's email address")
    tracking_code = one_line(case.tracking_code)
    said = {key: str(value) for key, value in content.items() if key != SURVEY_TOKEN}
    if kind == DOCUMENTS_REQUEST:
        said[DOCUMENTS] = documents_list(str(content.get(DOCUMENTS, "")))
    if kind == CLOSURE:
        # A closure queued before surveys existed has no token: its message asks nothing.
        token = content.get(SURVEY_TOKEN)
        said["survey_url"] = survey_page_url(portal, office_id, token) if token else ""
    return _email(
        kind,
        recipient.language,
        context={
            **said,
            "name": one_line(recipient.name),
            "tracking_code": tracking_code,
            "reference": one_line(case.reference),
            "status_url": status_page_url(portal, office_id, tracking_code),
        },
        to_name=one_line(recipient.name),
        to_address=recipient.contact_email,
        office=office,
        delivery_id=delivery_id,
        sender_address=sender_address,
        wording=wording,
        unsubscribe_url=unsubscribe_url,
    )


# The acknowledgement a constituent gets once their case is opened: their codes, what happens
# next, and the link to their request's status page; a message about the case saying nothing
# beyond its facts.
compose_acknowledgement = functools.partial(
    compose_case_message, kind="acknowledgement", content={}
)
