"""Cases' real entrypoints (events) against a real broker and both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import requests

from services.cases.domain.case import case_id_for
from services.cases.tests.conftest import (
    ASSIGNED_QUEUE,
    OFFICE,
    OPENED_QUEUE,
    OTHER_OFFICE,
    YEAR,
    CasesHarness,
    handled,
    sample,
    submission,
    suggested,
)
from services.chassis.testing import envelope, wait_until
from services.contracts import (
    ACKNOWLEDGEMENT_SENT,
    AGENCY_SUGGESTED,
    CASE_ASSIGNED,
    CASE_OPENED,
    STAFF_MEMBER_ADDED,
    SUBMISSION_RECEIVED,
)


def test_a_submission_opens_one_new_case_with_the_offices_next_reference_and_contact(
    cases: CasesHarness,
) -> None:
    first = cases.open_case(subject="Passport needed before a funeral abroad", urgent=True)
    second = cases.open_case()
    elsewhere = cases.open_case(OTHER_OFFICE)

    assert first.reference == f"CW-{YEAR}-000001"
    assert second.reference == f"CW-{YEAR}-000002"
    assert elsewhere.reference == f"CW-{YEAR}-000001"
    assert first.office_id == OFFICE and elsewhere.office_id == OTHER_OFFICE
    assert first.status == "new"
    assert first.urgent is True
    assert (first.priority, second.priority) == ("urgent", "normal")
    assert (first.contact_email, first.preferred_language, first.channel) == (
        "maria@example.org",
        "en",
        "web",
    )
    assert first.updated_at == first.opened_at
    assert first.subject == "Passport needed before a funeral abroad"
    assert first.constituent_name == "Maria Lopez"
    assert first.agency_hint == "SSA"
    assert first.assigned_to_id is None
    assert cases.timeline(first.id) == [("opened", "Case opened from submission K7QX-M2PD")]


def test_a_redelivered_submission_event_opens_no_second_case(cases: CasesHarness) -> None:
    before = handled("open_case")
    payload = submission()
    event_id = str(uuid.uuid4())
    cases.publish(SUBMISSION_RECEIVED, payload, office_id=OFFICE, event_id=event_id)
    cases.publish(SUBMISSION_RECEIVED, payload, office_id=OFFICE, event_id=event_id)

    wait_until(lambda: handled("open_case") - before == 2, message="both deliveries handled")
    wait_until(cases.outbox_drained)
    assert len(cases.cases()) == 1
    assert len(cases.queued(OPENED_QUEUE)) == 1
    assert cases.inbox_size() == 1


def test_the_same_submission_announced_under_a_new_event_id_is_still_one_case(
    cases: CasesHarness,
) -> None:
    before = handled("open_case")
    payload = submission()
    for _ in range(3):
        cases.publish(SUBMISSION_RECEIVED, payload, office_id=OFFICE)

    wait_until(lambda: handled("open_case") - before == 3, message="all deliveries handled")
    wait_until(cases.outbox_drained)
    assert [case.submission_id for case in cases.cases()] == [payload["submission_id"]]
    assert len(cases.queued(OPENED_QUEUE)) == 1
    # Each delivery passed the inbox: the unique key is what kept the case single.
    assert cases.inbox_size() == 3


def test_case_opened_and_case_assigned_are_announced_with_the_case(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    published = cases.publish(SUBMISSION_RECEIVED, submission(), office_id=OFFICE)
    payload = published["payload"]
    case = cases.wait_for_case(payload["submission_id"])

    opened = wait_until(lambda: cases.queued(OPENED_QUEUE), message="no case_opened")
    assigned = wait_until(lambda: cases.queued(ASSIGNED_QUEUE), message="no case_assigned")

    assert len(opened) == len(assigned) == 1
    assert opened[0]["event_type"] == CASE_OPENED.event_type
    assert opened[0]["office_id"] == OFFICE
    assert opened[0]["causation_id"] == published["event_id"]
    assert opened[0]["correlation_id"] == published["correlation_id"]
    assert opened[0]["payload"] == {
        "case_id": case.id,
        "reference": case.reference,
        "submission_id": payload["submission_id"],
        "tracking_code": payload["tracking_code"],
        "constituent_id": payload["constituent_id"],
        "category": "social_security",
        "agency_hint": "SSA",
        "urgent": False,
        "opened_at": opened[0]["payload"]["opened_at"],
        "caseworker_id": "u-3",
    }
    assert "constituent_name" not in opened[0]["payload"]
    assert assigned[0]["event_type"] == CASE_ASSIGNED.event_type
    assert assigned[0]["payload"]["case_id"] == case.id
    assert assigned[0]["payload"]["caseworker_id"] == "u-3"
    assert assigned[0]["payload"]["method"] == "round_robin"


def test_new_cases_rotate_across_the_offices_caseworkers_and_supervisors(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    cases.add_staff("u-4", "Alex Chen", "supervisor")
    cases.add_staff("u-5", "Ada Admin", "office_admin")
    cases.add_staff("u-6", "Ian Intern", "read_only")
    cases.add_staff("u-7", "Kim Other", "caseworker", office=OTHER_OFFICE)
    opened_before = sample("casework_cases_opened_total")
    assigned_before = sample("casework_cases_assignments_total", {"method": "round_robin"})

    opened = [cases.open_case() for _ in range(5)]

    assignees = [case.assigned_to_name for case in opened]
    assert assignees == ["Alex Chen", "Sam Rivera", "Alex Chen", "Sam Rivera", "Alex Chen"]
    assert cases.timeline(opened[1].id)[1] == ("assigned", "Assigned to Sam Rivera (round robin)")
    assert sample("casework_cases_opened_total") - opened_before == 5
    assert (
        sample("casework_cases_assignments_total", {"method": "round_robin"}) - assigned_before == 5
    )
    wait_until(cases.outbox_drained)
    announced = {
        event["payload"]["case_id"]: event["payload"]["caseworker_name"]
        for event in cases.queued(ASSIGNED_QUEUE)
    }
    assert announced == {case.id: case.assigned_to_name for case in opened}


def test_cases_opened_all_at_once_get_distinct_consecutive_references_and_even_shares(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    cases.add_staff("u-4", "Alex Chen", "caseworker")

    for _ in range(12):
        cases.submit()

    found = wait_until(lambda: len(found := cases.cases()) == 12 and found, timeout=30)
    opened = sorted(found, key=lambda case: case.reference)
    assert [case.reference for case in opened] == [
        f"CW-{YEAR}-{number:06d}" for number in range(1, 13)
    ]
    # Openings take turns, so in reference order the caseworkers strictly alternate.
    assert [case.assigned_to_name for case in opened] == ["Alex Chen", "Sam Rivera"] * 6


def test_a_case_stays_unassigned_when_the_office_has_nobody_taking_cases(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-5", "Ada Admin", "office_admin")
    cases.add_staff("u-7", "Kim Other", "caseworker", office=OTHER_OFFICE)
    assigned_before = sample("casework_cases_assignments_total", {"method": "round_robin"})

    case = cases.open_case()

    assert case.assigned_to_id is None and case.assigned_to_name is None
    wait_until(cases.outbox_drained)
    assert len(cases.queued(OPENED_QUEUE)) == 1
    assert cases.queued(ASSIGNED_QUEUE) == []
    assert sample("casework_cases_assignments_total", {"method": "round_robin"}) == (
        assigned_before
    )


def test_cases_opened_before_anyone_takes_cases_go_to_the_first_caseworker_announced(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-5", "Ada Admin", "office_admin")
    waiting = [cases.open_case() for _ in range(2)]
    elsewhere = cases.open_case(OTHER_OFFICE)
    wait_until(cases.outbox_drained)
    assert cases.queued(ASSIGNED_QUEUE) == []
    assigned_before = sample("casework_cases_assignments_total", {"method": "round_robin"})

    cases.add_staff("u-3", "Sam Rivera", "caseworker")

    def all_assigned() -> bool:
        return all((case := cases.case(w.id)) and case.assigned_to_id == "u-3" for w in waiting)

    wait_until(all_assigned, message="the waiting cases were never given to Sam")
    assert [kind for kind, _ in cases.timeline(waiting[0].id)] == ["opened", "assigned"]
    wait_until(cases.outbox_drained)
    announced = cases.queued(ASSIGNED_QUEUE)
    assert sorted(event["payload"]["case_id"] for event in announced) == sorted(
        case.id for case in waiting
    )
    assert {event["payload"]["method"] for event in announced} == {"round_robin"}
    assert sample("casework_cases_assignments_total", {"method": "round_robin"}) == (
        assigned_before + 2
    )
    unassigned = cases.case(elsewhere.id)
    assert unassigned is not None and unassigned.assigned_to_id is None


def test_a_role_change_takes_a_caseworker_out_of_rotation_and_a_late_old_event_does_not_undo_it(
    cases: CasesHarness,
) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    cases.add_staff("u-3", "Sam Rivera", "office_admin")
    stale = envelope(
        STAFF_MEMBER_ADDED,
        {"user_id": "u-3", "display_name": "Sam Rivera", "role": "caseworker"},
        office_id=OFFICE,
    )
    stale["occurred_at"] = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    before = handled("record_staff_member")
    cases.publish(STAFF_MEMBER_ADDED, {}, office_id=OFFICE, raw_body=stale)
    wait_until(lambda: handled("record_staff_member") > before, message="stale event handled")

    assert cases.open_case().assigned_to_id is None


def test_the_agency_suggestion_and_acknowledgement_are_added_to_the_case(
    cases: CasesHarness,
) -> None:
    case = cases.open_case()
    cases.publish(
        AGENCY_SUGGESTED,
        suggested(case.id),
        office_id=OFFICE,
    )
    cases.publish(
        ACKNOWLEDGEMENT_SENT,
        {
            "case_id": case.id,
            "submission_id": case.submission_id,
            "channel": "email",
            "sent_at": datetime.now(UTC),
        },
        office_id=OFFICE,
    )

    timeline = wait_until(
        lambda: len(entries := cases.timeline(case.id)) == 3 and entries,
        message="timeline never showed the suggestion and the acknowledgement",
    )
    assert timeline[0] == ("opened", "Case opened from submission K7QX-M2PD")
    assert set(timeline[1:]) == {
        ("agency_suggested", "Agency suggested: Social Security Administration (SSA)"),
        ("acknowledgement_sent", "Acknowledgement sent to the constituent by email"),
    }
    updated = cases.case(case.id)
    assert updated is not None
    assert (updated.agency_code, updated.agency_name) == ("SSA", "Social Security Administration")


def test_an_agency_suggestion_that_overtakes_its_case_is_retried_until_the_case_exists(
    cases: CasesHarness,
) -> None:
    retried = "casework_cases_events_retried_total"
    labels = {"event_type": AGENCY_SUGGESTED.event_type}
    before = sample(retried, labels)
    payload = submission()
    case_id = case_id_for(OFFICE, payload["submission_id"])
    cases.publish(
        AGENCY_SUGGESTED,
        suggested(case_id),
        office_id=OFFICE,
    )
    wait_until(lambda: sample(retried, labels) > before, message="the suggestion was not retried")
    assert cases.case(case_id) is None

    cases.publish(SUBMISSION_RECEIVED, payload, office_id=OFFICE)

    applied = wait_until(
        lambda: (case := cases.case(case_id)) is not None and case.agency_code == "SSA",
        message="the suggestion was never applied",
    )
    assert applied
    assert [kind for kind, _ in cases.timeline(case_id)] == ["opened", "agency_suggested"]
    assert cases.queued("cases--agencies.agency_suggested.dlq") == []


def test_health_and_business_metrics_are_exposed(cases: CasesHarness, web_address: str) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    cases.open_case()

    assert requests.get(f"http://{web_address}/ready", timeout=5).json()["checks"] == {
        "database": "ok",
        "broker": "ok",
    }
    metrics = requests.get(f"http://{web_address}/metrics", timeout=5).text
    assert "casework_cases_opened_total " in metrics
    assert 'casework_cases_assignments_total{method="round_robin"}' in metrics
    assert 'casework_cases_entrypoint_calls_total{entrypoint="open_case",outcome="ok"}' in metrics
