"""Notify's service layer for offices' own wording of their messages (subject, body and, for
those sent by text, the text): what an office admin sees and changes in the staff app (through
the RPCs), and the wording a message is written in, read once per office and version and kept
in memory."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.errors import Forbidden, NotFound, ValidationFailed
from services.notify.domain.acknowledgements import LANGUAGES, OfficeSender
from services.notify.domain.wording import (
    FIELDS,
    MESSAGE_LABELS,
    SAID_IN_TEXTS,
    SAMPLE,
    TEXT_FIELDS,
    Wording,
    WordingFailed,
    check,
    check_text,
    fill,
)
from services.notify.messages import (
    ABOUT_REQUESTS,
    TEMPLATES,
    OfficeWording,
    portal_base_url,
    status_page_url,
    survey_page_url,
    unsubscribe_page_url,
    with_unsubscribe_footer,
)
from services.notify.ports import NotifyWork
from services.notify.texts import stop_line, written_text

# The preview's links (the survey, the unsubscribe link): shaped like real ones, answering
# nothing.
SAMPLE_LINK_TOKEN = "sample-link-in-a-preview"  # noqa: S105 - answers nothing

OFFICE_ADMIN = "office_admin"
# Offices' wordings kept in memory, by (office, version): each change makes a new version.
CACHED_OFFICES = 1000
_CACHE: OrderedDict[tuple[str, str], OfficeWording] = OrderedDict()
INCLUDE = re.compile(r'\{%-?\s*include\s+"([a-z]{2})/footer\.txt"\s*-?%\}')


def office_wording(uow: NotifyWork, sender: OfficeSender | None) -> OfficeWording:
    """The office's own wordings (none until its admin writes one), by (language, message)."""
    if sender is None or sender.wording_version is None:
        return {}
    key = (uow.office_id, sender.wording_version)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    wording = {(w.language, w.message): w for w in uow.wording.all()}
    _CACHE[key] = wording
    if len(_CACHE) > CACHED_OFFICES:
        _CACHE.popitem(last=False)
    return wording


@dataclass(frozen=True)
class MessageWording:
    """One message in one language as the office's admin sees it: the default, the office's
    own (if any), and the fields it may use."""

    message: str
    label: str
    language: str
    fields: list[tuple[str, str]]
    default_subject: str
    default_body: str
    own: Wording | None
    # The fields its text may use, and the default text (None: never sent by text).
    text_fields: list[str]
    default_text: str | None


@dataclass(frozen=True)
class Preview:
    """A wording filled in for a sample constituent: the email, and the text as the phone
    shows it (None for a message never sent by text) with its length."""

    subject: str
    body: str
    text: str | None
    text_length: int | None


def default_wording(message: str, language: str) -> tuple[str, str]:
    """The default subject and body of a message, as a template an admin can start from (the
    shared sign-off written out, since an office's wording includes nothing)."""
    folder = TEMPLATES / language
    subject = (folder / f"{message}.subject.txt").read_text(encoding="utf-8").strip()
    body = (folder / f"{message}.body.txt").read_text(encoding="utf-8")

    def footer(found: re.Match[str]) -> str:
        return (TEMPLATES / found.group(1) / "footer.txt").read_text(encoding="utf-8").strip()

    return subject, INCLUDE.sub(footer, body).rstrip() + "\n"


def default_text(message: str, language: str) -> str | None:
    """The default text of a message (None: it is never sent by text)."""
    template = TEMPLATES / language / f"{message}.sms.txt"
    if message not in TEXT_FIELDS or not template.exists():
        return None
    return template.read_text(encoding="utf-8").strip() + "\n"


def list_wording(uow: NotifyWork) -> list[MessageWording]:
    own = {(w.message, w.language): w for w in uow.wording.all()}
    return [_view(message, language, own.get((message, language))) for message, language in _all()]


def save_wording(
    uow: NotifyWork,
    actor: Actor,
    message: str,
    language: str,
    subject: str,
    body: str,
    text: str | None = None,
) -> MessageWording:
    """Keep the office's wording of a message; without a `text` (or an empty one) its text
    stays the default."""
    _require_admin(actor)
    _require_known(message, language)
    text = _checked(uow, message, language, subject, body, text)
    wording = Wording(
        message, language, subject.strip(), body, utcnow(), actor.audit_name, text=text
    )
    if not uow.wording.save(wording):
        raise NotFound("notify has not heard of this office yet")
    uow.audit("message_wording.saved", "message_wording", f"{message}:{language}")
    return _view(message, language, wording)


