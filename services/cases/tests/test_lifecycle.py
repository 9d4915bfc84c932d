"""The case lifecycle and who may move it, without a database: every move of the state
machine, the outcome a closing needs, the events and timeline lines a move leaves."""

from datetime import UTC, date, datetime, timedelta
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.cases.domain import permissions
from services.cases.domain.case import Author, Case, CaseStatus, Outcome, TimelineKind
from services.cases.domain.lifecycle import MOVES, next_statuses, target_of
from services.cases.domain.routing import RosterMember
from services.cases.domain.workload import AgeBuckets, AssigneeCount, workload
from services.chassis.domain import Actor
from services.chassis.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.contracts import (
    CASE_CLOSED,
    CASE_STATUS_CHANGED,
    SUBMISSION_RECEIVED,
    CaseClosed,
    CaseStatusChanged,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
SAM = Author("u-3", "Sam Rivera")
PAID = Outcome("favourable", ("payment_released",), 412000, "USD", "Back pay released")
S = CaseStatus
# The lifecycle written out by hand, as the issue gives it: the oracle for MOVES.
LEGAL = {
    S.NEW: {S.OPEN, S.WAITING_ON_AGENCY, S.WAITING_ON_CONSTITUENT, S.RESOLVED, S.CLOSED}
    | {S.WITHDRAWN, S.TRANSFERRED},
    S.OPEN: {S.WAITING_ON_AGENCY, S.WAITING_ON_CONSTITUENT, S.RESOLVED, S.CLOSED}
    | {S.WITHDRAWN, S.TRANSFERRED},
    S.WAITING_ON_AGENCY: {S.WAITING_ON_CONSTITUENT, S.OPEN, S.RESOLVED, S.CLOSED, S.WITHDRAWN},
    S.WAITING_ON_CONSTITUENT: {S.WAITING_ON_AGENCY, S.OPEN, S.RESOLVED, S.CLOSED, S.WITHDRAWN},
    S.RESOLVED: {S.CLOSED, S.OPEN},
    S.CLOSED: {S.OPEN},
    S.WITHDRAWN: {S.OPEN},
    S.TRANSFERRED: set(),
}


def case_in(status: CaseStatus) -> Case:
    case = Case.open(
        SUBMISSION_RECEIVED.load_typed(SUBMISSION_RECEIVED.example),
        office_id="rep-lopez",
        reference="CW-2026-000042",
        opened_at=T0,
    )
    case.status = status
    case.pull_events()
    return case


def outcome_for(target: CaseStatus) -> Outcome | None:
    return PAID if target is S.CLOSED else None


def test_the_moves_are_the_lifecycle_the_issue_describes() -> None:
    assert {status: set(targets) for status, targets in MOVES.items()} == LEGAL


@pytest.mark.parametrize(("current", "target"), list(product(S, S)))
def test_each_move_is_made_or_refused_with_the_moves_there_are(
    current: CaseStatus, target: CaseStatus
) -> None:
    case = case_in(current)
    if target in LEGAL[current]:
        case.transition(target.value, by=SAM, at=T1, outcome=outcome_for(target))
        assert case.status is target
        changed = case.pull_events()[0]
        assert changed.contract is CASE_STATUS_CHANGED
        assert changed.payload == CaseStatusChanged(
            case_id=case.case_id,
            reference="CW-2026-000042",
            from_status=current.value,
            to_status=target.value,
            reason=None,
            changed_by="u-3",
            changed_at=T1,
        )
    else:
        with pytest.raises(Conflict) as refused:
            case.transition(target.value, by=SAM, at=T1, outcome=outcome_for(target))
        assert refused.value.fields == {
            "to": [f"cannot go from {current.value} to {target.value}"],
            "allowed": next_statuses(current),
        }
        assert case.status is current and case.pull_events() == []


@pytest.mark.parametrize("finished", [S.RESOLVED, S.CLOSED, S.WITHDRAWN])
def test_a_finished_case_is_reopened_to_open_by_either_name(finished: CaseStatus) -> None:
    for name in ("reopened", "open"):
        case = case_in(finished)
        case.outcome, case.closed_at = PAID, T0
        case.transition(name, by=SAM, at=T1, reason="Agency reversed itself")
        assert case.status is S.OPEN
        assert (case.outcome, case.closed_at) == (None, None)
        note = case.timeline[-1]
        assert (note.kind, note.summary, note.body) == (
            TimelineKind.REOPENED,
            f"Reopened (was {finished.value})",
            "Agency reversed itself",
        )
        assert case.pull_events()[0].payload.to_status == "open"


@pytest.mark.parametrize("current", [S.NEW, S.OPEN, S.WAITING_ON_AGENCY, S.TRANSFERRED])
def test_reopened_is_refused_for_a_case_that_was_never_finished_or_was_transferred(
    current: CaseStatus,
) -> None:
    with pytest.raises(Conflict) as refused:
        target_of(current, "reopened")
    assert "reopened" not in refused.value.fields["allowed"]


def test_the_allowed_moves_name_the_way_back_reopened() -> None:
    assert next_statuses(S.RESOLVED) == ["closed", "reopened"]
    assert next_statuses(S.CLOSED) == ["reopened"]
    assert next_statuses(S.TRANSFERRED) == []


def test_closing_needs_an_outcome_and_records_it_and_the_closing_event_without_its_text() -> None:
    case = case_in(S.RESOLVED)
    with pytest.raises(ValidationFailed) as refused:
        case.transition("closed", by=SAM, at=T1)
    assert list(refused.value.fields) == ["outcome"]
    assert case.status is S.RESOLVED and case.pull_events() == []

    case.transition("closed", by=SAM, at=T1, reason="Done", outcome=PAID)

    assert (case.status, case.outcome, case.closed_at) == (S.CLOSED, PAID, T1)
    assert [e.contract for e in case.events] == [CASE_STATUS_CHANGED, CASE_CLOSED]
    closing = case.pull_events()[1].payload
    assert "Back pay" not in str(CASE_CLOSED.dump(closing))
    assert closing == CaseClosed(
        case_id=case.case_id,
        reference="CW-2026-000042",
        category="social_security",
        agency_code=None,
        result="favourable",
        obtained=["payment_released"],
        amount_minor=412000,
        currency="USD",
        opened_at=T0,
        closed_by="u-3",
        closed_at=T1,
    )
    note = case.timeline[-1]
    assert (note.kind, note.summary, note.body, note.author_name, note.at) == (
        TimelineKind.CLOSED,
        "Closed: favourable (payment released)",
        "Back pay released",
        "Sam Rivera",
        T1,
    )
    assert case.updated_at == T1


def test_a_withdrawal_records_the_withdrawn_result_by_itself_and_is_no_closing_event() -> None:
    case = case_in(S.OPEN)
    case.transition("withdrawn", by=SAM, at=T1)
    assert case.outcome == Outcome("withdrawn")
    assert [e.contract for e in case.pull_events()] == [CASE_STATUS_CHANGED]


def test_an_outcome_on_a_move_that_does_not_end_the_case_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        case_in(S.OPEN).transition("waiting_on_agency", by=SAM, at=T1, outcome=PAID)
    assert list(refused.value.fields) == ["outcome"]


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"result": "won"}, "result"),
        ({"result": "favourable", "obtained": ["a pony"]}, "obtained"),
        ({"result": "favourable", "amount_minor": 100}, "amount_minor"),
        ({"result": "favourable", "currency": "USD"}, "amount_minor"),
    ],
)
def test_an_outcome_names_what_is_wrong_with_it(given: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        Outcome.checked(**given)
    assert list(refused.value.fields["outcome"]) == [field]


def test_a_note_on_a_new_case_opens_it_and_both_are_on_the_timeline() -> None:
    case = case_in(S.NEW)
    case.add_note("Called the SSA liaison", by=SAM, at=T1, kind=TimelineKind.CALL)

    assert case.status is S.OPEN
    [event] = case.pull_events()
    assert (event.payload.from_status, event.payload.to_status) == ("new", "open")
    assert [(n.kind, n.author_id, n.body) for n in case.timeline[-2:]] == [
        (TimelineKind.STATUS_CHANGED, "u-3", "call added"),
        (TimelineKind.CALL, "u-3", "Called the SSA liaison"),
    ]
    case.add_note("Public update", by=SAM, at=T1, visibility="public")
    # An open case stays open: the public note announces itself only (see test_domain).
    assert case.status is S.OPEN
    assert [event.contract.event_type for event in case.pull_events()] == [
        "cases.public_note_added"
    ]
    assert case.timeline[-1].visibility == "public"


def test_an_update_changes_only_what_differs_and_keeps_urgent_in_step() -> None:
    case = case_in(S.OPEN)
    assert case.update(by=SAM, at=T1, priority="urgent", tags=("ssa", "appeal", "ssa"))
    assert (case.priority, case.urgent, case.tags) == ("urgent", True, ("appeal", "ssa"))
    assert case.timeline[-1].summary == "Priority urgent; tags: appeal, ssa"
    assert not case.update(by=SAM, at=T1, priority="urgent", tags=("appeal", "ssa"))
    assert case.update(by=SAM, at=T1, due_on=date(2026, 12, 1))
    assert case.timeline[-1].summary == "Next action due 2026-12-01"
    assert case.update(by=SAM, at=T1, due_on=None)
    assert case.due_on is None and case.timeline[-1].summary == "Due date cleared"
    assert case.pull_events() == []  # other services hear of none of it


def test_a_manual_assignment_is_attributed_and_a_repeat_changes_nothing() -> None:
    case = case_in(S.OPEN)
    case.assign("u-4", "Alex Chen", at=T1, method="manual", by=SAM)
    assert case.timeline[-1].summary == "Assigned to Alex Chen (manual)"
    assert case.timeline[-1].author_id == "u-3"
    assert case.pull_events()[0].payload.method == "manual"
    case.assign("u-4", "Alex Chen", at=T1, method="manual", by=SAM)
    assert case.pull_events() == []


@given(st.lists(st.sampled_from([*S, "reopened"]), max_size=30))
def test_any_sequence_of_requests_only_ever_follows_the_lifecycle(requests: list) -> None:
    case = case_in(S.NEW)
    for to in requests:
        before = case.status
        try:
            case.transition(str(to), by=SAM, at=T1, outcome=PAID if to == S.CLOSED else None)
        except Conflict:
            assert case.status is before
            continue
        assert case.status in LEGAL[before]
        assert (case.outcome is not None) == (case.status in (S.CLOSED, S.WITHDRAWN))


ROLES = ["read_only", "caseworker", "supervisor", "office_admin"]


def staff(role: str | None, user: str = "u-3") -> Actor:
    return Actor.staff(user, role)


@pytest.mark.parametrize("role", [*ROLES, None, "platform_admin"])
def test_the_permissions_matrix(role: str | None) -> None:
    actor = staff(role)
    known = role in ROLES
    checks = {
        "read": permissions.require_reader,
        "write": permissions.require_writer,
        "audit": permissions.require_audit_reader,
    }
    allowed = {name: (lambda check: _passes(check, actor))(check) for name, check in checks.items()}
    assert allowed == {
        "read": known,
        "write": role in ("caseworker", "supervisor", "office_admin"),
        "audit": role == "office_admin",
    }
    assert (permissions.allowed_transitions(actor, S.OPEN) != []) == allowed["write"]


def _passes(check: object, actor: Actor) -> bool:
    try:
        check(actor)  # type: ignore[operator]
    except Forbidden:
        return False
    return True


def test_the_system_reads_but_never_writes() -> None:
    system = Actor.system()
    permissions.require_reader(system)
    with pytest.raises(Forbidden):
        permissions.require_writer(system)
    assert permissions.allowed_transitions(system, S.OPEN) == []


SAM_MEMBER = RosterMember("u-3", "Sam Rivera", "caseworker")
ALEX = RosterMember("u-4", "Alex Chen", "caseworker")
INTERN = RosterMember("u-9", "Ira Intern", "read_only")


def test_a_caseworker_takes_only_an_unassigned_case_for_themselves() -> None:
    me = staff("caseworker")
    assert permissions.check_assignment(me, None, SAM_MEMBER, "u-3") is SAM_MEMBER
    assert permissions.check_assignment(me, "u-3", SAM_MEMBER, "u-3") is SAM_MEMBER
    with pytest.raises(Forbidden):
        permissions.check_assignment(me, None, ALEX, "u-4")
    with pytest.raises(Forbidden):
        permissions.check_assignment(me, "u-4", SAM_MEMBER, "u-3")


@pytest.mark.parametrize("role", ["supervisor", "office_admin"])
def test_a_supervisor_gives_any_case_to_anyone_who_takes_cases(role: str) -> None:
    boss = staff(role, "u-1")
    assert permissions.check_assignment(boss, "u-3", ALEX, "u-4") is ALEX
    for target, user in ((INTERN, "u-9"), (None, "u-404")):
        with pytest.raises(ValidationFailed) as refused:
            permissions.check_assignment(boss, "u-3", target, user)
        assert list(refused.value.fields) == ["user_id"]


def test_a_caller_acting_for_another_office_finds_nothing() -> None:
    permissions.same_office(None, "rep-lopez")
    permissions.same_office("rep-lopez", "rep-lopez")
    with pytest.raises(NotFound):
        permissions.same_office("sen-okafor", "rep-lopez")


def test_the_workload_has_a_row_per_member_who_takes_cases_then_the_unassigned() -> None:
    former = RosterMember("u-7", "Former Worker", "read_only")
    counts = {
        "u-4": AssigneeCount("u-4", "Alex Chen", AgeBuckets(1, 2, 0, 3)),
        "u-7": AssigneeCount("u-7", "Former Worker", AgeBuckets(0, 0, 1, 0)),
        None: AssigneeCount(None, None, AgeBuckets(4, 0, 0, 0)),
    }
    rows = workload([SAM_MEMBER, ALEX, INTERN, former], counts)
    assert [(r.user_id, r.display_name, r.total) for r in rows] == [
        ("u-4", "Alex Chen", 6),
        ("u-3", "Sam Rivera", 0),
        ("u-7", "Former Worker", 1),
        (None, "Unassigned", 4),
    ]
    assert rows[0].ages == AgeBuckets(1, 2, 0, 3)
