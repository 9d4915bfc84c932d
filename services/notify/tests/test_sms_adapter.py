"""The SMS provider adapter against the local fake, over real HTTP: what it sends (Twilio's
form, basic auth, one connection for many texts), and how each answer is read: taken, refused
for good (a bad number), refused because they replied STOP, refused for now (429, 5xx, wrong
credentials, no provider), or in doubt (no answer in time)."""

from __future__ import annotations

import dataclasses

import pytest

from services.chassis.testing import free_port, wait_until
from services.notify.adapters.sms import (
    SmsSettings,
    TextsStopped,
    TwilioTexter,
    load_sms_settings,
)
from services.notify.domain.acknowledgements import OutgoingText
from services.notify.fake_sms import FakeSmsProvider
from services.notify.mail import SendOutcomeUnknown, SendRefused

MARIA = "+12025550134"


def text(to: str = MARIA, body: str = "We received your request.") -> OutgoingText:
    return OutgoingText(to_number=to, body=body)


def test_a_text_is_taken_and_the_provider_keeps_it(
    texter: TwilioTexter, sms_provider: FakeSmsProvider
) -> None:
    sid = texter.send(text(body="Office of Rep. Lopez: we received your request.\nReply STOP"))

    [kept] = sms_provider.texts()
    assert sid == kept["sid"] and sid.startswith("SM")
    assert kept["to"] == MARIA and kept["from"] == "+15005550006"
    assert kept["body"] == "Office of Rep. Lopez: we received your request.\nReply STOP"


def test_many_texts_go_over_one_connection(
    texter: TwilioTexter, sms_provider: FakeSmsProvider
) -> None:
    for number in range(5):
        texter.send(text(body=f"text {number}"))

    assert [kept["body"] for kept in sms_provider.texts()] == [f"text {n}" for n in range(5)]
    assert sms_provider.connections == 1


def test_a_number_that_is_not_one_is_refused_for_good(texter: TwilioTexter) -> None:
    with pytest.raises(SendRefused) as refused:
        texter.send(text(to="12345"))

    assert refused.value.permanent and refused.value.error_class == "sms:21211"
    assert "12345" not in str(refused.value)


def test_a_recipient_who_replied_stop_is_refused_as_opted_out(
    texter: TwilioTexter, sms_provider: FakeSmsProvider
) -> None:
    sms_provider.stop_number(MARIA)

    with pytest.raises(TextsStopped) as stopped:
        texter.send(text())

    assert stopped.value.permanent and stopped.value.error_class == "sms:21610"
    assert sms_provider.texts() == []


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_busy_or_failing_provider_refuses_for_now_and_the_next_try_goes(
    texter: TwilioTexter, sms_provider: FakeSmsProvider, status: int
) -> None:
    sms_provider.fail_next(status)

    with pytest.raises(SendRefused) as refused:
        texter.send(text())
    texter.send(text())

    assert not refused.value.permanent and refused.value.error_class == f"sms:http-{status}"
    assert len(sms_provider.texts()) == 1


def test_refused_credentials_are_a_setting_to_fix_not_the_texts_fault(
    sms_provider: FakeSmsProvider,
) -> None:
    settings = load_sms_settings()
    assert settings is not None
    wrong = TwilioTexter(dataclasses.replace(settings, token="not-the-token"))

    with pytest.raises(SendRefused) as refused:
        wrong.send(text())

    assert not refused.value.permanent and refused.value.error_class == "sms:http-401"
    assert "not-the-token" not in repr(settings) + repr(dataclasses.replace(settings))
    wrong.close()


def test_no_answer_in_time_leaves_the_text_in_doubt(
    texter: TwilioTexter, sms_provider: FakeSmsProvider
) -> None:
    sms_provider.delay_next(3.0)

    with pytest.raises(SendOutcomeUnknown) as unknown:
        texter.send(text())

    assert unknown.value.error_class == "sms:ReadTimeout"
    # It did go: the provider took it after notify stopped waiting (the duplicate risk).
    wait_until(sms_provider.texts, timeout=5, message="the slow text never arrived")


def test_no_provider_listening_refuses_for_now() -> None:
    settings = SmsSettings(
        url=f"http://127.0.0.1:{free_port()}", account="ACx", token="t", sender="+15005550006"
    )
    texter = TwilioTexter(settings)

    with pytest.raises(SendRefused) as refused:
        texter.send(text())

    assert not refused.value.permanent and refused.value.error_class == "sms:ConnectionError"
    texter.close()


def test_a_messaging_service_sends_in_place_of_a_number(sms_provider: FakeSmsProvider) -> None:
    service = "MG" + "0" * 32
    texter = TwilioTexter(
        SmsSettings(sms_provider.url, sms_provider.account, sms_provider.token, service)
    )

    texter.send(text())

    assert sms_provider.texts()[0]["from"] == service
    texter.close()


def test_texts_are_off_until_the_provider_is_configured_and_then_need_every_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CASEWORK_NOTIFY_SMS_URL", raising=False)
    assert load_sms_settings() is None

    monkeypatch.setenv("CASEWORK_NOTIFY_SMS_URL", "https://api.twilio.com")
    monkeypatch.setenv("CASEWORK_NOTIFY_SMS_ACCOUNT", "AC123")
    monkeypatch.delenv("CASEWORK_NOTIFY_SMS_TOKEN", raising=False)
    monkeypatch.setenv("CASEWORK_NOTIFY_SMS_FROM", "+15005550006")
    with pytest.raises(RuntimeError, match="CASEWORK_NOTIFY_SMS_TOKEN"):
        load_sms_settings()

    monkeypatch.setenv("CASEWORK_NOTIFY_SMS_TOKEN", "secret-token")
    settings = load_sms_settings()
    assert settings is not None
    assert settings.endpoint == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
    assert "secret-token" not in repr(settings)
