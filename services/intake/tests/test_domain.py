from hypothesis import given
from hypothesis import strategies as st

from services.intake.domain.submissions import (
    TRACKING_CODE,
    ConstituentDetails,
    PrivacyConsent,
    new_tracking_code,
    normalise_email,
    normalise_phone,
    signature_matches,
)


def test_tracking_codes_avoid_characters_misread_over_the_phone() -> None:
    codes = {new_tracking_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert TRACKING_CODE.match(code)
        assert not set(code) & set("01OIL")


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_the_same_us_number_written_differently_normalises_alike(digits: str) -> None:
    dashed = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    international = f"+1 {digits[:3]} {digits[3:6]} {digits[6:]}"
    assert normalise_phone(dashed) == normalise_phone(international) == digits


def test_email_matching_ignores_case_and_spaces() -> None:
    assert normalise_email("  Maria.Lopez@Example.ORG ") == "maria.lopez@example.org"
    assert normalise_email(None) is None


def test_a_signature_must_be_the_constituents_own_name() -> None:
    maria = ConstituentDetails("Maria", "Lopez", "m@example.org", None, None)
    assert signature_matches(PrivacyConsent("MARIA   lopez", ("SSA",)), maria)
    assert not signature_matches(PrivacyConsent("Maria L.", ("SSA",)), maria)
