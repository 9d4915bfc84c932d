"""What intake-web counts beyond its RED metrics: requests accepted (the same counter as the
worker's, `casework_intake_submissions_accepted_total`) and refused, by a bounded reason, and
clicks on the links in constituents' emails (survey, unsubscribe), by outcome, documents sent
from the status page, by outcome, and replies to the platform's texts by kind, with the webhook
requests refused for their signature."""

from __future__ import annotations

from typing import Any

from services.chassis.observability import service_metric

WEB = "intake_web"


def accepted_total() -> Any:
    return service_metric(
        "counter", "intake", "submissions_accepted_total", "Submissions accepted", ["channel"]
    )


def _count(name: str, documentation: str, label: str, value: str) -> None:
    """One more on intake-web's counter `name`, whose one label `label` is `value`."""
    service_metric("counter", WEB, name, documentation, [label]).labels(value).inc()


def refused(reason: str) -> None:
    """One refusal: `validation_failed`, `rate_limited`, `honeypot`, `too_fast`... never a
    value a person typed."""
    _count("refusals_total", "Requests intake-web refused, by reason", "reason", reason)


def survey_click(outcome: str) -> None:
    """One click on a satisfaction survey's link: `answered` (a rating taken), `asked` (the
    question shown), `unknown_link` or `invalid_rating`. The ratings themselves are counted by
    metrics, from `intake.satisfaction_rated`."""
    _count(
        "survey_clicks_total", "Clicks on satisfaction survey links, by outcome", "outcome", outcome
    )


def unsubscribe_click(outcome: str) -> None:
    """One visit to, or post from, an email's unsubscribe link: `asked` (where the constituent
    stands shown), `stopped` or `resumed` (their choice taken), `unchanged` (a choice already
    made: a second click, a mail provider's one-click post after theirs), `invalid` (a post
    asking neither) or `unknown_link`."""
    _count(
        "unsubscribe_clicks_total",
        "Visits to and posts from unsubscribe links, by outcome",
        "outcome",
        outcome,
    )


def text_reply(kind: str) -> None:
    """One reply to the platform's texts the provider's webhook brought: `stop`, `start`,
    `help` or `other` (the words themselves are counted nowhere); a replay of a STOP or START
    already taken is `replayed`."""
    _count("text_replies_total", "Replies to the platform's text messages, by kind", "kind", kind)


def webhook_signature_failure(reason: str) -> None:
    """A webhook request refused for its signature: `missing` or `wrong` (a forged request,
    or a token or public URL set differently here and at the provider)."""
    _count(
        "sms_webhook_signature_failures_total",
        "SMS provider webhook requests refused for their signature, by reason",
        "reason",
        reason,
    )


def documents_upload(outcome: str) -> None:
    """One sending of documents from the status page: `accepted`, or refused and why
    (`file_type`, `too_large`, `empty_file`, `too_many_files`, `no_files`, `message_invalid`,
    `not_awaited`: the office no longer waits for documents, `bad_token`, `not_verified`)."""
    _count(
        "document_uploads_total",
        "Documents sent from the status page, by outcome (accepted, or why refused)",
        "outcome",
        outcome,
    )
