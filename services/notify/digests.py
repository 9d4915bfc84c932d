"""Notify's service layer for the daily digest (domain/digest.py): go through the offices, and
in each office's unit of work mark the day done for everyone whose digest is due, commit, then
mail the digests of those with something unread over the kept SMTP connection."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.chassis.config import env_int, env_str
from services.notify import reminders
from services.notify.domain.acknowledgements import OutgoingEmail
from services.notify.domain.digest import LISTED, DigestSchedule, compose
from services.notify.mail import Mailer
from services.notify.observability import DIGESTS

log = logging.getLogger(__name__)

DEFAULT_STAFF_APP_URL = "http://127.0.0.1:8000"


def digest_schedule() -> DigestSchedule:
    """`CASEWORK_NOTIFY_DIGEST_HOUR` (default 7) in each office's zone, on the days messages
    go out (`CASEWORK_NOTIFY_SENDING_DAYS`: `business`, or `all`), read at call time."""
    return DigestSchedule(
        hour=env_int("CASEWORK_NOTIFY_DIGEST_HOUR", 7),
        every_day=env_str("CASEWORK_NOTIFY_SENDING_DAYS", "business") == "all",
    )


def staff_app_url() -> str:
    """Where staff reach the staff app (`CASEWORK_STAFF_APP_URL`), for the digest's link."""
    return env_str("CASEWORK_STAFF_APP_URL", DEFAULT_STAFF_APP_URL)


def send_digests(
    db: Any, mailer: Mailer, offices: Callable[[], list[str]], now: Callable[[], datetime]
) -> int:
    """Send every digest due now, in every office; how many went."""
    schedule, at, sent = digest_schedule(), now(), 0
    for office_id in offices():
        for email in _office_digests(db, office_id, schedule, at, mailer.sender_address):
            try:
                mailer.send(email)
            except Exception as exc:
                DIGESTS.labels(outcome="failed").inc()
                log.warning("a digest in %s was not sent (%s)", office_id, type(exc).__name__)
                continue
            DIGESTS.labels(outcome="sent").inc()
            sent += 1
    return sent


def _office_digests(
    db: Any, office_id: str, schedule: DigestSchedule, at: datetime, sender_address: str
) -> list[OutgoingEmail]:
    with db.unit_of_work(office_id=office_id) as uow:
        clock, _ = reminders.office_schedule(uow)
        day = schedule.day_due(at, clock)
        if day is None:
            return []
        due = uow.staff.digest_due(day)
        if not due:
            return []
        sender = uow.offices.sender()
        emails = []
        for person in due:
            if not uow.staff.claim_digest(person.user_id, day):
                continue  # another notify instance has it
            total = uow.notifications.unread_count(person.user_id)
            if not total:
                continue  # nothing behind the bell: no digest, and none later today
            unread = uow.notifications.for_person(person.user_id, unread_only=True, limit=LISTED)
            emails.append(
                compose(
                    person,
                    unread,
                    total,
                    office_id=office_id,
                    office_name=sender.name if sender is not None else office_id,
                    sender_address=sender_address,
                    staff_app_url=staff_app_url(),
                    zone=clock.zone,
                    day=day,
                )
            )
        uow.commit()
    return emails
