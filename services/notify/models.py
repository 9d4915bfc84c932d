"""Notify's tables: who to write to (and whether they take email), which offices they write from,
every delivery, each case's reminders and what staff see behind the bell.

Only `repository.py` reads and writes them; migrations and test set-up use `metadata`.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.sql.elements import TextClause

from services.chassis.db import UTCDateTime, new_metadata

metadata = new_metadata()


def due_indexes(table: str, rows: str, due: str, where: TextClause) -> tuple[Index, Index]:
    """Two partial indexes on the `rows` of a table that still fall due: the platform's look-up
    of offices with something due reads (due, office_id) alone, an office's claim its own due
    rows in order."""
    return (
        Index(
            f"ix_{table}_{rows}_due", due, "office_id", postgresql_where=where, sqlite_where=where
        ),
        Index(
            f"ix_{table}_office_{rows}_due",
            "office_id",
            due,
            postgresql_where=where,
            sqlite_where=where,
        ),
    )


# Projection of `gateway.office_registered`: the name and reply address mail goes out with.
offices = Table(
    "offices",
    metadata,
    Column("office_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("reply_to_email", String(254), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The office's IANA time zone: reminders fall due in its working hours and days.
    Column("timezone", String(64), nullable=False, server_default="America/New_York"),
    # When its reminders fall due (its admin's settings, announced with the office).
    Column("first_contact_business_days", Integer, nullable=False, server_default="2"),
    Column("follow_up_every_days", Integer, nullable=False, server_default="7"),
    Column("check_in_every_days", Integer, nullable=False, server_default="7"),
    Column("no_activity_days", Integer, nullable=False, server_default="14"),
    # Its own hours for messages to constituents (both NULL: the legislature's).
    Column("sending_from", Integer, nullable=True),
    Column("sending_until", Integer, nullable=True),
    # A fresh random id whenever its admin saves or resets the office's wording of a message
    # (NULL: it has none): notify instances keep an office's wording in memory by it.
    Column("wording_version", String(36), nullable=True),
)

# An office's own wording of a message in a language (domain/wording.py); a message without
# one is written from the default templates, and its text (SMS) too while `text` is NULL.
message_wording = Table(
    "message_wording",
    metadata,
    Column("office_id", String(64), primary_key=True),
    Column("message", String(30), primary_key=True),
    Column("language", String(5), primary_key=True),
    Column("subject", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("text", Text, nullable=True),
)

# Projection of `intake.submission_received`: how to reach the constituent who asked.
recipients = Table(
    "recipients",
    metadata,
    Column("office_id", String(64), primary_key=True),
    Column("submission_id", String(64), primary_key=True),
    Column("constituent_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("contact_email", String(254), nullable=True),
    Column("preferred_language", String(5), nullable=False),
    Column("tracking_code", String(20), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    # How they would rather hear from the office ("sms": text messages) and their phone (E.164);
    # NULL for submissions announced before text messages.
    Column("preferred_channel", String(10), nullable=True),
    Column("contact_phone", String(20), nullable=True),
)

# One row per constituent of the office (domain/preferences.py), made when notify first hears
# of them: the secret of the unsubscribe link every message about their requests carries
# (intake knows only its SHA-256), and whether they asked for no email, as of `changed_at`
# (NULL: they never said; the latest change wins, whatever order the changes arrive in).
contact_preferences = Table(
    "contact_preferences",
    metadata,
    Column("office_id", String(64), primary_key=True),
    Column("constituent_id", String(64), primary_key=True),
    Column("unsubscribe_token", String(64), nullable=False),
    Column("email_opted_out", Boolean, nullable=False, server_default=false()),
    Column("changed_at", UTCDateTime, nullable=True),
    # When the SMS provider last refused a text because they replied STOP (NULL: never): no
    # text about a request made before then goes (domain/acknowledgements.route).
    Column("texts_stopped_at", UTCDateTime, nullable=True),
)

# Projection of `intake.text_opt_out_changed`: phones that replied STOP (or START again) to the
# platform's sending number. Carriers keep an opt-out per sender number, so it holds for every
# office texting from it: the table has no office_id, and each office's unit of work reads the
# row of the one phone it is about to text (as the agency directory is read by every office).
text_opt_outs = Table(
    "text_opt_outs",
    metadata,
    Column("phone_number", String(20), primary_key=True),
    Column("opted_out", Boolean, nullable=False),
    # When the reply came: the latest reply wins, whatever order the events arrive in.
    Column("changed_at", UTCDateTime, nullable=False),
)

# Projection of `cases.case_opened`: the case an acknowledgement is about.
opened_cases = Table(
    "opened_cases",
    metadata,
    Column("office_id", String(64), primary_key=True),
    Column("case_id", String(64), primary_key=True),
    Column("submission_id", String(64), nullable=False),
    Column("reference", String(40), nullable=False),
    Column("tracking_code", String(20), nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Index("ix_opened_cases_office_submission", "office_id", "submission_id"),
)

# One message to one recipient for one cause, and the state of sending it. The unique key on
# (occasion, kind) is the idempotency key: it is committed before the mail server is
# contacted, so a replayed event can never send a second message. The occasion is the
# submission for its acknowledgement, the request (its event id) for a status code; the case
# is unknown for a code asked for before the case was opened.
SWEPT = text("send_after IS NOT NULL")
deliveries = Table(
    "deliveries",
    metadata,
    Column("delivery_id", String(36), primary_key=True),
    Column("office_id", String(64), nullable=False),
    Column("submission_id", String(64), nullable=False),
    Column("case_id", String(64), nullable=True),
    Column("kind", String(30), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("occasion_id", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("attempt_started_at", UTCDateTime, nullable=True),
    Column("last_error", String(100), nullable=True),
    Column("skip_reason", String(100), nullable=True),
    Column("message_id", String(200), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    # Attempts made again because the one before was left in doubt (cut off mid-send).
    Column("resent_in_doubt", Integer, nullable=False, server_default="0"),
    # Swept messages about a case: when the sweep looks at the delivery next (NULL: never
    # again), and what the message says beyond the case's facts (JSON: a public note's text).
    Column("send_after", UTCDateTime, nullable=True),
    Column("content", Text, nullable=True),
    UniqueConstraint("office_id", "occasion_id", "kind", name="uq_deliveries_occasion_kind"),
    Index("ix_deliveries_office_case", "office_id", "case_id"),
    # Only deliveries the sweep still has work on: its cost follows them, not every message sent.
    *due_indexes("deliveries", "swept", "send_after", SWEPT),
)

# A case's reminders (domain/reminders.py): one row per purpose, found again by its cancel key
# whatever order the events that move it arrive in. The two partial indexes hold only pending
# rows, so a claim's cost follows how many are due, not how many ever fired: the platform's
# look-up of offices with something due reads (due_at, office_id) alone; an office's claim
# reads its own due rows in order.
PENDING = text("state = 'pending'")
reminders = Table(
    "reminders",
    metadata,
    Column("reminder_id", String(36), primary_key=True),
    Column("office_id", String(64), nullable=False),
    Column("cancel_key", String(120), nullable=False),
    Column("case_id", String(64), nullable=False),
    Column("reference", String(40), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("audience", String(20), nullable=False),
    Column("summary", String(300), nullable=False),
    Column("state", String(12), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("repeat_days", Integer, nullable=True),
    Column("occurrence", Integer, nullable=False),
    Column("fired_at", UTCDateTime, nullable=True),
    Column("agency_code", String(20), nullable=True),
    Column("inquiry_id", String(64), nullable=True),
    UniqueConstraint("office_id", "cancel_key", name="uq_reminders_cancel_key"),
    Index("ix_reminders_office_case", "office_id", "case_id"),
    *due_indexes("reminders", "pending", "due_at", PENDING),
)

# Projection of `gateway.staff_member_added`: who works in the office, in which role, and
# whether they are active (reminders go to the people working a case, escalations to those
# who hand out work).
staff = Table(
    "staff",
    metadata,
    Column("office_id", String(64), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Where their daily digest goes (None: announced before gateway told it, or no digest).
    Column("email", String(254), nullable=True),
    # Notify's own: the office's local day whose digest they were last sent.
    Column("digest_sent_on", Date, nullable=True),
)

# Projection of `cases.case_assigned`: who each case was last given to (the latest
# assignment wins whatever order the events arrive in).
case_assignees = Table(
    "case_assignees",
    metadata,
    Column("office_id", String(64), primary_key=True),
    Column("case_id", String(64), primary_key=True),
    Column("caseworker_id", String(64), nullable=False),
    Column("assigned_at", UTCDateTime, nullable=False),
)

# What each staff member sees behind the bell (domain/notifications.py): one row per person
# and cause (a reminder's occurrence), so a reminder fired once notifies each person once.
# The partial index holds unread rows only: the bell's count reads nothing else.
UNREAD = text("read_at IS NULL")
staff_notifications = Table(
    "staff_notifications",
    metadata,
    Column("notification_id", String(36), primary_key=True),
    Column("office_id", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("case_id", String(64), nullable=False),
    Column("reference", String(40), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("summary", String(300), nullable=False),
    Column("cause", String(80), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime, nullable=True),
    UniqueConstraint("office_id", "user_id", "cause", name="uq_staff_notifications_cause"),
    Index("ix_staff_notifications_user_created", "office_id", "user_id", "created_at"),
    Index(
        "ix_staff_notifications_unread",
        "office_id",
        "user_id",
        postgresql_where=UNREAD,
        sqlite_where=UNREAD,
    ),
)
