"""The bell in the staff app's header: the signed-in person's unread notifications (reminders
due on their cases, escalations for supervisors), kept by `notify` and asked for over RPC as
that person (notify answers only about the caller's own bell).

The count is asked for when a page's request starts and read when the page is rendered, so it
travels beside the page's own calls; a notify that is down or slow costs the page at most
`COUNT_WAIT_SECONDS` and shows the bell without a number, never an error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from services.chassis.remote import RemoteService, ask_early
from services.contracts.rpc import notify as notify_rpc

BELL = notify_rpc.BellSchema()
UNREAD = notify_rpc.UnreadSchema()
COUNT_WAIT_SECONDS = 0.3
PAGE_SIZE = 50
KIND_LABELS = {
    "first_contact": "First contact due",
    "agency_follow_up": "Follow up with the agency",
    "constituent_check_in": "Check in with the constituent",
    "unassigned": "Nobody has taken this case",
    "inquiry_overdue": "Agency reply overdue",
    "no_activity": "Nothing has happened on this case",
    "documents_received": "The constituent sent documents",
}


class Bell:
    """The unread count of one page's visitor, read once when the page asks for it."""

    def __init__(self, answer: Callable[[], Any]) -> None:
        self._answer = answer

    @functools.cached_property
    def unread(self) -> int | None:
        """How many are unread; None when notify did not answer in time."""
        reply = self._answer()
        return None if reply is None else int(reply["unread"])


def ask(notify: RemoteService, office_id: str) -> Bell:
    """Ask for the signed-in person's unread count now; read it later through the `Bell`."""
    return Bell(
        ask_early(notify, "bell", BELL, within=COUNT_WAIT_SECONDS, office_id=office_id, limit=0)
    )


def notifications(notify: RemoteService, office_id: str, unread_only: bool) -> dict[str, object]:
    """The person's latest notifications, newest first, with their unread count."""
    reply: dict[str, object] = notify.call(
        "bell", BELL, office_id=office_id, unread_only=unread_only, limit=PAGE_SIZE
    )
    return reply


def mark_read(notify: RemoteService, office_id: str, notification_ids: list[str] | None) -> int:
    """Mark these (or all) of the person's notifications read; how many are still unread."""
    reply = notify.call(
        "mark_notifications_read", UNREAD, office_id=office_id, notification_ids=notification_ids
    )
    return int(reply["unread"])
