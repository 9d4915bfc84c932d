"""Compose the emails notify sends, from plain-text Jinja2 templates in English and Spanish."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.notify.domain.acknowledgements import (
    OfficeSender,
    OpenedCase,
    OutgoingEmail,
    Recipient,
    one_line,
    sender_name,
)
from services.notify.domain.delivery import message_id

TEMPLATES = Path(__file__).resolve().parent / "templates"


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


def compose_acknowledgement(
    *,
    delivery_id: str,
    recipient: Recipient,
    case: OpenedCase,
    office: OfficeSender | None,
    sender_address: str,
) -> OutgoingEmail:
    """The acknowledgement a constituent gets once their case is opened."""
    if recipient.contact_email is None:
        raise ValueError("an acknowledgement needs the recipient's email address")
    language = recipient.language
    context = {
        "name": one_line(recipient.name),
        "office_name": one_line(office.name) if office else None,
        "tracking_code": one_line(case.tracking_code),
        "reference": one_line(case.reference),
    }
    return OutgoingEmail(
        sender_name=one_line(sender_name(office, language)),
        sender_address=sender_address,
        to_name=one_line(recipient.name),
        to_address=recipient.contact_email,
        reply_to=office.reply_to_email if office else None,
        subject=one_line(render(f"acknowledgement/subject.{language}.txt", **context)),
        body=render(f"acknowledgement/body.{language}.txt", **context),
        message_id=message_id(delivery_id, sender_address),
    )
