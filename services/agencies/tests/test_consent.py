"""The consent gate: which release a letter rests on, and every reason it cannot go, in words
that name the agency and say what to get from the constituent."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.agencies.domain.consent import (
    ConsentDecision,
    ReleaseRecord,
    ReleaseRules,
    check_consent,
)

NOW = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
SSA = ("SSA", "Social Security Administration")
USCIS = ("USCIS", "U.S. Citizenship and Immigration Services")


def release(
    release_id: str = "r-1",
    *,
    agencies: tuple[str, ...] = ("SSA",),
    kind: str = "e_signed",
    signed_at: datetime = datetime(2026, 1, 3, 12, 0, tzinfo=UTC),
    expires_at: datetime | None = None,
    revoked_at: datetime | None = None,
    revoked_by: str | None = None,
) -> ReleaseRecord:
    return ReleaseRecord(
        release_id=release_id,
        submission_id="s-1",
        agencies=agencies,
        kind=kind,
        signed_at=signed_at,
        expires_at=expires_at or signed_at + timedelta(days=365),
        revoked_at=revoked_at,
        revoked_by=revoked_by,
    )


def check(
    releases: list[ReleaseRecord],
    agency: tuple[str, str] = SSA,
    rules: ReleaseRules | None = None,
    **kwargs: object,
) -> ConsentDecision:
    return check_consent(releases, agency[0], agency[1], rules or ReleaseRules(), now=NOW, **kwargs)  # type: ignore[arg-type]


def test_a_valid_release_naming_the_agency_allows_the_letter() -> None:
    decision = check([release()])

    assert decision.allowed
    assert decision.release_id == "r-1"
    assert decision.reasons == ()
    assert decision.remedy is None


def test_without_any_release_the_letter_is_refused_naming_the_agency() -> None:
    decision = check([])

    assert not decision.allowed
    assert decision.release is None
    assert decision.release_id is None
    assert decision.reasons == ("no privacy release names Social Security Administration (SSA)",)
    assert decision.remedy == (
        "Ask the constituent to sign a new release naming SSA from the status page link, or "
        "file a wet-signed release."
    )


def test_a_release_for_another_agency_does_not_count() -> None:
    decision = check([release(agencies=("VA", "IRS"))])

    assert not decision.allowed
    assert decision.reasons == ("no privacy release names Social Security Administration (SSA)",)


def test_agency_codes_are_matched_in_any_case() -> None:
    decision = check_consent(
        [release(agencies=("ssa",))],
        " ssa ",
        "Social Security Administration",
        ReleaseRules(),
        now=NOW,
    )

    assert decision.allowed
    assert decision.agency_code == "SSA"


def test_an_expired_release_is_refused_with_its_dates() -> None:
    decision = check(
        [
            release(
                signed_at=datetime(2025, 1, 3, 12, tzinfo=UTC),
                expires_at=datetime(2026, 1, 3, 12, tzinfo=UTC),
            )
        ]
    )

    assert not decision.allowed
    assert decision.reasons == ("the release signed 3 Jan 2025 expired on 3 Jan 2026",)


def test_a_revoked_release_is_refused_saying_who_revoked_it_and_when() -> None:
    by_constituent = check(
        [release(revoked_at=datetime(2026, 5, 1, tzinfo=UTC), revoked_by="constituent")]
    )
    by_staff = check([release(revoked_at=datetime(2026, 5, 1, tzinfo=UTC), revoked_by="staff")])

    assert not by_constituent.allowed
    assert by_constituent.reasons == (
        "the release signed 3 Jan 2026 was revoked by the constituent on 1 May 2026",
    )
    assert by_staff.reasons == (
        "the release signed 3 Jan 2026 was revoked by the office on 1 May 2026",
    )


def test_wet_only_agencies_refuse_an_online_signature_and_accept_a_handwritten_one() -> None:
    rules = ReleaseRules(signature="wet_only")
    online = check([release(agencies=("USCIS",))], USCIS, rules)
    by_hand = check([release("r-wet", agencies=("USCIS",), kind="wet_signed")], USCIS, rules)

    assert not online.allowed
    assert online.reasons == (
        "U.S. Citizenship and Immigration Services accepts only a handwritten signature; "
        "the release was signed online",
    )
    assert online.remedy is not None
    assert "USCIS" in online.remedy and "wet-signed" in online.remedy
    assert by_hand.allowed
    assert by_hand.release_id == "r-wet"


def test_a_release_older_than_the_agency_accepts_is_refused_with_its_age() -> None:
    rules = ReleaseRules(valid_days=90)
    decision = check([release(signed_at=datetime(2026, 1, 3, 12, tzinfo=UTC))], rules=rules)
    fresh = check([release(signed_at=datetime(2026, 3, 3, 12, tzinfo=UTC))], rules=rules)

    assert not decision.allowed
    assert decision.reasons == ("SSA accepts a release for 90 days; this one is 149 days old",)
    assert fresh.allowed


def test_the_age_of_a_release_is_counted_in_office_days() -> None:
    # Signed at 23:30 in Chicago on 2 Mar (05:30 UTC on 3 Mar): 91 days old there on 1 Jun.
    signed = datetime(2026, 3, 3, 5, 30, tzinfo=UTC)
    rules = ReleaseRules(valid_days=90)

    assert check([release(signed_at=signed)], rules=rules).allowed
    chicago = check([release(signed_at=signed)], rules=rules, zone="America/Chicago")
    assert not chicago.allowed
    assert chicago.reasons == ("SSA accepts a release for 90 days; this one is 91 days old",)


def test_a_closed_case_needs_a_release_signed_after_it_closed() -> None:
    rules = ReleaseRules(new_release_after_closure=True)
    closed = datetime(2026, 4, 2, 10, tzinfo=UTC)
    before = check([release()], rules=rules, case_closed_at=closed)
    after = check(
        [release(), release("r-new", signed_at=datetime(2026, 5, 1, tzinfo=UTC))],
        rules=rules,
        case_closed_at=closed,
    )

    assert not before.allowed
    assert before.reasons == (
        "the case was closed on 2 Apr 2026; a follow-up needs a release signed after that",
    )
    assert after.allowed
    assert after.release_id == "r-new"
    assert check([release()], case_closed_at=closed).allowed  # the agency does not ask


def test_every_failed_rule_is_named() -> None:
    rules = ReleaseRules(signature="wet_only", valid_days=30, new_release_after_closure=True)
    decision = check(
        [
            release(
                agencies=("USCIS",),
                revoked_at=datetime(2026, 2, 1, tzinfo=UTC),
                revoked_by="constituent",
            )
        ],
        USCIS,
        rules,
        case_closed_at=datetime(2026, 4, 2, tzinfo=UTC),
    )

    assert len(decision.reasons) == 4
    assert "revoked by the constituent on 1 Feb 2026" in decision.reasons[0]
    assert "handwritten signature" in decision.reasons[1]
    assert "149 days old" in decision.reasons[2]
    assert "closed on 2 Apr 2026" in decision.reasons[3]


def test_several_refused_releases_are_each_named_by_their_signing_date() -> None:
    rules = ReleaseRules(signature="wet_only")
    decision = check(
        [
            release("r-old", agencies=("USCIS",), signed_at=datetime(2025, 1, 3, tzinfo=UTC)),
            release("r-new", agencies=("USCIS",), signed_at=datetime(2026, 5, 3, tzinfo=UTC)),
        ],
        USCIS,
        rules,
    )

    assert decision.reasons == (
        "U.S. Citizenship and Immigration Services accepts only a handwritten signature; the "
        "release signed 3 May 2026 was signed online",
        "the release signed 3 Jan 2025 expired on 3 Jan 2026",
        "U.S. Citizenship and Immigration Services accepts only a handwritten signature; the "
        "release signed 3 Jan 2025 was signed online",
    )


def test_the_newest_valid_release_is_chosen() -> None:
    decision = check(
        [
            release("r-1", signed_at=datetime(2026, 1, 3, tzinfo=UTC)),
            release(
                "r-3",
                signed_at=datetime(2026, 5, 3, tzinfo=UTC),
                revoked_at=datetime(2026, 5, 4, tzinfo=UTC),
            ),
            release("r-2", signed_at=datetime(2026, 3, 3, tzinfo=UTC)),
        ]
    )

    assert decision.allowed
    assert decision.release_id == "r-2"


def test_a_revocation_recorded_for_later_does_not_count_yet() -> None:
    assert check([release(revoked_at=NOW + timedelta(hours=1))]).allowed


def test_rules_refuse_an_unknown_signature_rule() -> None:
    with pytest.raises(ValueError):
        ReleaseRules(signature="notarised")
    with pytest.raises(ValueError):
        ReleaseRules(valid_days=0)


moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
records = st.builds(
    release,
    release_id=st.uuids().map(str),
    agencies=st.sampled_from([("SSA",), ("VA",), ("SSA", "VA"), ("USCIS",)]),
    kind=st.sampled_from(["e_signed", "wet_signed"]),
    signed_at=moments,
    revoked_at=st.one_of(st.none(), moments),
    revoked_by=st.sampled_from(["constituent", "staff"]),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(records, max_size=5),
    st.builds(
        ReleaseRules,
        signature=st.sampled_from(["any", "wet_only"]),
        valid_days=st.one_of(st.none(), st.integers(1, 400)),
        new_release_after_closure=st.booleans(),
    ),
    st.one_of(st.none(), moments),
)
def test_an_allowed_letter_rests_on_the_newest_release_that_meets_every_rule(
    releases: list[ReleaseRecord], rules: ReleaseRules, closed: datetime | None
) -> None:
    decision = check(releases, rules=rules, case_closed_at=closed)

    if decision.allowed:
        chosen = decision.release
        assert chosen is not None and "SSA" in chosen.agencies
        assert chosen.expires_at > NOW
        assert chosen.revoked_at is None or chosen.revoked_at > NOW
        newer = [r for r in releases if "SSA" in r.agencies and r.signed_at > chosen.signed_at]
        assert all(not check([r], rules=rules, case_closed_at=closed).allowed for r in newer)
        assert decision.reasons == () and decision.remedy is None
    else:
        assert decision.release is None
        assert decision.reasons
        assert decision.remedy is not None and "SSA" in decision.remedy
