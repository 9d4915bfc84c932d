"""What the constituent is told while their case is worked, and when.

Four things a caseworker does reach the constituent by email, each once: a public note
(`case_update`, its text), a request for documents (`documents_request`: what to send, and the
caseworker's note), the case moving to a state they should know of (`status_update`: the office
has contacted the agency, or needs something from them; not when a request for documents moved
it, which says so itself) and the case being closed (`closure`, with its outcome in plain
words). Internal notes, reasons and other states never
do. Each is queued when its event arrives, to go at once or after the office's quiet hours (see
`quiet_hours.py`); the sweep sends it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.contracts import (
    SURVEY_OFFERED,
    CaseClosed,
    CaseStatusChanged,
    PublicNoteAdded,
    SurveyOffered,
)
from services.notify.domain.acknowledgements import (
    OpenedCase,
    Recipient,
    Route,
    not_emailed_because,
    one_line,
)
from services.notify.domain.delivery import (
    CASE_UPDATE,
    CLOSURE,
    DOCUMENTS_REQUEST,
    EMAIL,
    STATUS_UPDATE,
    Cause,
    Delivery,
)
from services.notify.domain.links import link_digest

# The states a constituent is told of when their case moves into one; the rest are the
# office's own bookkeeping (closing has its own message).
TOLD_STATUSES = frozenset({"waiting_on_agency", "waiting_on_constituent"})
# The closure message's survey secret, in its content; its links are built from it at send.
SURVEY_TOKEN = "survey_token"  # noqa: S105 - a key of the content, not a secret
# A request for documents' list, in its content: one document a line.
DOCUMENTS = "documents"


@dataclass(frozen=True)
class CaseMessage:
    """One message about a case: its kind, the occasion it is sent once for, and what it says
    beyond the case's facts."""

    case_id: str
    kind: str
    occasion_id: str
    content: dict[str, str] = field(repr=False)

    @classmethod
    def public_note(cls, note: PublicNoteAdded) -> CaseMessage:
        """A caseworker's update: a request for documents when it names any."""
        if note.requested_documents:
            content = {"note": note.text, DOCUMENTS: "\n".join(note.requested_documents)}
            return cls(note.case_id, DOCUMENTS_REQUEST, note.note_id, content)
        return cls(note.case_id, CASE_UPDATE, note.note_id, {"note": note.text})

    @classmethod
    def status_change(cls, event_id: str, change: CaseStatusChanged) -> CaseMessage | None:
        """The constituent's message about a change of state, if it is one they are told of
        (and what moved it does not tell them itself)."""
        if change.to_status not in TOLD_STATUSES or change.to_status == change.from_status:
            return None
        if not change.tell_constituent:
            return None
        return cls(change.case_id, STATUS_UPDATE, event_id, {"status": change.to_status})

    @classmethod
    def closure(cls, event_id: str, closed: CaseClosed, survey_token: str) -> CaseMessage:
        """Sent once per closing: a case reopened and closed again is told again. It carries
        a one-click satisfaction survey: `survey_token` is the secret in its links, which only
        the constituent's email and notify's own record of the message ever hold."""
        content = {"result": closed.result, SURVEY_TOKEN: survey_token}
        return cls(closed.case_id, CLOSURE, event_id, content)

    def cause(self, case: OpenedCase, channel: str = EMAIL) -> Cause:
        return Cause(case.submission_id, case.case_id, self.kind, channel, self.occasion_id)

    def queue(
        self,
        case: OpenedCase,
        recipient: Recipient,
        *,
        now: datetime,
        send_after: datetime,
        opted_out: bool = False,
        way: Route | None = None,
    ) -> Delivery:
        """The message's delivery: queued to go from `send_after`, or skipped for a
        constituent who gave no email address or asked for none (`opted_out`); the case's
        message log says why. `way`, when given, is the route it takes instead (by text
        message, or by email; skipped for its reason)."""
        if way is None:
            way = Route(EMAIL, not_emailed_because(recipient, opted_out=opted_out))
        cause = self.cause(case, way.channel)
        if way.skip_reason is not None:
            return Delivery.skipped(cause, now=now, reason=way.skip_reason)
        delivery = Delivery.queued(
            cause, now=now, send_after=send_after, content=json.dumps(self.content)
        )
        token = self.content.get(SURVEY_TOKEN)
        if token and way.channel == EMAIL:  # a text has no room for the survey's links
            # Intake learns the link's digest before the message can go, so the portal knows
            # the link by the time the constituent clicks it.
            delivery.record(
                SURVEY_OFFERED,
                SurveyOffered(
                    survey_id=delivery.delivery_id,
                    case_id=self.case_id,
                    token_sha256=link_digest(token),
                    offered_at=now,
                ),
            )
        return delivery


def content_of(delivery: Delivery) -> dict[str, Any]:
    """What a queued message says beyond the case's facts."""
    loaded = json.loads(delivery.content or "{}")
    return loaded if isinstance(loaded, dict) else {}


def documents_list(documents: str) -> str:
    """The documents a request names, one a line as its content keeps them, as the message
    lists them: `- Denial letter` a line (each kept to one line)."""
    return "\n".join(f"- {one_line(name)}" for name in documents.splitlines() if name.strip())
