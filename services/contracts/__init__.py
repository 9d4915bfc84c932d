"""Versioned contracts of every event and RPC payload. Consumers depend on these, never on a
producer's code."""

from services.contracts.events import (
    ACKNOWLEDGEMENT_SENT,
    AGENCY_SUGGESTED,
    ALL_EVENTS,
    CASE_ASSIGNED,
    CASE_OPENED,
    OFFICE_REGISTERED,
    STAFF_MEMBER_ADDED,
    SUBMISSION_RECEIVED,
    SUBSCRIPTIONS,
    EventContract,
    Subscription,
    contract_for,
)

__all__ = [
    "ACKNOWLEDGEMENT_SENT",
    "AGENCY_SUGGESTED",
    "ALL_EVENTS",
    "CASE_ASSIGNED",
    "CASE_OPENED",
    "OFFICE_REGISTERED",
    "STAFF_MEMBER_ADDED",
    "SUBMISSION_RECEIVED",
    "SUBSCRIPTIONS",
    "EventContract",
    "Subscription",
    "contract_for",
]
