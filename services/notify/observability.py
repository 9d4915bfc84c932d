"""Notify's own counters: what the mail server took, refused or left unknown, and how long a
send takes. Labels are channels and kinds, never addresses."""

from __future__ import annotations

from services.chassis.observability import service_metric

MESSAGES_SENT = service_metric(
    "counter",
    "notify",
    "messages_sent_total",
    "Messages the mail server accepted",
    ["channel", "kind"],
)
DELIVERY_FAILURES = service_metric(
    "counter",
    "notify",
    "delivery_failures_total",
    "Send attempts the mail server refused or could not be reached for (retried later)",
    ["channel"],
)
UNDELIVERABLE = service_metric(
    "counter",
    "notify",
    "messages_undeliverable_total",
    "Messages the mail server refused for good (5xx), not retried",
    ["channel"],
)
OUTCOME_UNKNOWN = service_metric(
    "counter",
    "notify",
    "deliveries_outcome_unknown_total",
    "Deliveries left in doubt (cut off mid-send: maybe sent); resent while they may be",
    ["channel"],
)
RESENT_IN_DOUBT = service_metric(
    "counter",
    "notify",
    "deliveries_resent_in_doubt_total",
    "Deliveries sent again (same Message-ID) because the attempt before was left in doubt",
    ["channel", "kind"],
)
MESSAGES_SKIPPED = service_metric(
    "counter",
    "notify",
    "messages_skipped_total",
    "Messages not sent: no address on the channel, the constituent asked for none, or of no "
    "use any more (an expired code)",
    ["channel", "kind"],
)
SMTP_SEND_SECONDS = service_metric(
    "histogram",
    "notify",
    "smtp_send_seconds",
    "Time taken to hand one message to the SMTP server",
    ["outcome"],
)
SMS_SENDS = service_metric(
    "counter",
    "notify",
    "sms_sends_total",
    "Texts handed to the SMS provider, by outcome: sent, refused (tried again later), "
    "undeliverable, opted_out (the recipient replied STOP), unknown (cut off: maybe sent)",
    ["outcome"],
)
SMS_SEND_SECONDS = service_metric(
    "histogram",
    "notify",
    "sms_send_seconds",
    "Time taken by the SMS provider to answer one text",
    ["outcome"],
)
REMINDERS_FIRED = service_metric(
    "counter",
    "notify",
    "reminders_fired_total",
    "Reminders that came due and fired (each occurrence once)",
    ["kind"],
)
REMINDER_LATENESS = service_metric(
    "histogram",
    "notify",
    "reminder_lateness_seconds",
    "How long after its due time a reminder fired",
    [],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600),
)
REMINDER_SWEEP_SECONDS = service_metric(
    "histogram",
    "notify",
    "reminder_sweep_seconds",
    "Time taken by one sweep of due reminders across every office",
    [],
)
STAFF_NOTIFIED = service_metric(
    "counter",
    "notify",
    "staff_notifications_total",
    "Notifications put behind a staff member's bell, by the kind of reminder they tell of",
    ["kind"],
)
MESSAGES_HELD = service_metric(
    "counter",
    "notify",
    "messages_held_total",
    "Messages to constituents held for the office's quiet hours (sent when its hours begin)",
    ["kind"],
)
MESSAGES_QUEUED = service_metric(
    "counter",
    "notify",
    "messages_queued_total",
    "Messages about a case queued for the sweep (a public note, a status, a closure)",
    ["kind"],
)
MESSAGE_SWEEP_SECONDS = service_metric(
    "histogram",
    "notify",
    "message_sweep_seconds",
    "Time taken by one sweep of queued messages across every office, sends included",
    [],
)
DIGESTS = service_metric(
    "counter",
    "notify",
    "digests_total",
    "Daily digests to staff: sent, or failed at the mail server (not retried: the bell keeps all)",
    ["outcome"],
)
