"""What other services announced: agencies' projections of cases, releases and offices, the
clocks a case's status stops and starts, and the agency suggested for each new case."""

from __future__ import annotations

from dataclasses import replace

from services.agencies.domain.consent import ReleaseRecord
from services.agencies.domain.directory import AgencyDirectory, SuggestionBasis
from services.agencies.domain.inquiry import InquiryState
from services.agencies.domain.inquiry_clock import CaseClocks
from services.agencies.domain.office import WAITING_ON_CONSTITUENT, CaseFacts
from services.agencies.domain.suggestions import CaseSuggestion
from services.agencies.handlers.overdue import schedule_of
from services.agencies.handlers.settings import ensure_settings
from services.agencies.ports import AgenciesWork
from services.chassis.calendar import local_date
from services.chassis.db import utcnow
from services.chassis.errors import PermanentMessageError
from services.chassis.events import IncomingEvent
from services.chassis.observability import service_metric
from services.contracts import (
    CaseClosed,
    CaseOpened,
    CaseStatusChanged,
    OfficeRegistered,
    PrivacyReleaseRevoked,
    PrivacyReleaseSigned,
)

CASE_ID_MAX_LENGTH = 64

suggestions_recorded = service_metric(
    "counter",
    "agencies",
    "suggestions_total",
    "Agency suggestions recorded for newly opened cases, by what they rest on",
    ["reason"],
)
for _basis in SuggestionBasis:
    suggestions_recorded.labels(_basis.value)  # every series exists from start-up, at 0


def suggest_agency(
    directory: AgencyDirectory,
    uow: AgenciesWork,
    event: IncomingEvent[CaseOpened],
) -> CaseSuggestion | None:
    """Record which agency a new case concerns (announced when one is found); the same case
    announced again, under any event id, changes nothing."""
    case = event.payload
    if len(case.case_id) > CASE_ID_MAX_LENGTH:
        raise PermanentMessageError(f"case_id is longer than {CASE_ID_MAX_LENGTH} characters")
    if uow.suggestions.exists_for(case.case_id):
        return None
    suggestion = uow.suggestions.add(
        CaseSuggestion.for_new_case(
            directory,
            case_id=case.case_id,
            category=case.category,
            agency_hint=case.agency_hint,
            at=utcnow(),
        )
    )
    uow.after_commit(suggestions_recorded.labels(suggestion.basis.value).inc)
    return suggestion


def record_opened_case(
    directory: AgencyDirectory, uow: AgenciesWork, event: IncomingEvent[CaseOpened]
) -> CaseSuggestion | None:
    """A new case: agencies' projection of it, and the agency it suggests."""
    suggestion = suggest_agency(directory, uow, event)
    case = event.payload
    known = uow.cases.get(case.case_id)
    uow.cases.save(
        CaseFacts(
            case_id=case.case_id,
            reference=case.reference,
            status=known.status if known else "new",
            submission_id=case.submission_id,
            constituent_id=case.constituent_id,
            category=case.category,
            opened_at=case.opened_at,
            closed_at=known.closed_at if known else None,
        )
    )
    return suggestion


def record_release_signed(uow: AgenciesWork, event: IncomingEvent[PrivacyReleaseSigned]) -> None:
    release = event.payload
    uow.releases.signed(
        ReleaseRecord(
            release_id=release.release_id,
            submission_id=release.submission_id,
            agencies=tuple(release.agencies),
            kind=release.kind,
            signed_at=release.signed_at,
            expires_at=release.expires_at,
        ),
        release.constituent_id,
    )


def record_release_revoked(uow: AgenciesWork, event: IncomingEvent[PrivacyReleaseRevoked]) -> None:
    release = event.payload
    uow.releases.revoked(
        release_id=release.release_id,
        submission_id=release.submission_id,
        constituent_id=release.constituent_id,
        agencies=tuple(release.agencies),
        revoked_by=release.revoked_by,
        revoked_at=release.revoked_at,
    )


def record_status_changed(uow: AgenciesWork, event: IncomingEvent[CaseStatusChanged]) -> None:
    """The projection follows; a case that starts waiting on its constituent stops its sent
    inquiries' clocks, and one that stops waiting starts them again."""
    change = event.payload
    known = uow.cases.get(change.case_id)
    uow.cases.save(
        replace(known, status=change.to_status, reference=change.reference)
        if known
        else CaseFacts(case_id=change.case_id, reference=change.reference, status=change.to_status)
    )
    waits, waited = (
        change.to_status == WAITING_ON_CONSTITUENT,
        change.from_status == WAITING_ON_CONSTITUENT,
    )
    if waits == waited:
        return
    sent = [
        inquiry
        for inquiry in uow.inquiries.for_case(change.case_id)
        if InquiryState(inquiry.state) is InquiryState.SENT
    ]
    if not sent:
        return
    settings = ensure_settings(uow)
    calendar = settings.calendar
    on = local_date(change.changed_at, settings.timezone)
    today = local_date(utcnow(), settings.timezone)
    clocks = uow.track(CaseClocks(case_id=change.case_id, reference=change.reference))
    if waits:
        clocks.pause_all(sent, on=on, at=change.changed_at, calendar=calendar, today=today)
    else:
        clocks.resume_all(
            sent,
            on=on,
            at=change.changed_at,
            calendar=calendar,
            today=today,
            reason=change.to_status,
        )
    for inquiry in sent:
        uow.inquiries.save(inquiry, schedule_of(inquiry, calendar, today))


def record_case_closed(uow: AgenciesWork, event: IncomingEvent[CaseClosed]) -> None:
    closed = event.payload
    known = uow.cases.get(closed.case_id)
    uow.cases.save(
        replace(known, status="closed", closed_at=closed.closed_at)
        if known
        else CaseFacts(
            case_id=closed.case_id,
            reference=closed.reference,
            status="closed",
            category=closed.category,
            opened_at=closed.opened_at,
            closed_at=closed.closed_at,
        )
    )


def record_office_registered(uow: AgenciesWork, event: IncomingEvent[OfficeRegistered]) -> None:
    """A new office: its liaison settings (and default templates) with its time zone, and
    its name and reply-to address on the letterhead until the office admin changes them."""
    office = event.payload
    settings = ensure_settings(uow)
    letterhead = settings.letterhead
    if letterhead.office_name in ("", uow.office_id):
        letterhead = replace(letterhead, office_name=office.name)
    if not letterhead.email:
        letterhead = replace(letterhead, email=office.reply_to_email)
    uow.settings.save(
        replace(settings, timezone=office.timezone or settings.timezone, letterhead=letterhead),
        utcnow(),
    )
