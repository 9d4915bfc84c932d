"""The daily digest: once a day, on the office's working days, from a set hour in its time
zone, each active staff member with an email address and unread notifications behind their
bell gets one email listing them (the reminders and escalations the bell already shows, so a
caseworker who was out of the app still hears of what is due). Nobody is mailed a digest with
nothing in it; a day is marked as done for a person before their digest goes, so it is sent at
most once a day (a digest lost to a mail failure is not sent again: the bell still holds
every notification).

Pure: the clock, the office's calendar and the notifications come in as arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.notify.domain.acknowledgements import OutgoingEmail
from services.notify.domain.notifications import StaffNotification
from services.notify.domain.reminders import OfficeClock

# Notifications one digest lists; the rest are counted and left to the bell.
LISTED = 30
DIGEST_HOUR = 7


@dataclass(frozen=True)
class DigestSchedule:
    """From `hour` o'clock in the office's zone, on its business days (or every day)."""

    hour: int = DIGEST_HOUR
    every_day: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.hour <= 23:
            raise ValueError("the digest hour is from 0 to 23")

    def day_due(self, now: datetime, clock: OfficeClock) -> date | None:
        """The office's local day whose digest may go at `now`; None before the hour or on a
        day off."""
        local = now.astimezone(ZoneInfo(clock.zone))
        if local.hour < self.hour:
            return None
        if not self.every_day and not clock.calendar.is_business_day(local.date()):
            return None
        return local.date()


@dataclass(frozen=True)
class Addressee:
    """A staff member a digest may go to."""

    user_id: str
    display_name: str
    email: str


def compose(
    person: Addressee,
    unread: Sequence[StaffNotification],
    total_unread: int,
    *,
    office_id: str,
    office_name: str,
    sender_address: str,
    staff_app_url: str,
    zone: str,
    day: date,
) -> OutgoingEmail:
    """The digest email for `person`: the newest `LISTED` of their unread notifications, each
    with its case and when it came, and the link to all of them in the staff app."""
    count = f"{total_unread} unread notification{'s' if total_unread != 1 else ''}"
    lines = [
        f"Hello {person.display_name},",
        "",
        f"You have {count} in Casework for {office_name}:",
        "",
    ]
    for notification in unread[:LISTED]:
        when = notification.created_at.astimezone(ZoneInfo(zone)).strftime("%a %d %b, %H:%M")
        lines.append(f"- {notification.reference}: {notification.summary} ({when})")
    if total_unread > LISTED:
        lines.append(f"- and {total_unread - LISTED} more")
    base = staff_app_url.rstrip("/")
    lines += [
        "",
        f"Open them in the staff app: {base}/offices/{office_id}/notifications",
        "",
        "This digest comes once a day, on working days, when something waits behind your bell.",
    ]
    return OutgoingEmail(
        sender_name=f"Casework for {office_name}",
        sender_address=sender_address,
        to_name=person.display_name,
        to_address=person.email,
        reply_to=None,
        subject=f"Casework: {count} ({day:%a %d %b})",
        body="\n".join(lines) + "\n",
        message_id=f"<digest.{office_id}.{person.user_id}.{day.isoformat()}@{_domain(sender_address)}>",
    )


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "casework.invalid"
