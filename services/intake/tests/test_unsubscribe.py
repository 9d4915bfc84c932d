"""Stopping email from an office: intake keeps the digest of each constituent's unsubscribe
link notify announces, the portal takes the constituent's choice through it (a button, or a
mail provider's one-click post), and staff record it on the constituent's word; each change,
and only a change, is announced. The rules and the service layer on the fake unit of work;
the portal on both databases (as the service's own role, behind the tenant wall on
PostgreSQL)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nameko.standalone.rpc import ClusterRpcClient
from nameko.testing.services import worker_factory
from prometheus_client import REGISTRY

from services.chassis.caller import Caller
from services.chassis.consuming import consume
from services.chassis.domain import Actor
from services.chassis.errors import Forbidden, NotFound, ValidationFailed
from services.chassis.fakes import FakeDatabase, incoming
from services.chassis.testing import wait_until
from services.contracts import CONTACT_PREFERENCES_CHANGED, UNSUBSCRIBE_OFFERED
from services.intake import handlers, unsubscribe
from services.intake.adapters import CONSTITUENTS, UnsubscribeRepository
from services.intake.domain.constituents import ConstituentDetails
from services.intake.domain.submissions import ConsentEvidence, SubmitRequest
from services.intake.domain.unsubscribe import ContactPreferences, parse_choice
from services.intake.service import IntakeService
from services.intake.tests.fakes import FakeIntakeUnitOfWork, intake_database
from services.intake.tests.support import (
    OFFICE,
    Portal,
    make_portal,
    outbox_payloads,
    register_office,
    rows,
    text_of,
    valid_submission,
)

# What notify mails: 18 random bytes, URL-safe (24 characters).
TOKEN = "Xk3vQ9pL2mW7nR4tY8bZ1cDe"
DIGEST = hashlib.sha256(TOKEN.encode()).hexdigest()
OFFERED_AT = datetime(2027, 1, 20, 16, tzinfo=UTC)
NOW = datetime(2027, 1, 21, 9, 12, tzinfo=UTC)
CASEWORKER = Actor.staff("u-3", "caseworker", "203.0.113.20")
INTERN = Actor.staff("u-9", "read_only", "203.0.113.21")
STOPPED = "You will get no more email from Office of Rep. Lopez."
RESUMED = "Email from Office of Rep. Lopez is on again."
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def link_url(token: str = TOKEN, office: str = OFFICE) -> str:
    return f"/o/{office}/unsubscribe/{token}"


def offered(constituent_id: str, digest: str = DIGEST, at: datetime = OFFERED_AT) -> Any:
    return incoming(
        UNSUBSCRIBE_OFFERED,
        {"constituent_id": constituent_id, "token_sha256": digest, "offered_at": at.isoformat()},
        office_id=OFFICE,
    )


# -- The rules ---------------------------------------------------------------------------------


def test_only_a_change_of_mind_is_announced_and_it_says_who_made_it() -> None:
    preferences = ContactPreferences("c-1", "es")

    assert preferences.choose_email(True, by="constituent", at=NOW)
    assert not preferences.choose_email(True, by="constituent", at=NOW + timedelta(hours=1))
    assert preferences.email_opted_out_at == NOW  # since the first time they asked
    assert preferences.choose_email(False, by="staff", at=NOW + timedelta(days=1))
    assert not preferences.choose_email(False, by="staff", at=NOW + timedelta(days=2))

    announced = [event.payload for event in preferences.pull_events()]
    assert [(e.email_opted_out, e.changed_by, e.changed_at) for e in announced] == [
        (True, "constituent", NOW),
        (False, "staff", NOW + timedelta(days=1)),
    ]
    assert all(e.constituent_id == "c-1" for e in announced)
    assert not preferences.email_opted_out
    with pytest.raises(ValueError):
        preferences.choose_email(True, by="notify", at=NOW)


def test_the_announced_change_satisfies_its_contract() -> None:
    preferences = ContactPreferences("c-1", "en")
    preferences.choose_email(True, by="constituent", at=NOW)

    [event] = preferences.pull_events()

    assert event.contract is CONTACT_PREFERENCES_CHANGED
    assert CONTACT_PREFERENCES_CHANGED.dump(event.payload) == {
        "constituent_id": "c-1",
        "email_opted_out": True,
        "changed_by": "constituent",
        "changed_at": NOW.isoformat(),
    }


@pytest.mark.parametrize(
    ("action", "one_click", "stops"),
    [
        ("stop", None, True),
        ("resume", None, False),
        (None, "One-Click", True),  # RFC 8058, from the mail provider's unsubscribe button
        ("", "One-Click", True),
        ("resume", "One-Click", False),  # a person's button says what they chose
    ],
)
def test_a_post_stops_or_starts_email_again(
    action: str | None, one_click: str | None, stops: bool
) -> None:
    assert parse_choice(action, one_click) is stops


@pytest.mark.parametrize(
    ("action", "one_click"), [(None, None), ("", None), ("unsubscribe", None), ("stop!", None)]
)
def test_a_post_asking_neither_is_refused_naming_the_field(
    action: str | None, one_click: str | None
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_choice(action, one_click)
    assert "action" in refused.value.fields


# -- The service layer, on the fake unit of work -----------------------------------------------

Database = FakeDatabase[FakeIntakeUnitOfWork]


@pytest.fixture
def fake() -> tuple[Database, str]:
    """An office with one constituent (Spanish-speaking) who wrote in: the constituent id."""
    db = intake_database()
    db.rows["offices"] = {OFFICE: {"name": "Office of Rep. Lopez", "registered_at": NOW}}
    details = ConstituentDetails("Maria", "Núñez", "maria@example.org", None, None, "es")
    request = SubmitRequest(details, "social_security", "Pensión", "No llega desde agosto.")
    handlers.accept_submission(db, OFFICE, request, ConsentEvidence(None, None))
    [(_, constituent_id)] = db.rows["constituents"]
    db.outbox.clear()
    db.audit_log.clear()
    return db, constituent_id


def test_an_offered_link_is_kept_a_replay_changes_nothing_and_a_newer_one_replaces_it(
    fake: tuple[Database, str],
) -> None:
    db, constituent_id = fake
    first = offered(constituent_id)

    consume(db, first, unsubscribe.record_unsubscribe_offer)
    consume(db, first, unsubscribe.record_unsubscribe_offer)  # redelivered
    consume(db, offered(constituent_id), unsubscribe.record_unsubscribe_offer)  # replayed
    older = offered(constituent_id, "0" * 64, OFFERED_AT - timedelta(days=1))
    consume(db, older, unsubscribe.record_unsubscribe_offer)

    [link] = db.rows["unsubscribe_links"].values()
    assert (link.token_sha256, link.offered_at) == (DIGEST, OFFERED_AT)
    newer = offered(constituent_id, "1" * 64, OFFERED_AT + timedelta(days=1))
    consume(db, newer, unsubscribe.record_unsubscribe_offer)
    [link] = db.rows["unsubscribe_links"].values()
    assert link.token_sha256 == "1" * 64
    assert db.outbox == []


def test_the_link_shows_where_they_stand_and_a_choice_is_recorded_once(
    fake: tuple[Database, str],
) -> None:
    db, constituent_id = fake
    consume(db, offered(constituent_id), unsubscribe.record_unsubscribe_offer)

    asked = unsubscribe.answer_unsubscribe(db, OFFICE, TOKEN, None)
    stopped = unsubscribe.answer_unsubscribe(db, OFFICE, TOKEN, True)
    again = unsubscribe.answer_unsubscribe(db, OFFICE, TOKEN, True)

    assert (asked.email_opted_out, asked.changed, asked.language) == (False, False, "es")
    assert (stopped.email_opted_out, stopped.changed) == (True, True)
    assert (again.email_opted_out, again.changed) == (True, False)
    [event] = db.published(CONTACT_PREFERENCES_CHANGED)
    assert (event.constituent_id, event.email_opted_out, event.changed_by) == (
        constituent_id,
        True,
        "constituent",
    )
    assert [(a.action, a.subject_id, a.actor) for a in db.audit_log] == [
        ("constituent.email_stopped", constituent_id, "system:constituent")
    ]
    with pytest.raises(NotFound):
        unsubscribe.answer_unsubscribe(db, OFFICE, "Zz" * 12, True)
    with pytest.raises(NotFound):
        unsubscribe.answer_unsubscribe(db, OFFICE, "not a token", None)


def test_staff_record_the_constituents_wish_once_and_interns_may_not(
    fake: tuple[Database, str],
) -> None:
    db, constituent_id = fake

    with pytest.raises(Forbidden):
        unsubscribe.set_email_opt_out(db, OFFICE, INTERN, constituent_id, True)
    preferences, changed = unsubscribe.set_email_opt_out(
        db, OFFICE, CASEWORKER, constituent_id, True
    )
    _, again = unsubscribe.set_email_opt_out(db, OFFICE, CASEWORKER, constituent_id, True)
    resumed, changed_back = unsubscribe.set_email_opt_out(
        db, OFFICE, CASEWORKER, constituent_id, False
    )

    assert (preferences.email_opted_out, changed, again) == (True, True, False)
    assert (resumed.email_opted_out, changed_back) == (False, True)
    assert [
        (e.email_opted_out, e.changed_by) for e in db.published(CONTACT_PREFERENCES_CHANGED)
    ] == [
        (True, "staff"),
        (False, "staff"),
    ]
    assert [(a.action, a.actor) for a in db.audit_log] == [
        ("constituent.email_stopped", "u-3"),
        ("constituent.email_resumed", "u-3"),
    ]
    with pytest.raises(NotFound):
        unsubscribe.set_email_opt_out(db, OFFICE, CASEWORKER, "c" * 36, True)
    with pytest.raises(NotFound):  # another office's constituent is none of this office's
        unsubscribe.set_email_opt_out(db, "rep-other", CASEWORKER, constituent_id, True)


def test_any_staff_member_reads_where_the_constituent_stands_and_another_office_cannot(
    fake: tuple[Database, str],
) -> None:
    db, constituent_id = fake

    before = unsubscribe.contact_preferences(db, OFFICE, INTERN, constituent_id)
    unsubscribe.set_email_opt_out(db, OFFICE, CASEWORKER, constituent_id, True)
    after = unsubscribe.contact_preferences(db, OFFICE, INTERN, constituent_id)

    assert (before.email_opted_out, before.email_opted_out_at) == (False, None)
    assert after.email_opted_out and after.email_opted_out_at is not None
    with pytest.raises(NotFound):
        unsubscribe.contact_preferences(db, "rep-other", CASEWORKER, constituent_id)


# -- The portal, on both databases -------------------------------------------------------------


def constituent_with_link(portal: Portal, language: str = "en") -> str:
    """A constituent who wrote in, and the unsubscribe link notify offered them: their id."""
    body = valid_submission()
    body["constituent"]["preferred_language"] = language
    response = portal.submit(body)
    assert response.status_code == 202, response.get_data(as_text=True)
    [constituent] = rows(portal.engine, "constituents")
    offer(portal, constituent.id)
    return str(constituent.id)


def offer(portal: Portal, constituent_id: str) -> None:
    db = portal.app.extensions["intake_db"]
    consume(db, offered(constituent_id), unsubscribe.record_unsubscribe_offer)


def changes(portal: Portal) -> list[tuple[str, bool, str]]:
    return [
        (event["constituent_id"], event["email_opted_out"], event["changed_by"])
        for event in outbox_payloads(portal.engine, CONTACT_PREFERENCES_CHANGED.event_type)
    ]


def opted_out_at(portal: Portal) -> Any:
    [constituent] = rows(portal.engine, "constituents")
    return constituent.email_opted_out_at


def clicks(outcome: str) -> float:
    sample = REGISTRY.get_sample_value(
        "casework_intake_web_unsubscribe_clicks_total", {"outcome": outcome}
    )
    return sample or 0.0


def test_the_link_asks_first_and_neither_a_visit_nor_a_mail_systems_check_changes_anything(
    portal: Portal,
) -> None:
    constituent_with_link(portal)
    asked_before = clicks("asked")

    asked = portal.client.get(link_url())
    checked = portal.client.head(link_url())

    assert asked.status_code == 200 and checked.status_code == 200
    words = text_of(asked)
    assert "Stop email from Office of Rep. Lopez?" in words
    assert "no updates, and no message when a request is closed" in words
    assert "A code you ask for on the status page still comes by email" in words
    assert "check your request's status with your tracking code" in words
    html = asked.get_data(as_text=True)
    assert f'<form method="post" action="{link_url()}">' in html
    assert '<button type="submit" name="action" value="stop">Stop email</button>' in html
    assert 'name="csrf_token"' not in html
    assert "You will get no more email" not in words
    assert changes(portal) == [] and opted_out_at(portal) is None
    assert clicks("asked") == asked_before + 2


def test_stop_then_start_again_each_recorded_and_announced_once(portal: Portal) -> None:
    constituent_id = constituent_with_link(portal)
    before = {outcome: clicks(outcome) for outcome in ("stopped", "resumed", "unchanged")}

    stopped = portal.client.post(link_url(), data={"action": "stop"})

    assert stopped.status_code == 200
    words = text_of(stopped)
    assert STOPPED in words
    assert "You get no email from Office of Rep. Lopez" in words
    assert '<button type="submit" name="action" value="resume">Start email again</button>' in (
        stopped.get_data(as_text=True)
    )
    assert opted_out_at(portal) is not None
    [event] = outbox_payloads(portal.engine, CONTACT_PREFERENCES_CHANGED.event_type)
    assert set(event) == {"constituent_id", "email_opted_out", "changed_by", "changed_at"}
    assert (event["constituent_id"], event["email_opted_out"], event["changed_by"]) == (
        constituent_id,
        True,
        "constituent",
    )
    changed_at = datetime.fromisoformat(event["changed_at"])
    assert abs(datetime.now(UTC) - changed_at) < timedelta(minutes=1)
    [outbox_row] = [
        r
        for r in rows(portal.engine, "outbox")
        if r.event_type == CONTACT_PREFERENCES_CHANGED.event_type
    ]
    assert outbox_row.office_id == OFFICE

    repeated = portal.client.post(link_url(), data={"action": "stop"})
    shown = portal.client.get(link_url())

    assert repeated.status_code == 200 and STOPPED in text_of(repeated)
    assert "You get no email from Office of Rep. Lopez" in text_of(shown)
    assert STOPPED not in text_of(shown)
    assert changes(portal) == [(constituent_id, True, "constituent")]

    resumed = portal.client.post(link_url(), data={"action": "resume"})

    assert resumed.status_code == 200
    assert RESUMED in text_of(resumed)
    assert "Stop email from Office of Rep. Lopez?" in text_of(resumed)
    assert opted_out_at(portal) is None
    assert changes(portal) == [
        (constituent_id, True, "constituent"),
        (constituent_id, False, "constituent"),
    ]
    assert clicks("stopped") == before["stopped"] + 1
    assert clicks("unchanged") == before["unchanged"] + 1
    assert clicks("resumed") == before["resumed"] + 1


def test_a_mail_providers_one_click_post_stops_email_without_cookie_or_token(
    portal: Portal,
) -> None:
    constituent_id = constituent_with_link(portal)
    provider = portal.app.test_client()  # no cookie, no session, no form of ours

    unsubscribed = provider.post(
        link_url(),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    again = provider.post(link_url(), data=ONE_CLICK)

    assert unsubscribed.status_code == 200 and again.status_code == 200
    assert STOPPED in text_of(unsubscribed)
    assert changes(portal) == [(constituent_id, True, "constituent")]


@pytest.mark.parametrize("data", [{"action": "unsubscribe"}, {}, {"List-Unsubscribe": "Yes"}])
def test_a_post_asking_neither_is_refused_and_records_nothing(
    portal: Portal, data: dict[str, str]
) -> None:
    constituent_with_link(portal)
    invalid_before = clicks("invalid")

    refused = portal.client.post(link_url(), data=data)

    assert refused.status_code == 422
    assert "Nothing was changed" in text_of(refused)
    assert "Stop email from Office of Rep. Lopez?" in text_of(refused)
    assert changes(portal) == [] and opted_out_at(portal) is None
    assert clicks("invalid") == invalid_before + 1


@pytest.mark.parametrize("token", [TOKEN[::-1], "short", "x" * 200, "not a token!"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_link_nobody_offered_is_not_known(portal: Portal, token: str, method: str) -> None:
    constituent_with_link(portal)
    unknown_before = clicks("unknown_link")

    unknown = getattr(portal.client, method)(link_url(token=token), data={"action": "stop"})

    assert unknown.status_code == 404
    assert "We do not know this link" in text_of(unknown)
    assert changes(portal) == [] and opted_out_at(portal) is None
    assert clicks("unknown_link") == unknown_before + 1


def test_another_offices_address_does_not_open_the_link(portal: Portal) -> None:
    constituent_with_link(portal)
    register_office(portal.engine, office_id="rep-other", name="Office of Rep. Other")

    elsewhere = portal.client.post(link_url(office="rep-other"), data={"action": "stop"})
    nowhere = portal.client.post(link_url(office="rep-nobody"), data={"action": "stop"})

    assert elsewhere.status_code == 404
    assert "We do not know this link" in text_of(elsewhere)
    assert nowhere.status_code == 404
    assert "Page not found" in text_of(nowhere)
    assert changes(portal) == [] and opted_out_at(portal) is None


def test_the_page_speaks_the_constituents_language(portal: Portal) -> None:
    constituent_with_link(portal, language="es")

    asked = portal.client.get(link_url())
    stopped = portal.client.post(link_url(), data={"action": "stop"})

    assert 'lang="es"' in asked.get_data(as_text=True)
    assert "¿Dejar de recibir correos de Office of Rep. Lopez?" in text_of(asked)
    assert "Dejar de recibir correos" in text_of(asked)
    assert "Ya no recibirá más correos de Office of Rep. Lopez." in text_of(stopped)
    assert "Volver a recibir correos" in text_of(stopped)
    # A browser that chose English gets English.
    english = portal.app.test_client().get(link_url() + "?lang=en")
    assert "You get no email from Office of Rep. Lopez" in text_of(english)


def test_a_replayed_offer_keeps_the_choice_already_made(portal: Portal) -> None:
    constituent_id = constituent_with_link(portal)
    portal.client.post(link_url(), data={"action": "stop"})

    offer(portal, constituent_id)

    [link] = rows(portal.engine, "unsubscribe_links")
    assert (link.constituent_id, link.token_sha256, link.office_id) == (
        constituent_id,
        DIGEST,
        OFFICE,
    )
    assert opted_out_at(portal) is not None
    assert "You get no email from" in text_of(portal.client.get(link_url()))


def test_of_two_clicks_at_once_the_second_finds_the_first_and_changes_nothing(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    constituent_id = constituent_with_link(portal)
    read = UnsubscribeRepository.preferences
    meanwhile: list[str] = []

    def read_then_another_click_commits(self: Any, constituent: str) -> Any:
        found = read(self, constituent)
        if not meanwhile:  # the other click (a mail provider's one-click post) wins the race
            meanwhile.append(constituent)
            with portal.engine.begin() as connection:
                connection.execute(
                    CONSTITUENTS.update()
                    .where(CONSTITUENTS.c.id == constituent)
                    .values(email_opted_out_at=datetime.now(UTC))
                )
        return found

    monkeypatch.setattr(UnsubscribeRepository, "preferences", read_then_another_click_commits)

    answer = portal.client.post(link_url(), data={"action": "stop"})

    assert meanwhile == [constituent_id]
    assert answer.status_code == 200 and STOPPED in text_of(answer)
    assert opted_out_at(portal) is not None
    assert changes(portal) == []  # the winner's announcement is its own; this one made none


def test_staff_change_is_recorded_on_the_constituent_and_announced_as_staffs(
    portal: Portal,
) -> None:
    constituent_id = constituent_with_link(portal)
    db = portal.app.extensions["intake_db"]

    preferences, changed = unsubscribe.set_email_opt_out(
        db, OFFICE, CASEWORKER, constituent_id, True
    )
    _, again = unsubscribe.set_email_opt_out(db, OFFICE, CASEWORKER, constituent_id, True)

    assert changed and not again and preferences.email_opted_out
    assert opted_out_at(portal) is not None
    assert changes(portal) == [(constituent_id, True, "staff")]
    assert "You get no email from" in text_of(portal.client.get(link_url()))
    audited = [(r.action, r.subject_id, r.actor) for r in rows(portal.engine, "audit_log")]
    assert ("constituent.email_stopped", constituent_id, "u-3") in audited
    with pytest.raises(NotFound):
        unsubscribe.set_email_opt_out(db, OFFICE, CASEWORKER, "c" * 36, True)


# -- The worker: notify's event from the broker, staff's call over RPC -------------------------


def test_the_rpc_method_validates_its_arguments_and_answers_the_preferences(
    portal: Portal,
) -> None:
    """The entrypoint's own work, on each database, without a broker: nameko's worker with
    the portal's database and the caller the gateway's RPC context makes."""
    constituent_id = constituent_with_link(portal)
    db = portal.app.extensions["intake_db"]

    def worker(actor: Actor = CASEWORKER, office_id: str = OFFICE) -> Any:
        return worker_factory(IntakeService, db=db, caller=Caller(actor, office_id))

    stopped = worker().set_email_opt_out(OFFICE, constituent_id, True)
    again = worker().set_email_opt_out(OFFICE, constituent_id, True)

    assert set(stopped) == {"constituent_id", "email_opted_out", "email_opted_out_at", "changed"}
    assert (stopped["constituent_id"], stopped["email_opted_out"], stopped["changed"]) == (
        constituent_id,
        True,
        True,
    )
    assert datetime.fromisoformat(stopped["email_opted_out_at"]) == opted_out_at(portal)
    assert again == {**stopped, "changed": False}
    assert changes(portal) == [(constituent_id, True, "staff")]
    for refused, call in [
        (ValidationFailed, lambda: worker().set_email_opt_out(OFFICE, constituent_id, "yes")),
        (ValidationFailed, lambda: worker().set_email_opt_out(OFFICE, "c-1", False)),
        (ValidationFailed, lambda: worker().set_email_opt_out("Not An Office", constituent_id, 0)),
        (NotFound, lambda: worker().set_email_opt_out(OFFICE, "c" * 36, False)),
        (
            NotFound,
            lambda: worker(office_id="rep-other").set_email_opt_out(OFFICE, constituent_id, False),
        ),
        (Forbidden, lambda: worker(INTERN).set_email_opt_out(OFFICE, constituent_id, False)),
    ]:
        with pytest.raises(refused):
            call()
    assert changes(portal) == [(constituent_id, True, "staff")]
    resumed = worker().set_email_opt_out(OFFICE, constituent_id, False)
    assert (resumed["email_opted_out"], resumed["email_opted_out_at"], resumed["changed"]) == (
        False,
        None,
        True,
    )


def staff(role: str = "caseworker", office_id: str = OFFICE) -> dict[str, str]:
    return {"user_id": "u-3", "role": role, "office_id": office_id, "origin": "web 203.0.113.9"}


def test_the_worker_keeps_notifys_link_and_takes_staffs_change_over_rpc(
    intake: dict[str, Any], publish_event: Any
) -> None:
    portal = make_portal(intake["engine"])
    try:
        assert portal.submit(valid_submission()).status_code == 202
    finally:
        portal.close()
    [constituent] = rows(intake["engine"], "constituents")
    payload = {"constituent_id": constituent.id, "token_sha256": DIGEST, "offered_at": OFFERED_AT}

    publish_event(UNSUBSCRIBE_OFFERED, payload, office_id=OFFICE)

    [link] = wait_until(
        lambda: rows(intake["engine"], "unsubscribe_links"), message="the link was never kept"
    )
    assert (link.office_id, link.constituent_id, link.token_sha256) == (
        OFFICE,
        constituent.id,
        DIGEST,
    )
    with ClusterRpcClient(context_data=staff()) as rpc:
        stopped = rpc.intake.set_email_opt_out(OFFICE, constituent.id, True)
        again = rpc.intake.set_email_opt_out(OFFICE, constituent.id, True)
    assert stopped["changed"] and not again["changed"]
    assert stopped["constituent_id"] == constituent.id and again["email_opted_out"] is True
    assert stopped["email_opted_out_at"] == again["email_opted_out_at"] is not None
    assert [
        (event["email_opted_out"], event["changed_by"])
        for event in outbox_payloads(intake["engine"], CONTACT_PREFERENCES_CHANGED.event_type)
    ] == [(True, "staff")]


@pytest.mark.parametrize(
    ("context", "arguments", "refusal"),
    [
        (staff(), ("c" * 36, True), NotFound),
        (staff(office_id="rep-other"), (None, True), NotFound),
        (staff(role="read_only"), (None, True), Forbidden),
        (staff(), (None, "yes"), ValidationFailed),
        (staff(), ("c-1", True), ValidationFailed),
    ],
)
def test_the_rpc_refuses_unknown_constituents_other_offices_interns_and_guesses(
    intake: dict[str, Any], context: dict[str, str], arguments: tuple[Any, Any], refusal: Any
) -> None:
    portal = make_portal(intake["engine"])
    try:
        assert portal.submit(valid_submission()).status_code == 202
    finally:
        portal.close()
    [constituent] = rows(intake["engine"], "constituents")
    constituent_id, opted_out = arguments

    with ClusterRpcClient(context_data=context) as rpc, pytest.raises(refusal):
        rpc.intake.set_email_opt_out(OFFICE, constituent_id or constituent.id, opted_out)

    assert rows(intake["engine"], "constituents")[0].email_opted_out_at is None
    assert outbox_payloads(intake["engine"], CONTACT_PREFERENCES_CHANGED.event_type) == []
