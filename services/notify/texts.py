"""Notify's text message port, the transport that gives workers the SMS provider (none while
`CASEWORK_NOTIFY_SMS_URL` is unset: texts are off), and the texts it writes.

A text is short: the office's name, what happened, the tracking code and the status page's
link, then the line that says how to stop texts ("Reply STOP to opt out"), which no template
can drop. Each message about a request has a template per language beside its email
(`templates/<language>/<message>.sms.txt`), which an office's own text of the message replaces
(`domain/wording.py`); the office's name is shortened and the STOP line added to either.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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
from services.notify.domain.wording import (
    OFFICE_NAME_LENGTH,
    SAID_IN_TEXTS,
    TEXT_LENGTH,
    WordingFailed,
    fill,
    with_stop_line,
)
from services.notify.messages import OfficeWording, render, status_page_url

log = logging.getLogger(__name__)


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
    wording: OfficeWording | None = None,
) -> OutgoingText:
    """The text of a message about the constituent's request (`kind`: the acknowledgement,
    a public note, a status update, the closing), in their language, to their phone: in the
    office's own text if its `wording` has one."""
    if not recipient.contact_phone:
        raise ValueError(f"a {kind} text needs the recipient's phone")
    language = recipient.language
    tracking_code = one_line(case.tracking_code)
    own = (wording or {}).get((language, kind))
    body = written_text(
        kind,
        language,
        office_name=one_line(office.name) if office is not None else "",
        context={
            **{name: str((content or {}).get(name, "")) for name in SAID_IN_TEXTS.get(kind, ())},
            "tracking_code": tracking_code,
            "status_url": status_page_url(portal, office_id, tracking_code),
        },
        own=own.text if own is not None else None,
    )
    return OutgoingText(to_number=recipient.contact_phone, body=body)


def stop_line(language: str) -> str:
    """The line after every text in `language` that says how to stop them."""
    return render(f"{language}/stop_footer.sms.txt").strip()


def written_text(
    kind: str, language: str, *, office_name: str, context: dict[str, Any], own: str | None
) -> str:
    """A text with the STOP line after it: in the office's own wording (`own`) if it fills in
    and fits, else the default template's (a text that fails is logged, never the
    constituent's loss); the office's name (`office_name`, or the installation's while it is
    unknown) shortened to fit."""
    name = office_name or one_line(render(f"{language}/sender_name.txt"))
    stop = stop_line(language)
    if own is not None:
        try:
            text = _fitted(
                lambda shortened: fill(own, {**context, "office_name": shortened}), name, stop
            )
        except WordingFailed as failed:
            log.error(
                "the office's text of %s (%s) failed (%s); the default was sent",
                kind,
                language,
                failed,
            )
        else:
            if len(text) <= TEXT_LENGTH:
                return text
            log.error(
                "the office's text of %s (%s) is %d characters; the default was sent",
                kind,
                language,
                len(text),
            )
    default = f"{language}/{kind}.sms.txt"
    return _fitted(lambda shortened: render(default, **context, office_name=shortened), name, stop)


def _fitted(write: Callable[[str], str], name: str, stop: str) -> str:
    text = with_stop_line(write(_shortened(name, OFFICE_NAME_LENGTH)), stop)
    if len(text) > TEXT_LENGTH:  # a long link: the office's name gives way, never the link
        shorter = max(10, OFFICE_NAME_LENGTH - (len(text) - TEXT_LENGTH))
        text = with_stop_line(write(_shortened(name, shorter)), stop)
    return text


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