def reset_wording(uow: NotifyWork, actor: Actor, message: str, language: str) -> MessageWording:
    _require_admin(actor)
    _require_known(message, language)
    if uow.wording.forget(message, language):
        uow.audit("message_wording.reset", "message_wording", f"{message}:{language}")
    return _view(message, language, None)


def preview(
    uow: NotifyWork,
    message: str,
    language: str,
    subject: str,
    body: str,
    text: str | None = None,
) -> Preview:
    """The wording filled in for a sample constituent of this office (the default text when
    there is no `text`); ValidationFailed with the problems (per part, each with its line) if
    it would not be saved."""
    _require_known(message, language)
    text = _checked(uow, message, language, subject, body, text)
    sender = uow.offices.sender()
    office_name = sender.name if sender is not None else str(SAMPLE["office_name"])
    portal = portal_base_url()
    context = {
        **SAMPLE,
        "office_name": office_name,
        "sender_name": office_name,
        "status_url": status_page_url(portal, uow.office_id, str(SAMPLE["tracking_code"])),
        "survey_url": survey_page_url(portal, uow.office_id, SAMPLE_LINK_TOKEN),
    }
    try:
        filled_subject, filled_body = fill(subject, context).strip(), fill(body, context)
    except WordingFailed as failed:  # checked above against the same fields: not expected
        raise ValidationFailed("fix these and try again", {"body": [str(failed)]}) from None
    if message in ABOUT_REQUESTS:
        # Notify adds the unsubscribe line to every message about the constituent's requests.
        link = unsubscribe_page_url(portal, uow.office_id, SAMPLE_LINK_TOKEN)
        filled_body = with_unsubscribe_footer(filled_body, language, context, link)
    else:
        filled_body = filled_body.rstrip() + "\n"
    phone = _text_preview(message, language, office_name, context, text)
    return Preview(
        subject=filled_subject,
        body=filled_body,
        text=phone,
        text_length=len(phone) if phone is not None else None,
    )


def _text_preview(
    message: str, language: str, office_name: str, context: dict[str, object], own: str | None
) -> str | None:
    """The text a constituent who chose texts would get, STOP line and all, as notify writes
    it (the office's name shortened to fit)."""
    if default_text(message, language) is None:
        return None
    said = {name: context[name] for name in SAID_IN_TEXTS.get(message, ())}
    return written_text(
        message,
        language,
        office_name=office_name,
        context={
            **said,
            "tracking_code": context["tracking_code"],
            "status_url": context["status_url"],
        },
        own=own,
    )


def _checked(
    uow: NotifyWork, message: str, language: str, subject: str, body: str, text: str | None
) -> str | None:
    """The office's own text to keep (None: the default), once the whole wording passes its
    checks; ValidationFailed with every problem, per part, if it does not."""
    # A browser posts a textarea's lines with CRLF: a phone counts each character.
    own_text = (text or "").replace("\r\n", "\n").strip() or None
    problems = check(message, subject, body)
    if own_text is not None:
        link = status_page_url(portal_base_url(), uow.office_id, str(SAMPLE["tracking_code"]))
        problems |= check_text(message, own_text, stop_line=stop_line(language), status_url=link)
    if problems:
        raise ValidationFailed("fix these and try again", problems)
    return own_text


def _all() -> list[tuple[str, str]]:
    return [(message, language) for message in FIELDS for language in LANGUAGES]


def _view(message: str, language: str, own: Wording | None) -> MessageWording:
    subject, body = default_wording(message, language)
    return MessageWording(
        message=message,
        label=MESSAGE_LABELS[message],
        language=language,
        fields=list(FIELDS[message].items()),
        default_subject=subject,
        default_body=body,
        own=own,
        text_fields=list(TEXT_FIELDS.get(message, {})),
        default_text=default_text(message, language),
    )


def _require_admin(actor: Actor) -> None:
    if actor.is_system or actor.role != OFFICE_ADMIN:
        raise Forbidden("only the office admin changes the wording of the office's messages")


def _require_known(message: str, language: str) -> None:
    problems: dict[str, list[str]] = {}
    if message not in FIELDS:
        problems["message"] = [f"one of {', '.join(FIELDS)}"]
    if language not in LANGUAGES:
        problems["language"] = [f"one of {', '.join(LANGUAGES)}"]
    if problems:
        raise ValidationFailed("no such message", problems)
