"""What cases counts for Prometheus, for the event handlers and the staff's actions alike."""

from __future__ import annotations

from services.cases.domain.case import MANUAL
from services.cases.domain.lifecycle import CaseStatus
from services.cases.domain.routing import ROUND_ROBIN, RULE
from services.chassis.observability import service_metric
from services.contracts.vocabulary import CASE_RESULTS, NOTE_KINDS

CASES_OPENED = service_metric("counter", "cases", "opened_total", "Cases opened")
ASSIGNMENTS = service_metric(
    "counter", "cases", "assignments_total", "Cases assigned to a caseworker", ["method"]
)
TRANSITIONS = service_metric(
    "counter", "cases", "transitions_total", "Cases moved to a status by staff", ["to"]
)
NOTES = service_metric(
    "counter", "cases", "notes_total", "Notes, calls and meetings written on cases", ["kind"]
)
CLOSURES = service_metric("counter", "cases", "closures_total", "Cases closed", ["result"])
DOCUMENT_REQUESTS = service_metric(
    "counter", "cases", "document_requests_total", "Requests for documents sent to constituents"
)
DOCUMENTS_FILED = service_metric(
    "counter",
    "cases",
    "documents_received_total",
    "Files constituents sent from their status page, filed on their cases",
)
# Scraped as 0 before the first of each, not absent.
ASSIGNMENTS.labels(RULE)
ASSIGNMENTS.labels(ROUND_ROBIN)
ASSIGNMENTS.labels(MANUAL)
for _status in CaseStatus:
    TRANSITIONS.labels(_status.value)
for _kind in NOTE_KINDS:
    NOTES.labels(_kind)
for _result in CASE_RESULTS:
    CLOSURES.labels(_result)
