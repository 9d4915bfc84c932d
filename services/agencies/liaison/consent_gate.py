"""The consent gate every letter passes: the releases checked against the agency's rules, and a
refusal recorded (audited and counted by reason) with what the constituent must sign."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.agencies.domain.consent import ConsentDecision, ReleaseRecord, check_consent
from services.agencies.domain.directory import Agency
from services.agencies.domain.office import CaseFacts, LiaisonSettings
from services.chassis.domain import Actor
from services.chassis.errors import Conflict
from services.chassis.observability import service_metric

REFUSED_BY_GATE = "inquiry.refused_by_consent_gate"

consent_refusals = service_metric(
    "counter",
    "agencies",
    "consent_refusals_total",
    "Letters the consent gate refused at draft or send, by the kind of each failed rule",
    ["reason"],
)
REASON_KINDS = (
    ("no privacy release", "no_release"),
    ("revoked", "revoked"),
    ("expired", "expired"),
    ("signature", "signature"),
    ("days old", "too_old"),
    ("closed", "after_closure"),
)
for _, _reason in (*REASON_KINDS, ("", "other")):
    consent_refusals.labels(_reason)


def reason_kind(reason: str) -> str:
    lowered = reason.lower()
    for words, kind in REASON_KINDS:
        if words in lowered:
            return kind
    return "other"


def gate(
    releases: Sequence[ReleaseRecord],
    agency: Agency,
    case: CaseFacts,
    settings: LiaisonSettings,
    now: datetime,
) -> ConsentDecision:
    return check_consent(
        releases,
        agency.code,
        agency.name,
        agency.release_rules,
        now=now,
        case_closed_at=case.closed_at,
        zone=settings.timezone,
    )


def refuse(
    db: Any,
    office_id: str,
    actor: Actor,
    subject_type: str,
    subject_id: str,
    decision: ConsentDecision,
) -> Conflict:
    """Record the refusal (committed on its own: the letter is not) and say why."""
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        uow.audit(REFUSED_BY_GATE, subject_type, subject_id)
        for reason in decision.reasons:
            uow.after_commit(consent_refusals.labels(reason_kind(reason)).inc)
        uow.commit()
    reasons = list(decision.reasons)
    remedy = f" {decision.remedy}" if decision.remedy else ""
    return Conflict(
        f"the consent gate refused the letter to {decision.agency_code}: "
        f"{'; '.join(reasons)}.{remedy}",
        {"consent": reasons, "remedy": [decision.remedy] if decision.remedy else []},
    )
