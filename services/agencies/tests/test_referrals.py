"""Referrals to partner organisations: the fixed referral letter's text (what it carries and
what it never carries), the PDF written with a referral and kept with it, and who may read it.
Service layer on fakes; the repository's side is in test_repository."""

from __future__ import annotations

import pytest

from services.agencies import handlers, referrals
from services.agencies.domain.referral_letter import (
    SSN_MASKED,
    ReferralParticulars,
    referral_letter_text,
)
from services.agencies.tests.fakes import rows
from services.agencies.tests.test_letter_pdf import text_of
from services.agencies.tests.test_liaison import (
    ADMIN,
    CASEWORKER,
    INTERN,
    OFFICE,
    OTHER,
    SSN,
    World,
)
from services.chassis.errors import Forbidden, NotFound, ValidationFailed

PARTICULARS = ReferralParticulars(
    constituent_name="Maria Lopez",
    reference="CW-2026-000042",
    subject="Eviction notice after a benefit stopped",
    email="maria@example.org",
    phone="555-0100",
    address_lines=("1 Main St", "Springfield, IL 62701"),
)


def letter(note: str = "", *, mask_ssn: bool = True) -> tuple[str, str, tuple[str, ...]]:
    text = referral_letter_text(
        PARTICULARS,
        partner_name="Legal Aid of the Valley",
        note=note,
        office_name="Office of Rep. Lopez",
        office_phone="(217) 555-0199",
        office_email="casework@lopez.example.gov",
        mask_ssn=mask_ssn,
    )
    return text.subject, text.body, text.redactions


def test_the_letter_introduces_the_constituent_to_the_partner() -> None:
    subject, body, redactions = letter("Needs help with the landlord before 1 Jan.")

    assert subject == "Referral of Maria Lopez (our reference CW-2026-000042)"
    assert body.startswith("Dear colleagues at Legal Aid of the Valley,")
    assert "helping Maria Lopez with the following: Eviction notice" in body
    assert "Our caseworker's note: Needs help with the landlord before 1 Jan." in body
    assert "by telephone on 555-0100" in body
    assert "by email at maria@example.org" in body
    assert "by post at 1 Main St, Springfield, IL 62701" in body
    assert "(217) 555-0199 or casework@lopez.example.gov" in body
    assert redactions == ()


def test_an_ssn_typed_into_the_note_is_masked_when_the_office_masks() -> None:
    _, masked, redactions = letter(f"Her SSN is {SSN}.")
    _, kept, kept_redactions = letter(f"Her SSN is {SSN}.", mask_ssn=False)

    assert SSN not in masked
    assert "XXX-XX-6789" in masked
    assert redactions == (SSN_MASKED,)
    assert SSN in kept
    assert kept_redactions == ()


def test_without_a_note_or_contact_details_the_letter_leaves_those_paragraphs_out() -> None:
    text = referral_letter_text(
        ReferralParticulars(constituent_name="", reference="CW-1", subject=""),
        partner_name="Food Bank",
        note="  ",
        office_name="Office of Rep. Lopez",
    )

    assert "caseworker's note" not in text.body
    assert "You can reach" not in text.body
    assert "helping a constituent of ours. We believe" in text.body
    assert text.body.endswith("about this referral. Thank you for your help.")


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    return World(monkeypatch)


def partner_of(world: World, name: str = "Legal Aid of the Valley") -> str:
    partner = handlers.save_partner(
        world.db, OFFICE, ADMIN, {"name": name, "kind": "legal_aid", "email": "intake@la.org"}
    )
    return partner.partner_id


def refer(world: World, partner_id: str, *, with_letter: bool, note: str = "") -> str:
    entry = referrals.refer_case(
        world.db,
        world.remote,
        OFFICE,
        CASEWORKER,
        case_id=world.case_id,
        partner_id=partner_id,
        note=note,
        with_letter=with_letter,
        writer_name="Casey Worker",
    )
    return str(entry["referral_id"])


def test_a_referral_with_a_letter_keeps_the_pdf_that_was_written(world: World) -> None:
    referral_id = refer(
        world, partner_of(world), with_letter=True, note=f"Landlord dispute; SSN {SSN}"
    )

    document = referrals.referral_letter(world.db, OFFICE, CASEWORKER, referral_id)

    assert document.filename == "CW-2026-000042-referral-letter.pdf"
    assert document.content_type == "application/pdf"
    text = " ".join(text_of(document.content))
    assert "Referral of Maria Lopez (our reference CW-2026-000042)" in text
    assert "Legal Aid of the Valley" in text
    assert "intake@la.org" in text
    assert "Retirement benefit delayed" in text
    assert "Landlord dispute; SSN XXX-XX-6789" in text
    assert "Casey Worker" in text
    assert SSN not in text
    assert "1950-02-03" not in text  # identifiers never travel in a referral
    assert ("particulars", None) in world.remote.calls  # asked without a release
    actions = [row.action for row in world.db.audit_log]
    assert actions[-2:] == ["case.referred", "case.referral_letter_read"]


def test_a_referral_without_a_letter_has_none_to_read(world: World) -> None:
    referral_id = refer(world, partner_of(world), with_letter=False)

    with pytest.raises(NotFound) as refused:
        referrals.referral_letter(world.db, OFFICE, CASEWORKER, referral_id)

    assert refused.value.fields == {"referral_id": ["no letter"]}
    assert not any(call[0] == "particulars" for call in world.remote.calls)


def test_another_office_cannot_read_the_letter(world: World) -> None:
    referral_id = refer(world, partner_of(world), with_letter=True)

    with pytest.raises(NotFound):
        referrals.referral_letter(world.db, OTHER, CASEWORKER, referral_id)


def test_an_intern_reads_the_letter_but_cannot_refer(world: World) -> None:
    partner_id = partner_of(world)
    referral_id = refer(world, partner_id, with_letter=True)

    assert referrals.referral_letter(world.db, OFFICE, INTERN, referral_id).content
    with pytest.raises(Forbidden):
        referrals.refer_case(
            world.db,
            world.remote,
            OFFICE,
            INTERN,
            case_id=world.case_id,
            partner_id=partner_id,
            note="",
            with_letter=True,
        )


def test_an_unknown_partner_is_refused_naming_the_field(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        refer(world, "00000000-0000-0000-0000-000000000000", with_letter=True)

    assert refused.value.fields == {"partner_id": ["not a partner here"]}
    assert "case.referred" not in [row.action for row in world.db.audit_log]
    assert rows(world.db).referrals == {}
