"""The case page's message log: every message notify sent, or could not send, to the case's
constituent (the acknowledgement, status codes, public notes, status updates, the closing
message), in words a caseworker acts on: sent, waiting for office hours, not sent and why,
refused for good (reach them another way), cut off and sent again. Asked for as the
page's request starts, beside its other calls; a notify that is down leaves the panel saying
so, never the page failing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.chassis.remote import RemoteService, ask_early
from services.contracts.rpc import intake as intake_rpc
from services.contracts.rpc import notify as notify_rpc

DELIVERIES = notify_rpc.DeliverySchema(many=True)
PREFERENCES = intake_rpc.ContactPreferences()
KIND_LABELS = {
    "acknowledgement": "Acknowledgement",
    "status_code": "Status page code",
    "case_update": "Public note",
    "documents_request": "Request for documents",
    "status_update": "Status update",
    "closure": "Case closed",
}
# Messages notify's sweep sends (it gives them up after its last retry); the others go with
# their event, which is retried until they are sent.
SWEPT = frozenset({"case_update", "documents_request", "status_update", "closure"})
CHANNEL_LABELS = {"email": "Email", "sms": "Text message"}
# The mail server's refusals by error class (notify keeps the class, never the server's text).
ERROR_WORDS = {
    "SMTPRecipientsRefused": "the constituent's mail server refused the address",
    "SMTPSenderRefused": "the mail server refused the office's sender address",
    "SMTPDataError": "the mail server refused the message",
    "NoRecipients": "there was no address to send to",
    "CutOff": "the sending was cut off",
}
# Error classes that mean the mail server was never (or no longer) there to ask.
UNREACHABLE = ("Connect", "Disconnected", "Timeout", "timeout", "gaierror", "OSError")
# The SMS provider's refusals by its error code (notify keeps `sms:<code>`, never its text).
SMS_ERROR_WORDS = {
    "sms:21211": "the phone number is not a valid number",
    "sms:21614": "the phone number cannot receive text messages",
    "sms:21612": "the text message provider cannot reach this number",
    "sms:21408": "the text message provider does not send to this country",
    "sms:NotConfigured": "this installation no longer sends text messages",
    "sms:http-401": "the text message provider refused the installation's credentials",
    "sms:http-429": "the text message provider was busy",
}
# Why notify did not send a message (its skip reason), when the reason alone does not say what
# the caseworker can do about it.
SKIP_WORDS = {
    "the constituent asked for no email": (
        "Not sent: the constituent asked for no email. Reach them another way."
    ),
    "the constituent replied STOP to our texts": (
        "Not sent: the constituent replied STOP to our text messages. Reach them another way."
    ),
    "no text messages here and no email address": (
        "Not sent: the constituent asked for text messages, which this installation does not "
        "send, and gave no email address. Reach them another way."
    ),
}


@dataclass(frozen=True)
class MessageLine:
    kind: str
    channel: str
    state: str  # sent, pending, problem
    words: str
    at: Any  # when it was sent, else when it was first tried
    due: Any = None  # a message waiting: when it goes out (shown in the office's time)


@dataclass(frozen=True)
class EmailChoice:
    """Whether the constituent takes email from the office about their requests (intake's
    record of what they chose by the unsubscribe link, or told staff)."""

    opted_out: bool
    since: Any = None  # when they stopped it


@dataclass(frozen=True)
class MessageLog:
    live: bool
    lines: tuple[MessageLine, ...] = ()
    # None when intake did not answer: the page offers no button it cannot back.
    email: EmailChoice | None = None


def request_log(
    notify: RemoteService, intake: RemoteService, office_id: str, case: Mapping[str, Any]
) -> Callable[[], MessageLog]:
    """Ask notify for the case's messages, and intake for the constituent's email choice,
    now; the returned function waits for both answers."""
    answer = ask_early(
        notify, "list_deliveries", DELIVERIES, office_id=office_id, case_id=case["case_id"]
    )
    choice = ask_early(
        intake,
        "contact_preferences",
        PREFERENCES,
        office_id=office_id,
        constituent_id=case["constituent_id"],
    )

    def collect() -> MessageLog:
        found, chosen = answer(), choice()
        email = None
        if chosen is not None:
            since = chosen["email_opted_out_at"]
            email = EmailChoice(
                chosen["email_opted_out"], datetime.fromisoformat(since) if since else None
            )
        if found is None:
            return MessageLog(live=False, email=email)
        return MessageLog(live=True, lines=tuple(line_of(item) for item in found), email=email)

    return collect


def set_email(
    intake: RemoteService, office_id: str, constituent_id: str, *, opted_out: bool
) -> bool:
    """Record that the constituent stops (or takes again) the office's email, as they asked
    staff; whether that changed anything."""
    answer = intake.call(
        "set_email_opt_out",
        PREFERENCES,
        office_id=office_id,
        constituent_id=constituent_id,
        opted_out=opted_out,
    )
    return bool(answer["changed"])


def line_of(delivery: Mapping[str, Any]) -> MessageLine:
    status = delivery["status"]
    resent = delivery.get("resent_in_doubt") or 0
    error = error_words(delivery.get("last_error"), delivery["channel"])
    state, words = "problem", ""
    due = delivery.get("send_after")
    if status == "queued":
        state, words = "pending", "Waiting for office hours; goes out"
    elif status == "sent":
        state = "sent"
        words = "Sent"
        if resent:
            words += " again after a send was cut off: it may have arrived twice"
    elif status == "sending":
        state, words = "pending", "Sending now"
    elif status == "failed" and (due is not None or delivery["kind"] not in SWEPT):
        state, words = "pending", f"Not sent yet: {error}; trying again"
    elif status == "failed":
        words = f"Not sent: {error}; given up. Reach the constituent another way."
    elif status == "unknown":
        state, words = "pending", "Cut off while sending; being sent again"
    elif status == "undeliverable":
        words = f"Not delivered: {error}. Reach the constituent another way."
    elif status == "skipped":
        reason = delivery.get("skip_reason") or "no longer needed"
        words = SKIP_WORDS.get(reason, f"Not sent: {reason}")
    else:
        words = status
    if delivery["attempts"] > 1 and status != "sent":
        words += f" ({delivery['attempts']} attempts)"
    return MessageLine(
        kind=KIND_LABELS.get(delivery["kind"], delivery["kind"].replace("_", " ").capitalize()),
        channel=CHANNEL_LABELS.get(delivery["channel"], delivery["channel"]),
        state=state,
        words=words,
        at=delivery["sent_at"] or delivery["created_at"],
        due=due if status == "queued" else None,
    )


def error_words(error: str | None, channel: str = "email") -> str:
    server = "the text message provider" if channel == "sms" else "the mail server"
    if not error:
        return f"{server} did not take it"
    if error.startswith("in doubt"):
        return "the sending was cut off"
    if error in ERROR_WORDS:
        return ERROR_WORDS[error]
    if error in SMS_ERROR_WORDS:
        return SMS_ERROR_WORDS[error]
    if any(part in error for part in UNREACHABLE):
        return f"{server} could not be reached"
    if error.startswith("sms:http-"):
        return f"{server} had a problem (HTTP {error.removeprefix('sms:http-')})"
    return f"{server} refused it ({error.removeprefix('sms:')})"
