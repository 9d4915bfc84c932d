"""A constituent's reply to the platform's text messages, as the SMS provider forwards it: what
it says (a keyword, or anything else), and the opt-out or opt-in it is.

Keywords are Twilio's defaults for long codes (the carriers' set plus REVOKE and OPTOUT, which
Twilio added for the FCC's 2025 consent rules), matched on the whole message, trimmed, in any
case: the provider has already stopped (or restarted) texts to the number when it sees one,
so recognising exactly its words keeps notify in step with it. Twilio has no default Spanish
keywords (an account may add some through Advanced Opt-Out), so none are invented here: a
"PARAR" counts as any other text, and the provider would not stop texts on it either.

Only an opt-out or opt-in is kept, and announced (`intake.text_opt_out_changed`): the phone it
came from, whether it stops texts, when. The message itself, and any other reply, is kept
nowhere (a counter counts them by kind).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.chassis.domain import Aggregate
from services.chassis.errors import ValidationFailed
from services.contracts import TEXT_OPT_OUT_CHANGED, TextOptOutChanged


class ReplyKind(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    OTHER = "other"


OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})

# The provider's ids: a message's (SM..., MM... with media) and its account's (AC...).
MESSAGE_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}\Z")
ACCOUNT_SID = re.compile(r"^AC[0-9a-zA-Z]{1,62}\Z")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}\Z")
# A text is at most 1,600 characters on Twilio; anything longer is not a text.
BODY_LENGTH = 1600
REQUIRED = ("MessageSid", "AccountSid", "From", "To", "Body")


def reply_kind(body: str) -> ReplyKind:
    """What a reply says: a keyword (the whole message, trimmed, in any case) or other text."""
    word = body.strip().upper()
    if word in OPT_OUT_KEYWORDS:
        return ReplyKind.STOP
    if word in OPT_IN_KEYWORDS:
        return ReplyKind.START
    if word in HELP_KEYWORDS:
        return ReplyKind.HELP
    return ReplyKind.OTHER


@dataclass(frozen=True)
class InboundText:
    """A reply as the provider's webhook posts it, checked: its id, the account it came to,
    who sent it and to which of our numbers, and what it says (`kind`; the words go no further
    than this object)."""

    message_sid: str
    account_sid: str
    from_number: str = field(repr=False)
    to_number: str = field(repr=False)
    kind: ReplyKind

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> InboundText:
        """The webhook's fields, or ValidationFailed naming each one missing or malformed."""
        problems: dict[str, list[str]] = {}
        for name in REQUIRED:
            if name not in form:
                problems.setdefault(name, []).append("missing")
        checks = (
            ("MessageSid", MESSAGE_SID, "not a message id"),
            ("AccountSid", ACCOUNT_SID, "not an account id"),
            ("From", E164, "not a phone number in E.164 form"),
            ("To", E164, "not a phone number in E.164 form"),
        )
        for name, pattern, problem in checks:
            if name in form and not pattern.match(form[name]):
                problems.setdefault(name, []).append(problem)
        body = form.get("Body", "")
        if len(body) > BODY_LENGTH:
            problems.setdefault("Body", []).append(f"longer than {BODY_LENGTH} characters")
        if problems:
            raise ValidationFailed(
                f"the reply is malformed ({', '.join(sorted(problems))})", fields=problems
            )
        return cls(
            message_sid=form["MessageSid"],
            account_sid=form["AccountSid"],
            from_number=form["From"],
            to_number=form["To"],
            kind=reply_kind(body),
        )

    @property
    def changes_opt_out(self) -> bool:
        return self.kind in (ReplyKind.STOP, ReplyKind.START)


@dataclass
class TextReply(Aggregate):
    """An opt-out or opt-in taken from the provider once (its `message_sid` is the key: the
    provider sending it again changes nothing), announced to notify."""

    message_sid: str
    kind: ReplyKind
    received_at: datetime

    @classmethod
    def take(cls, text: InboundText, *, at: datetime) -> TextReply:
        if not text.changes_opt_out:
            raise ValueError(f"a {text.kind} reply changes nothing to keep")
        reply = cls(text.message_sid, text.kind, at)
        reply.record(
            TEXT_OPT_OUT_CHANGED,
            TextOptOutChanged(
                phone_number=text.from_number,
                opted_out=text.kind == ReplyKind.STOP,
                replied_at=at,
            ),
        )
        return reply
