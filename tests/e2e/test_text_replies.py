"""A constituent's STOP to the platform's number, through every process and RabbitMQ: the
fake SMS provider posts it to intake-web's webhook signed as Twilio signs it, intake-web keeps
it and its outbox relay publishes it, notify takes it, and the next text to that phone is
skipped as opted out without the provider being asked; after a START texts go again. On
PostgreSQL, behind the tenant wall (the units of work on each side are tested on SQLite too)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.notify.fake_sms import FakeSmsProvider
from tests.e2e.system import System

pytestmark = pytest.mark.e2e

PHONE = "+12025550134"
REPLIED_STOP = "the constituent replied STOP to our texts"


@pytest.fixture(scope="module")
def sms_provider() -> Iterator[FakeSmsProvider]:
    fake = FakeSmsProvider().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def texting_system(
    sms_provider: FakeSmsProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    """The whole system on PostgreSQL with texts on, the provider's replies going to its
    intake-web (whose webhook checks them with notify's SMS token)."""
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("CASEWORK_NOTIFY_SMS_URL", sms_provider.url)
        environment.setenv("CASEWORK_NOTIFY_SMS_ACCOUNT", sms_provider.account)
        environment.setenv("CASEWORK_NOTIFY_SMS_TOKEN", sms_provider.token)
        environment.setenv("CASEWORK_NOTIFY_SMS_FROM", "+15005550006")
        system = System(Path(tmp_path_factory.mktemp("system-texts")), "postgresql")
        try:
            system.start()
            sms_provider.webhook_url = system.url("intake-web", "/webhooks/sms")
            yield system
        finally:
            system.stop()


def wants_texts(system: System, n: int) -> Any:
    constituent = {
        "first_name": "Test",
        "last_name": f"Texter{n}",
        "phone": "(202) 555-0134",
        "preferred_channel": "sms",
    }
    answer = system.submit(n, constituent=constituent)
    assert answer.status_code == 202, answer.text
    return answer.json()


def opted_out(system: System) -> bool | None:
    found = system.query(
        "notify", "SELECT opted_out FROM text_opt_outs WHERE phone_number = :p", p=PHONE
    )
    return bool(found[0][0]) if found else None


def acknowledgements(system: System) -> list[tuple[str, str | None]]:
    return [
        (row.status, row.skip_reason)
        for row in system.query(
            "notify",
            "SELECT status, skip_reason FROM deliveries "
            "WHERE kind = 'acknowledgement' AND channel = 'sms' ORDER BY created_at",
        )
    ]


def test_a_stop_texted_to_the_platform_stops_the_next_text_and_a_start_lets_them_go(
    texting_system: System, sms_provider: FakeSmsProvider
) -> None:
    system = texting_system

    assert sms_provider.reply(PHONE, "Stop") == 200
    system.wait_for(
        lambda: opted_out(system) is True,
        30,
        lambda: "notify never took the STOP:\n" + system.log_tail("notify"),
    )
    # The provider forgets its own STOP: only notify's record can keep the text from going.
    sms_provider.start_number(PHONE)
    wants_texts(system, 1)
    system.wait_for(
        lambda: acknowledgements(system) == [("skipped", REPLIED_STOP)],
        60,
        lambda: f"not skipped ({acknowledgements(system)}):\n" + system.log_tail("notify"),
    )
    assert sms_provider.sends == 0 and sms_provider.texts() == []

    assert sms_provider.reply(PHONE, "START") == 200
    system.wait_for(lambda: opted_out(system) is False, 30, "notify never took the START")
    wants_texts(system, 2)

    [text] = system.wait_for(sms_provider.texts, 60, lambda: system.log_tail("notify"))
    assert text["to"] == PHONE
    # The provider has the text before notify settles its delivery (send, then record): wait
    # for the record rather than read it the moment the text arrives.
    system.wait_for(
        lambda: acknowledgements(system) == [("skipped", REPLIED_STOP), ("sent", None)],
        30,
        lambda: f"not settled as sent ({acknowledgements(system)}):\n" + system.log_tail("notify"),
    )
