"""Agencies' service layer with a fake unit of work: the suggestion for each new case, its
announcement, and redeliveries, in milliseconds and without a database or broker."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from prometheus_client import REGISTRY

from services.agencies import handlers, repository
from services.agencies.domain.directory import AgencyDirectory
from services.agencies.tests.fakes import DIRECTORY, fake_database
from services.agencies.tests.fakes import case_opened as case_opened_payload
from services.chassis.consuming import consume
from services.chassis.errors import PermanentMessageError
from services.chassis.events import IncomingEvent
from services.chassis.fakes import incoming
from services.contracts import AGENCY_SUGGESTED, CASE_OPENED, AgencySuggested

LOPEZ = "rep-lopez"
OKAFOR = "sen-okafor"
suggest = partial(handlers.suggest_agency, DIRECTORY)


def case_opened(office_id: str = LOPEZ, **overrides: Any) -> IncomingEvent[Any]:
    return incoming(CASE_OPENED, case_opened_payload(**overrides), office_id=office_id)


def counted(reason: str) -> float:
    return REGISTRY.get_sample_value("casework_agencies_suggestions_total", {"reason": reason}) or 0


def test_a_known_hint_is_suggested_and_announced_as_caused_by_the_case_opened_event() -> None:
    db = fake_database()
    event = case_opened(category="social_security", agency_hint="VA")
    before = counted("hint")

    consume(db, event, suggest)

    [published] = db.outbox
    assert (published.office_id, published.contract, published.causation_id) == (
        LOPEZ,
        AGENCY_SUGGESTED,
        event.event_id,
    )
    assert published.payload == AgencySuggested(
        case_id=event.payload.case_id,
        agency_code="VA",
        agency_name="Department of Veterans Affairs",
        reason="hint",
    )
    assert db.rows["suggestions"][(LOPEZ, event.payload.case_id)].reason == "hint"
    assert counted("hint") == before + 1


def test_without_a_known_hint_the_category_decides() -> None:
    db = fake_database()

    consume(db, case_opened(category="medicaid", agency_hint="NASA"), suggest)

    assert [(p.agency_code, p.reason) for p in db.published(AGENCY_SUGGESTED)] == [
        ("CMS", "category:medicaid")
    ]


def test_a_case_the_directory_cannot_place_is_recorded_but_not_announced() -> None:
    db = fake_database()
    event = case_opened(category="other")
    before = counted("none")

    consume(db, event, suggest)

    suggestion = db.rows["suggestions"][(LOPEZ, event.payload.case_id)]
    assert (suggestion.agency_code, suggestion.reason) == (None, "none")
    assert db.outbox == []
    assert db.inbox == {(event.event_id, "agencies")}
    assert counted("none") == before + 1


def test_a_redelivered_event_is_skipped() -> None:
    db = fake_database()
    event = case_opened(category="passport")
    consume(db, event, suggest)
    before = counted("category")

    assert consume(db, event, suggest) is None

    assert len(db.outbox) == 1 and len(db.rows["suggestions"]) == 1
    assert counted("category") == before


def test_the_same_case_announced_under_a_new_event_id_keeps_the_first_suggestion() -> None:
    db = fake_database()
    first = case_opened(category="passport")
    again = incoming(CASE_OPENED, first.payload, office_id=LOPEZ)

    consume(db, first, suggest)
    assert consume(db, again, suggest) is None

    assert len(db.outbox) == 1
    assert db.inbox == {(first.event_id, "agencies"), (again.event_id, "agencies")}


def test_the_same_case_id_in_two_offices_gets_a_suggestion_in_each() -> None:
    db = fake_database()
    lopez = case_opened(category="veterans")
    okafor = incoming(CASE_OPENED, lopez.payload, office_id=OKAFOR)

    consume(db, lopez, suggest)
    consume(db, okafor, suggest)

    assert {(p.office_id, p.payload.agency_code) for p in db.outbox} == {
        (LOPEZ, "VA"),
        (OKAFOR, "VA"),
    }


def test_an_oversized_case_id_is_refused_for_good_and_nothing_is_kept() -> None:
    db = fake_database()

    with pytest.raises(PermanentMessageError, match="longer than 64 characters"):
        consume(db, case_opened(case_id="c" * 65), suggest)

    assert db.outbox == [] and db.inbox == set() and db.rows["suggestions"] == {}


def test_nothing_is_counted_until_the_suggestion_commits() -> None:
    db = fake_database()
    before = counted("hint")

    with db.unit_of_work(office_id=LOPEZ) as uow:
        handlers.suggest_agency(DIRECTORY, uow, case_opened(agency_hint="SSA"))

    assert counted("hint") == before
    assert db.outbox == [] and db.rows["suggestions"] == {}


def test_the_directory_is_read_again_only_once_its_time_is_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[object] = []
    now = [1000.0]

    def read_directory(db: object) -> AgencyDirectory:
        reads.append(db)
        return AgencyDirectory()

    monkeypatch.setattr(repository, "read_directory", read_directory)
    cache = repository.DirectoryCache(ttl_seconds=60, clock=lambda: now[0])
    db, other = fake_database(), fake_database()

    first = cache.get(db)  # type: ignore[arg-type]
    now[0] += 59
    assert cache.get(db) is first  # type: ignore[arg-type]
    cache.get(other)  # type: ignore[arg-type]
    now[0] += 2
    cache.get(db)  # type: ignore[arg-type]

    assert reads == [db, other, db]
