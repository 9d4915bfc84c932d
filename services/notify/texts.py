"""Notify's text message port, the transport that gives workers the SMS provider (none while
`CASEWORK_NOTIFY_SMS_URL` is unset: texts are off), and the texts it writes.

A text is short: the office's name, what happened, the tracking code and the status page's
link, then the line that says how to stop texts ("Reply STOP to opt out"), which no template
can drop. Each message about a request has a template per language beside its email
(`templates/<language>/<message>.sms.txt`); an office's own wording is for its emails only.
"""

from __future__ import annotations

from typing import Any, Protocol

from nameko.extensions import DependencyProvider

from services.chassis.config import env_str
from services.notify.adapters.sms import TwilioTexter, load_sms_settings
from services.notify.domain.acknowledgements import (
    OfficeSender,
    OpenedCase,
    OutgoingText,
    Recipient,
    one_line,
)
from services.notify.domain.delivery import CLOSURE, STATUS_UPDATE
from services.notify.messages import render, status_page_url

# What a text may be at most: two SMS segments of plain text. Templates are written well under
# it; an office's name is shortened to fit.
TEXT_LENGTH = 320
OFFICE_NAME_LENGTH = 40
# What a swept message's text says beyond the case's codes (never a note's text: the page has
# it, and a phone's lock screen shows a text to whoever holds it).
SAID_IN_TEXTS = {STATUS_UPDATE: ("status",), CLOSURE: ("result",)}


def texts_configured() -> bool:
    """Whether this installation sends text messages (`CASEWORK_NOTIFY_SMS_URL` is set), read
    at call time as the transport reads it at start."""
    return bool(env_str("CASEWORK_NOTIFY_SMS_URL", "").strip())


class Texter(Protocol):
    """What notify needs from an SMS provider."""

    @property
    def longest_send_seconds(self) -> float:
        """After this long an unfinished send cannot still be in progress."""
        ...

    def send(self, text: OutgoingText) -> str:
        """Hand one text over (the provider's id for it); raise SendRefused (TextsStopped for
        a recipient who replied STOP) or SendOutcomeUnknown on failure."""
        ...


def compose_text(
    kind: str,
    *,
    recipient: Recipient,
    case: OpenedCase,
    office_id: str,
    office: OfficeSender | None,
    portal: str,
    content: dict[str, Any] | None = None,
) -> OutgoingText:
    """The text of a message about the constituent's request (`kind`: the acknowledgement,
    a public note, a status update, the closing), in their language, to their phone."""
    if not recipient.contact_phone:
        raise ValueError(f"a {kind} text needs the recipient's phone")
    language = recipient.language
    tracking_code = one_line(case.tracking_code)
    said = {name: str((content or {}).get(name, "")) for name in SAID_IN_TEXTS.get(kind, ())}
    name = one_line(office.name) if office is not None else ""
    if not name:
        name = one_line(render(f"{language}/sender_name.txt"))
    stop = render(f"{language}/stop_footer.sms.txt").strip()

    def written(office_name: str) -> str:
        body = render(
            f"{language}/{kind}.sms.txt",
            **said,
            office_name=office_name,
            tracking_code=tracking_code,
            status_url=status_page_url(portal, office_id, tracking_code),
        )
        return f"{body.strip()}\n{stop}"

    body = written(_shortened(name, OFFICE_NAME_LENGTH))
    if len(body) > TEXT_LENGTH:  # a long link: the office's name gives way, never the link
        body = written(_shortened(name, max(10, OFFICE_NAME_LENGTH - (len(body) - TEXT_LENGTH))))
    return OutgoingText(to_number=recipient.contact_phone, body=body)


def _shortened(name: str, length: int) -> str:
    if len(name) <= length:
        return name
    return name[: length - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"


class TextTransport(DependencyProvider):
    """Gives workers the SMS provider configured in the environment at container start, or
    None when texts are off."""

    def setup(self) -> None:
        settings = load_sms_settings()
        self.texter = TwilioTexter(settings) if settings is not None else None

    def stop(self) -> None:
        if self.texter is not None:
            self.texter.close()

    def get_dependency(self, worker_ctx: Any) -> Texter | None:
        return self.texter
