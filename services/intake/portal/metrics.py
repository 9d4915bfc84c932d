"""What intake-web counts beyond its RED metrics: requests accepted (the same counter as the
worker's, `casework_intake_submissions_accepted_total`) and refused, by a bounded reason, and
clicks on the links in constituents' emails (survey, unsubscribe), by outcome."""

from __future__ import annotations

from typing import Any

from services.chassis.observability import service_metric

WEB = "intake_web"


def accepted_total() -> Any:
    return service_metric(
        "counter", "intake", "submissions_accepted_total", "Submissions accepted", ["channel"]
    )


def refused(reason: str) -> None:
    """One refusal: `validation_failed`, `rate_limited`, `honeypot`, `too_fast`... never a
    value a person typed."""
    service_metric(
        "counter", WEB, "refusals_total", "Requests intake-web refused, by reason", ["reason"]
    ).labels(reason).inc()


def survey_click(outcome: str) -> None:
    """One click on a satisfaction survey's link: `answered` (a rating taken), `asked` (the
    question shown), `unknown_link` or `invalid_rating`. The ratings themselves are counted by
    metrics, from `intake.satisfaction_rated`."""
    service_metric(
        "counter",
        WEB,
        "survey_clicks_total",
        "Clicks on satisfaction survey links, by outcome",
        ["outcome"],
    ).labels(outcome).inc()


def unsubscribe_click(outcome: str) -> None:
    """One visit to, or post from, an email's unsubscribe link: `asked` (where the constituent
    stands shown), `stopped` or `resumed` (their choice taken), `unchanged` (a choice already
    made: a second click, a mail provider's one-click post after theirs), `invalid` (a post
    asking neither) or `unknown_link`."""
    service_metric(
        "counter",
        WEB,
        "unsubscribe_clicks_total",
        "Visits to and posts from unsubscribe links, by outcome",
        ["outcome"],
    ).labels(outcome).inc()
