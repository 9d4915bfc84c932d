"""Twilio's request signature, against the example in Twilio's own documentation (so a
scheme that only agrees with itself cannot pass): a good one is taken, and a wrong, missing
or empty one, a tampered parameter, an added one or another URL are refused."""

from __future__ import annotations

import pytest

from services.chassis.twilio_signature import signature_matches, twilio_signature

# Twilio's documented example: this token, URL and form give this signature.
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_the_documented_example_signs_the_same() -> None:
    assert twilio_signature(URL, PARAMS.items(), TOKEN) == SIGNATURE
    assert signature_matches(URL, PARAMS.items(), TOKEN, SIGNATURE)


def test_the_order_the_parameters_came_in_does_not_matter() -> None:
    assert signature_matches(URL, reversed(list(PARAMS.items())), TOKEN, SIGNATURE)


@pytest.mark.parametrize(
    ("url", "params", "token", "given"),
    [
        (URL, PARAMS, TOKEN, "RSOYDt4T1cUTdK1PDd93/VVr8B8X"),  # wrong
        (URL, PARAMS, TOKEN, None),  # missing
        (URL, PARAMS, TOKEN, ""),
        (URL, PARAMS, TOKEN, "not ascii \N{CJK UNIFIED IDEOGRAPH-738B}"),
        (URL, {**PARAMS, "Digits": "9999"}, TOKEN, SIGNATURE),  # a tampered parameter
        (URL, {**PARAMS, "Body": "STOP"}, TOKEN, SIGNATURE),  # an added one
        (URL + "&baz=3", PARAMS, TOKEN, SIGNATURE),  # another URL
        (URL, PARAMS, "54321", SIGNATURE),  # another account's token
        (URL, PARAMS, "", SIGNATURE),  # no token: nothing is the provider's
    ],
)
def test_anything_else_is_refused(
    url: str, params: dict[str, str], token: str, given: str | None
) -> None:
    assert not signature_matches(url, params.items(), token, given)


def test_the_url_with_or_without_its_default_port_is_the_same_webhook() -> None:
    with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    assert signature_matches(with_port, PARAMS.items(), TOKEN, SIGNATURE)
    signed_with_port = twilio_signature(with_port, PARAMS.items(), TOKEN)
    assert signature_matches(URL, PARAMS.items(), TOKEN, signed_with_port)
    elsewhere = "https://mycompany.com:8443/myapp.php?foo=1&bar=2"
    assert not signature_matches(elsewhere, PARAMS.items(), TOKEN, SIGNATURE)


def test_a_repeated_parameter_is_signed_value_by_value_in_order() -> None:
    pairs = [("Digits", "5678"), ("Digits", "1234")]
    signed = twilio_signature(URL, pairs, TOKEN)
    assert signed == twilio_signature(URL, [("Digits", "1234"), ("Digits", "5678")], TOKEN)
    assert not signature_matches(URL, [("Digits", "1234")], TOKEN, signed)
