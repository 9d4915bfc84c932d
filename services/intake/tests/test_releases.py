"""Privacy releases without I/O: identifier rules, the text signed, and the Release aggregate
from signature through expiry and revocation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.chassis.errors import Conflict, ValidationFailed
from services.contracts import PRIVACY_RELEASE_REVOKED, PRIVACY_RELEASE_SIGNED
from services.intake.domain.identifiers import (
    IDENTIFIER_KINDS,
    mask_identifiers,
    validate_identifiers,
)
from services.intake.domain.releases import LEGACY_VALID_DAYS, Release, signature_is_name
from services.intake.domain.signed_text import (
    DEFAULT_RELEASE_TEXTS,
    ReleaseTextTemplate,
    RenderedReleaseText,
    format_date,
    join_names,
    render_release_text,
)

TODAY = date(2026, 12, 3)
SIGNED_AT = datetime(2026, 12, 3, 15, 4, 5, tzinfo=UTC)
AGENCIES = ("Social Security Administration", "Department of Veterans Affairs")


def identifiers(**raw: str | None) -> dict[str, str]:
    return validate_identifiers(raw, today=TODAY)


def refusal(kind: str, value: str) -> list[str]:
    with pytest.raises(ValidationFailed) as refused:
        identifiers(**{kind: value})
    error = refused.value
    assert list(error.fields) == [f"identifiers.{kind}"]
    assert value.strip() not in str(error.to_dict())
    return list(error.fields[f"identifiers.{kind}"])


# -- Identifiers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        ("ssn", "123-45-6789", "123-45-6789"),
        ("ssn", "123456789", "123-45-6789"),
        ("ssn", " 123 45 6789 ", "123-45-6789"),
        ("ssn_last4", "6789", "6789"),
        ("ssn_last4", " 0001 ", "0001"),
        ("date_of_birth", "1958-04-23", "1958-04-23"),
        ("date_of_birth", "1901-01-01", "1901-01-01"),
        ("date_of_birth", "2026-12-02", "2026-12-02"),
        ("claim_number", "c-1234", "C-1234"),
        ("claim_number", "123 45 6789 A", "123456789A"),
        ("claim_number", "A" * 30, "A" * 30),
        ("receipt_number", "ioe0123456789", "IOE0123456789"),
        ("receipt_number", "EAC-21-123-45678", "EAC2112345678"),
        ("a_number", "A123456789", "A123456789"),
        ("a_number", "123456789", "A123456789"),
        ("a_number", "a-12345678", "A012345678"),
        ("a_number", "A 123 456 789", "A123456789"),
        ("va_file_number", "12345678", "12345678"),
        ("va_file_number", "123 456 789", "123456789"),
    ],
)
def test_identifiers_are_stored_in_one_written_form(kind: str, typed: str, stored: str) -> None:
    assert identifiers(**{kind: typed}) == {kind: stored}


REFUSED: list[tuple[str, str, str]] = [
    ("ssn", "12345678", "9 digits"),
    ("ssn", "1234567890", "9 digits"),
    ("ssn", "123-45-678O", "9 digits"),
    # Full-width digits are digits to `str.isdigit`, not to an agency.
    ("ssn", "".join(chr(0xFF10 + int(d)) for d in "123456789"), "9 digits"),
    ("ssn", "000-12-3456", "SSA issues"),
    ("ssn", "666-12-3456", "SSA issues"),
    ("ssn", "912-34-5678", "SSA issues"),
    ("ssn", "123-00-4567", "SSA issues"),
    ("ssn", "123-45-0000", "SSA issues"),
    ("ssn_last4", "678", "4 digits"),
    ("ssn_last4", "67890", "4 digits"),
    ("ssn_last4", "abcd", "4 digits"),
    ("date_of_birth", "04/23/1958", "year-month-day"),
    ("date_of_birth", "19580423", "year-month-day"),
    ("date_of_birth", "1958-02-30", "calendar"),
    ("date_of_birth", "2026-12-03", "in the past"),
    ("date_of_birth", "2031-01-01", "in the past"),
    ("date_of_birth", "1900-06-01", "after 1900"),
    ("claim_number", "123", "4 to 30"),
    ("claim_number", "A" * 31, "4 to 30"),
    ("claim_number", "12/345", "4 to 30"),
    ("claim_number", "----", "4 to 30"),
    ("receipt_number", "IOE98765432", "3 letters and 10 digits"),
    ("receipt_number", "IO0123456789", "3 letters and 10 digits"),
    ("a_number", "A9876543", "8 or 9 digits"),
    ("a_number", "A1234567890", "8 or 9 digits"),
    ("a_number", "B123456789", "8 or 9 digits"),
    ("va_file_number", "1234567", "8 or 9 digits"),
    ("va_file_number", "C12345678", "8 or 9 digits"),
]


@pytest.mark.parametrize(("kind", "typed", "says"), REFUSED)
def test_a_refused_identifier_says_what_is_expected_without_repeating_it(
    kind: str, typed: str, says: str
) -> None:
    (message,) = refusal(kind, typed)
    assert says in message


def test_empty_identifiers_are_dropped_and_the_rest_come_in_a_fixed_order() -> None:
    given_ = identifiers(va_file_number="12345678", ssn="", a_number="   ", ssn_last4=None)
    assert given_ == {"va_file_number": "12345678"}
    both = identifiers(ssn_last4="6789", ssn="123-45-6789")
    assert list(both) == ["ssn", "ssn_last4"]
    assert list(IDENTIFIER_KINDS) == [
        "ssn",
        "ssn_last4",
        "date_of_birth",
        "claim_number",
        "receipt_number",
        "a_number",
        "va_file_number",
    ]


def test_every_bad_identifier_and_unknown_kind_is_named_at_once() -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_identifiers(
            {
                "ssn": "000-00-0000",
                "a_number": "A1",
                "passport": "X1234567",
                "Robert'); DROP TABLE": "1",
                "date_of_birth": "1958-04-23",
            },
            today=TODAY,
        )
    assert sorted(refused.value.fields) == [
        "identifiers",
        "identifiers.a_number",
        "identifiers.passport",
        "identifiers.ssn",
    ]
    assert refused.value.fields["identifiers.passport"] == ["not an identifier this form asks for"]
    assert "X1234567" not in str(refused.value.to_dict())


def test_a_date_of_birth_is_judged_against_today() -> None:
    assert validate_identifiers({"date_of_birth": "2026-12-03"}, today=date(2026, 12, 4))
    with pytest.raises(ValidationFailed):
        validate_identifiers({"date_of_birth": "2026-12-03"}, today=date(2026, 12, 3))


def test_masked_identifiers_show_at_most_the_last_four_digits() -> None:
    given_ = identifiers(
        ssn="123456789",
        ssn_last4="6789",
        date_of_birth="1958-04-23",
        claim_number="C-12345678",
        receipt_number="IOE0123456789",
        a_number="A12345678",
    )
    assert mask_identifiers(given_) == {
        "ssn": "•••-••-6789",
        "ssn_last4": "6789",
        "date_of_birth": "••••-••-••",
        "claim_number": "C-••••5678",
        "receipt_number": "IOE••••••6789",
        "a_number": "A•••••5678",
    }


def messages_refusing(kind: str) -> set[str]:
    """Every message the rule for `kind` refuses the values of `REFUSED` with."""
    return {message for k, typed, _ in REFUSED if k == kind for message in refusal(k, typed)}


kinds = st.sampled_from(list(IDENTIFIER_KINDS))
MESSAGES = {kind: messages_refusing(kind) for kind in IDENTIFIER_KINDS}


@given(kinds, st.text(max_size=40))
def test_any_text_is_either_refused_with_a_fixed_message_or_stored_in_a_stable_form(
    kind: str, typed: str
) -> None:
    try:
        stored = validate_identifiers({kind: typed}, today=TODAY)
    except ValidationFailed as refused:
        # A message from a fixed set cannot carry what was typed.
        (message,) = refused.fields[f"identifiers.{kind}"]
        assert message in MESSAGES[kind]
        return
    if stored:
        # What is stored, typed again, is stored the same: one written form per identifier.
        assert validate_identifiers(stored, today=TODAY) == stored
        assert stored[kind].isascii()


@given(st.from_regex(r"[1-578][0-9]{2}", fullmatch=True), st.sampled_from(["", "-", " ", " - "]))
def test_an_ssn_typed_any_common_way_is_the_same_ssn(area: str, separator: str) -> None:
    typed = separator.join([area, "12", "3456"])
    assert identifiers(ssn=typed) == {"ssn": f"{area}-12-3456"}


# -- The text signed ---------------------------------------------------------------------------


def rendered(language: str = "en", **overrides: Any) -> RenderedReleaseText:
    values: dict[str, Any] = {
        "office_name": "Office of Congresswoman Ana Peña",
        "constituent_name": "María José Núñez",
        "agency_names": AGENCIES,
        "expires_on": date(2027, 12, 3),
    }
    values.update(overrides)
    return render_release_text(DEFAULT_RELEASE_TEXTS[language], **values)  # type: ignore[index]


def test_the_english_text_names_the_office_constituent_agencies_law_and_expiry() -> None:
    text = rendered("en")
    assert (text.version, text.language) == ("2026-12", "en")
    assert text.text.startswith("I, María José Núñez, ask Office of Congresswoman Ana Peña")
    assert (
        "agencies: Social Security Administration and Department of Veterans Affairs." in text.text
    )
    assert "Privacy Act of 1974 (5 U.S.C. 552a(b))" in text.text
    assert "valid until December 3, 2027, unless I revoke it earlier" in text.text
    assert "same legal effect as my signature on paper" in text.text
    assert "{" not in text.text


def test_the_spanish_text_is_spanish_with_its_accents_and_dates() -> None:
    text = rendered("es")
    assert text.language == "es"
    assert text.text.startswith("Yo, María José Núñez, solicito la ayuda de Office of")
    assert "Ley de Privacidad de 1974 (5 U.S.C. 552a(b))" in text.text
    assert "válida hasta el 3 de diciembre de 2027, salvo que yo la revoque antes" in text.text
    assert "trámite" in text.text
    assert "electrónicamente" in text.text
    assert "Social Security Administration y Department of Veterans Affairs" in text.text


def test_the_sha256_is_of_the_exact_text_shown() -> None:
    import hashlib

    text = rendered("es")
    assert text.sha256 == hashlib.sha256(text.text.encode("utf-8")).hexdigest()
    assert rendered("es") == text  # the same inputs give the same text and fingerprint


@pytest.mark.parametrize(
    "change",
    [
        {"office_name": "Office of Congresswoman Ana Pena"},
        {"constituent_name": "María José Nuñez"},
        {"agency_names": ("Social Security Administration",)},
        {"expires_on": date(2027, 12, 4)},
    ],
)
def test_any_changed_word_changes_the_fingerprint(change: dict[str, Any]) -> None:
    assert rendered("en", **change).sha256 != rendered("en").sha256


def test_an_edited_template_changes_the_fingerprint() -> None:
    template = DEFAULT_RELEASE_TEXTS["en"]
    edited = ReleaseTextTemplate(template.version, "en", template.body.replace("only", "mainly"))
    values: dict[str, Any] = {
        "office_name": "Office",
        "constituent_name": "Ana",
        "agency_names": AGENCIES,
        "expires_on": date(2027, 1, 1),
    }
    assert (
        render_release_text(edited, **values).sha256
        != render_release_text(template, **values).sha256
    )


def test_names_with_braces_are_printed_as_typed_and_never_filled_in() -> None:
    text = rendered("en", constituent_name="{agencies} {office_name.__class__}")
    assert text.text.startswith("I, {agencies} {office_name.__class__}, ask Office")


def test_a_template_that_leaves_out_a_placeholder_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        ReleaseTextTemplate("v1", "en", "I, {constituent_name}, authorize {office_name}.")
    assert refused.value.fields == {"body": ["a release text must name {agencies}, {expires_on}"]}
    with pytest.raises(ValidationFailed):
        ReleaseTextTemplate("v1", "fr", DEFAULT_RELEASE_TEXTS["en"].body)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("day", "english", "spanish"),
    [
        (date(2027, 12, 3), "December 3, 2027", "3 de diciembre de 2027"),
        (date(2027, 1, 31), "January 31, 2027", "31 de enero de 2027"),
        (date(2028, 9, 1), "September 1, 2028", "1 de septiembre de 2028"),
    ],
)
def test_dates_are_written_in_each_language_without_the_system_locale(
    day: date, english: str, spanish: str
) -> None:
    assert format_date(day, "en") == english
    assert format_date(day, "es") == spanish


@pytest.mark.parametrize(
    ("names", "language", "joined"),
    [
        (["SSA"], "en", "SSA"),
        (["SSA", "VA"], "en", "SSA and VA"),
        (["SSA", "VA", "USCIS"], "en", "SSA, VA, and USCIS"),
        (["SSA", "VA", "USCIS"], "es", "SSA, VA y USCIS"),
        (["Seguro Social", "Inmigración"], "es", "Seguro Social e Inmigración"),
        (["Seguro Social", "Hidalgo County"], "es", "Seguro Social e Hidalgo County"),
        (["Seguro Social", "Hielo"], "es", "Seguro Social y Hielo"),
    ],
)
def test_agency_names_are_joined_as_each_language_writes_a_list(
    names: list[str], language: Any, joined: str
) -> None:
    assert join_names(names, language) == joined


# -- Signing -----------------------------------------------------------------------------------


def e_signed(**overrides: Any) -> Release:
    values: dict[str, Any] = {
        "submission_id": "sub-1",
        "constituent_id": "con-1",
        "signature_name": "  maría   JOSÉ núñez ",
        "constituent_display_name": "María José Núñez",
        "agencies": ["SSA", "VA"],
        "identifier_kinds": ["va_file_number", "ssn"],
        "text": rendered("es"),
        "signer_ip": "203.0.113.7",
        "signer_user_agent": "Mozilla/5.0",
        "signed_at": SIGNED_AT,
        "valid_days": 365,
    }
    values.update(overrides)
    return Release.e_sign(**values)


def test_an_e_signed_release_keeps_the_evidence_and_holds_for_the_offices_days() -> None:
    release = e_signed()
    assert release.kind == "e_signed"
    assert release.signature_name == "maría JOSÉ núñez"
    assert release.agencies == ("SSA", "VA")
    assert release.identifier_kinds == ("ssn", "va_file_number")
    assert (release.language, release.text_version) == ("es", "2026-12")
    assert release.text_sha256 == rendered("es").sha256
    assert (release.signer_ip, release.signer_user_agent) == ("203.0.113.7", "Mozilla/5.0")
    assert release.signed_at == SIGNED_AT
    assert release.expires_at == datetime(2027, 12, 3, 15, 4, 5, tzinfo=UTC)
    assert e_signed(valid_days=90).expires_at == SIGNED_AT + timedelta(days=90)


def test_signing_records_an_event_that_satisfies_its_contract() -> None:
    release = e_signed()
    (event,) = release.pull_events()
    assert event.contract is PRIVACY_RELEASE_SIGNED
    assert PRIVACY_RELEASE_SIGNED.dump(event.payload) == {
        "release_id": release.id,
        "submission_id": "sub-1",
        "constituent_id": "con-1",
        "agencies": ["SSA", "VA"],
        "kind": "e_signed",
        "signed_at": "2026-12-03T15:04:05+00:00",
        "expires_at": "2027-12-03T15:04:05+00:00",
    }


@pytest.mark.parametrize("signature", ["Maria Jose Nunez", "María J. Núñez", "", "   "])
def test_a_signature_that_is_not_the_constituents_name_is_refused(signature: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        e_signed(signature_name=signature)
    assert list(refused.value.fields) == ["signature_name"]


def test_a_signature_matches_however_the_accent_was_typed() -> None:
    assert signature_is_name("Jose\u0301 Nu\u0301n\u0303ez", "José Núñez")
    assert signature_is_name("STRASSE", "straße")
    assert not signature_is_name("", "")


@pytest.mark.parametrize(
    ("agencies", "says"),
    [
        ([], "at least one"),
        ([f"AG{n}" for n in range(11)], "at most 10"),
        (["ssa; drop"], "not an agency"),
    ],
)
def test_a_release_names_one_to_ten_known_agencies(agencies: list[str], says: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        e_signed(agencies=agencies)
    assert says in refused.value.fields["agencies"][0]


def test_ten_agencies_named_twice_are_ten_agencies() -> None:
    codes = [f"AG{n}" for n in range(10)]
    assert e_signed(agencies=codes + codes).agencies == tuple(codes)


def test_an_unknown_identifier_kind_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        e_signed(identifier_kinds=["ssn", "passport"])
    assert list(refused.value.fields) == ["identifier_kinds"]


def test_a_long_user_agent_is_cut_to_what_is_kept() -> None:
    release = e_signed(signer_user_agent="M" * 1000, signer_ip=None)
    assert release.signer_user_agent == "M" * 300
    assert release.signer_ip is None


def test_a_naive_signing_time_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        e_signed(signed_at=datetime(2026, 12, 3, 15, 4))


# -- Filing a paper release --------------------------------------------------------------------


def wet_signed(**overrides: Any) -> Release:
    values: dict[str, Any] = {
        "submission_id": "sub-1",
        "constituent_id": "con-1",
        "agencies": ["USCIS"],
        "signed_on": date(2026, 11, 20),
        "filed_at": SIGNED_AT,
        "valid_days": 365,
        "filed_by": "staff-7",
    }
    values.update(overrides)
    return Release.file_wet_signed(**values)


def test_a_wet_signed_release_holds_from_the_day_it_was_signed() -> None:
    release = wet_signed(identifier_kinds=["a_number"], language="es")
    assert release.kind == "wet_signed"
    assert release.signature_name is None and release.text_sha256 is None
    assert release.signed_at == datetime(2026, 11, 20, tzinfo=UTC)
    assert release.expires_at == datetime(2027, 11, 20, tzinfo=UTC)
    assert (release.filed_by, release.language, release.identifier_kinds) == (
        "staff-7",
        "es",
        ("a_number",),
    )
    (event,) = release.pull_events()
    wire = PRIVACY_RELEASE_SIGNED.dump(event.payload)
    assert wire["kind"] == "wet_signed"
    assert wire["agencies"] == ["USCIS"]
    assert wire["expires_at"] == "2027-11-20T00:00:00+00:00"


def test_a_paper_signed_in_the_future_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        wet_signed(signed_on=date(2026, 12, 5))
    assert refused.value.fields["signed_on"] == [
        "the date of the signature cannot be in the future"
    ]


def test_a_paper_signed_today_where_the_day_is_ahead_of_utc_is_accepted() -> None:
    # 23:00 UTC on 3 December is 09:00 on 4 December in Guam.
    late = datetime(2026, 12, 3, 23, 0, tzinfo=UTC)
    assert wet_signed(signed_on=date(2026, 12, 4), filed_at=late).signed_at.day == 4


def test_a_paper_so_old_it_has_expired_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        wet_signed(signed_on=date(2025, 12, 1), valid_days=365)
    (message,) = refused.value.fields["signed_on"]
    assert "expired on December 1, 2026" in message
    assert wet_signed(signed_on=date(2025, 12, 4), valid_days=365).expires_at > SIGNED_AT


# -- Revocation and state over time ------------------------------------------------------------


def test_a_release_is_valid_until_it_expires() -> None:
    release = e_signed(valid_days=30)
    assert release.state(SIGNED_AT) == "valid"
    assert release.state(SIGNED_AT + timedelta(days=30) - timedelta(seconds=1)) == "valid"
    assert release.state(SIGNED_AT + timedelta(days=30)) == "expired"
    assert release.covers("SSA", SIGNED_AT + timedelta(days=1))
    assert not release.covers("IRS", SIGNED_AT + timedelta(days=1))
    assert not release.covers("SSA", SIGNED_AT + timedelta(days=31))


def test_a_constituent_revokes_and_the_release_covers_nothing_from_then_on() -> None:
    release = e_signed()
    release.pull_events()
    revoked_at = SIGNED_AT + timedelta(days=10)
    release.revoke(by="constituent", user_id=None, reason=None, at=revoked_at)
    assert release.state(revoked_at - timedelta(seconds=1)) == "valid"
    assert release.state(revoked_at) == "revoked"
    assert release.state(SIGNED_AT + timedelta(days=400)) == "revoked"  # not "expired"
    assert not release.covers("SSA", revoked_at)
    assert (release.revoked_by, release.revoked_by_user, release.revocation_reason) == (
        "constituent",
        None,
        None,
    )
    (event,) = release.pull_events()
    assert event.contract is PRIVACY_RELEASE_REVOKED
    assert PRIVACY_RELEASE_REVOKED.dump(event.payload) == {
        "release_id": release.id,
        "submission_id": "sub-1",
        "constituent_id": "con-1",
        "agencies": ["SSA", "VA"],
        "revoked_by": "constituent",
        "revoked_at": "2026-12-13T15:04:05+00:00",
    }


def test_staff_revoke_with_a_reason_kept_in_intake() -> None:
    release = e_signed()
    release.revoke(
        by="staff", user_id="staff-7", reason="  Constituent  called to withdraw ", at=SIGNED_AT
    )
    assert release.revoked_by_user == "staff-7"
    assert release.revocation_reason == "Constituent called to withdraw"
    assert "reason" not in PRIVACY_RELEASE_REVOKED.dump(release.pull_events()[-1].payload)


@pytest.mark.parametrize("reason", [None, "", "no", "x" * 501])
def test_staff_must_give_a_reason_of_three_to_five_hundred_characters(
    reason: str | None,
) -> None:
    release = e_signed()
    with pytest.raises(ValidationFailed) as refused:
        release.revoke(by="staff", user_id="staff-7", reason=reason, at=SIGNED_AT)
    assert list(refused.value.fields) == ["reason"]
    assert release.revoked_at is None


def test_a_release_is_revoked_once() -> None:
    release = e_signed()
    release.revoke(by="constituent", user_id=None, reason=None, at=SIGNED_AT)
    with pytest.raises(Conflict):
        release.revoke(by="staff", user_id="staff-7", reason="duplicate", at=SIGNED_AT)
    assert [event.contract for event in release.pull_events()] == [
        PRIVACY_RELEASE_SIGNED,
        PRIVACY_RELEASE_REVOKED,
    ]
    assert release.revoked_by == "constituent"


def test_a_stored_release_is_restored_without_recording_anything() -> None:
    release = Release.restore(
        id="rel-1",
        submission_id="sub-1",
        constituent_id="con-1",
        kind="e_signed",
        agencies=["SSA"],
        signature_name="Ana Peña",
        language="en",
        text_version="2026-11",
        text_sha256=None,
        signed_at=SIGNED_AT,
        expires_at=None,
        identifier_kinds=None,
    )
    assert release.events == []
    assert release.agencies == ("SSA",)
    assert release.identifier_kinds == ()
    # Written before releases expired: the year most offices give.
    assert release.expires_at == SIGNED_AT + timedelta(days=LEGACY_VALID_DAYS)
    assert release.state(SIGNED_AT + timedelta(days=364)) == "valid"
    assert release.state(SIGNED_AT + timedelta(days=365)) == "expired"
