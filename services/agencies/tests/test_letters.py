"""Letter templates: checked when saved (unknown fields and syntax errors with their lines),
filled in inside a sandbox, and redacted (SSNs masked everywhere, public notes by choice)."""

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.agencies.domain.default_templates import DEFAULT_TEMPLATES
from services.agencies.domain.letter_fields import (
    FIELDS,
    SAMPLE_CONTEXT,
    Letterhead,
    letter_context,
)
from services.agencies.domain.letters import check_template, render_letter, template_fields
from services.agencies.domain.redaction import SSN_MASKED, Redaction, mask_ssns
from services.chassis.errors import ValidationFailed

LETTERHEAD = Letterhead(
    office_name="Office of Congresswoman Jane Smith",
    member_name="Jane Smith",
    address_lines=("1234 Longworth House Office Building", "Washington, DC 20515"),
    phone="(202) 555-0100",
    email="casework@smith.house.example",
)


def context(**changes: Any) -> dict[str, Any]:
    case = {
        "reference": "CW-2026-000042",
        "subject": "a delayed retirement benefit",
        "category": "social_security",
        "opened_on": date(2026, 1, 5),
        "description": "They told me my SSN 123-45-6789 was wrong.",
        "public_notes": ["Called SSA on 6 Jan."],
    }
    case.update(changes.pop("case", {}))
    identifiers = {"ssn": "123-45-6789", "date_of_birth": "1958-04-02"}
    identifiers.update(changes.pop("identifiers", {}))
    return letter_context(
        case=case,
        constituent={
            "name": "Maria Gonzalez",
            "address_lines": ["12 Elm Street", "Springfield, IL"],
        },
        identifiers=identifiers,
        agency={
            "name": "Social Security Administration",
            "liaison_office": "Congressional Affairs",
        },
        contact=changes.pop("contact", {"name": "Pat Lee", "programme": "Retirement"}),
        letterhead=LETTERHEAD,
        caseworker_name="Sam Carter",
        today=date(2026, 1, 12),
    )


# -- checking a template when it is saved --------------------------------------------------


def test_every_default_template_passes_the_check() -> None:
    names = [name for name, _, _ in DEFAULT_TEMPLATES]

    assert {"Congressional inquiry", "Follow-up", "Referral"} <= set(names)
    for _, subject, body in DEFAULT_TEMPLATES:
        assert check_template(subject, body) == {}


def test_an_unknown_attribute_is_refused_with_its_line() -> None:
    problems = check_template(
        "Inquiry", "Dear {{ contact.name }},\n\nThe colour:\n{{ case.colour }}"
    )

    assert problems == {"body": ["line 4: unknown field 'case.colour'"]}


def test_an_unknown_top_level_name_is_refused_with_its_line() -> None:
    assert check_template("Re {{ member }}", "ok") == {
        "subject": ["line 1: unknown field 'member'"]
    }


def test_unknown_fields_in_branches_the_sample_does_not_take_are_refused_too() -> None:
    body = "a\n{% if not case.reference %}\n{{ case['nickname'] }}\n{% endif %}"

    assert check_template("s", body) == {"body": ["line 3: unknown field 'case.nickname'"]}


def test_an_attribute_the_value_does_not_have_is_refused_with_its_line() -> None:
    problems = check_template("s", "one\ntwo\n{{ case.reference.colour }}")

    assert problems == {"body": ["line 3: 'str object' has no attribute 'colour'"]}


def test_a_syntax_error_is_refused_with_its_line_in_each_part() -> None:
    problems = check_template("Re {{ case.reference", "Dear all,\n\n{% if case.subject %}\nx")

    assert problems["subject"][0].startswith("line 1: ")
    assert problems["body"][0].startswith("line 4: ")
    assert "endif" in problems["body"][0] or "end of template" in problems["body"][0]


def test_an_empty_or_overlong_template_is_refused() -> None:
    assert check_template("", "  \n") == {
        "subject": ["the letter needs a subject"],
        "body": ["the letter needs a body"],
    }
    assert check_template("s", "x" * 20_001) == {"body": ["a body is at most 20,000 characters"]}
    assert check_template("s", "x" * 20_000) == {}


def test_a_template_cannot_reach_outside_the_sandbox() -> None:
    escape = check_template("s", "{{ case.reference.__class__.__mro__ }}")
    include = check_template("s", "{% include 'secrets.txt' %}")
    endless = check_template("s", "{% for i in range(10000000) %}{{ i }}{% endfor %}")

    assert escape["body"][0].startswith("line 1: ")
    assert include == {"body": ["line 1: a letter cannot include or extend another template"]}
    assert "at most 1000 times" in endless["body"][0]


def test_loop_variables_set_names_and_macros_are_not_unknown_fields() -> None:
    body = (
        "{% set greeting = 'Dear' %}{{ greeting }}\n"
        "{% macro line(text) %}- {{ text }}{% endmacro %}\n"
        "{% for note in case.public_notes %}{{ loop.index }} {{ line(note) }}{% endfor %}\n"
        "{{ today.year }} {{ case.opened_on.strftime('%d %B %Y') }}"
    )

    assert check_template("s", body) == {}


def test_every_field_in_the_table_can_be_used() -> None:
    body = "\n".join("{{ " + field + " }}" for field in FIELDS)

    assert check_template("s", body) == {}
    assert list(template_fields(body)) == list(FIELDS)


# -- filling in ----------------------------------------------------------------------------


def test_the_inquiry_letter_reads_like_a_congressional_inquiry() -> None:
    _, subject, body = DEFAULT_TEMPLATES[0]
    letter = render_letter(subject, body, SAMPLE_CONTEXT, Redaction())

    assert letter.subject == (
        "Congressional inquiry on behalf of Maria Gonzalez (our reference CW-2026-000042)"
    )
    assert letter.body.startswith("Dear Pat Lee,\n\nI am writing on behalf of my constituent, ")
    assert "Enclosed is a privacy release signed by Maria Gonzalez" in letter.body
    assert "I would appreciate your looking into this matter" in letter.body
    assert "Please reference case CW-2026-000042" in letter.body
    assert "Date of birth: April 2, 1958" in letter.body
    assert "Social Security number: XXX-XX-6789" in letter.body
    assert "Sincerely," in letter.body
    assert letter.body.rstrip().endswith("Enclosure: privacy release")
    assert "Jane Smith\nMember of Congress" in letter.body
    assert "123-45-6789" not in letter.body
    assert letter.redactions == (SSN_MASKED,)


def test_a_missing_contact_gets_a_formal_salutation() -> None:
    _, subject, body = DEFAULT_TEMPLATES[0]
    letter = render_letter(subject, body, context(contact=None), Redaction())

    assert letter.body.startswith("Dear Congressional Liaison,")


def test_missing_identifiers_leave_no_empty_lines_behind() -> None:
    _, subject, body = DEFAULT_TEMPLATES[0]
    letter = render_letter(subject, body, context(identifiers={"ssn": None}), Redaction())

    assert "Social Security number" not in letter.body
    assert "Claim number" not in letter.body
    assert "\n\n\n" not in letter.body.split("Sincerely,")[0]


def test_dates_and_address_lines_print_the_way_a_letter_writes_them() -> None:
    letter = render_letter(
        "{{ today }}",
        "{{ case.opened_on }} / {{ constituent.address_lines }} / {{ office.address_lines }}",
        context(),
        Redaction(),
    )

    assert letter.subject == "January 12, 2026"
    assert letter.body == (
        "January 5, 2026 / 12 Elm Street, Springfield, IL / 1234 Longworth House Office "
        "Building, Washington, DC 20515"
    )


def test_the_ssn_is_masked_in_the_field_and_in_free_text() -> None:
    letter = render_letter(
        "About {{ constituent.name }}",
        "SSN: {{ identifiers.ssn }} ({{ identifiers.ssn_last4 }})\n{{ case.description }}",
        context(),
        Redaction(),
    )

    assert letter.body == "SSN: XXX-XX-6789 (6789)\nThey told me my SSN XXX-XX-6789 was wrong."
    assert letter.redactions == (SSN_MASKED,)


def test_an_office_that_allows_it_prints_the_full_ssn() -> None:
    letter = render_letter("s", "SSN: {{ identifiers.ssn }}", context(), Redaction(mask_ssn=False))

    assert letter.body == "SSN: 123-45-6789"
    assert letter.redactions == ()


def test_ssns_typed_into_the_template_itself_are_masked_too() -> None:
    letter = render_letter("s", "Ref 987-65-4321", context(), Redaction())

    assert letter.body == "Ref XXX-XX-4321"
    assert letter.redactions == (SSN_MASKED,)


def test_nothing_is_listed_as_redacted_when_the_letter_never_showed_it() -> None:
    letter = render_letter(
        "s", "Dear {{ contact.name }}", context(), Redaction(include_public_notes=False)
    )

    assert letter.redactions == ()


def test_public_notes_are_left_out_unless_the_office_includes_them() -> None:
    body = "{% for note in case.public_notes %}Note: {{ note }}\n{% endfor %}End"

    included = render_letter("s", body, context(), Redaction())
    left_out = render_letter("s", body, context(), Redaction(include_public_notes=False))

    assert included.body == "Note: Called SSA on 6 Jan.\nEnd"
    assert left_out.body == "End"
    assert left_out.redactions == ("public notes left out (1)",)


def test_a_template_that_fails_for_this_case_is_refused_with_the_part_and_line() -> None:
    with pytest.raises(ValidationFailed) as refused:
        render_letter(
            "s",
            "a\n{{ case.public_notes[0].upper() }}",
            context(case={"public_notes": []}),
            Redaction(),
        )

    assert list(refused.value.fields) == ["body"]
    assert refused.value.fields["body"][0].startswith("line 2: ")


def test_the_subject_is_one_line() -> None:
    letter = render_letter("Re:\n  {{ case.reference }}\n", "b", context(), Redaction())

    assert letter.subject == "Re: CW-2026-000042"


# -- masking SSNs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("SSN 123-45-6789.", "SSN XXX-XX-6789."),
        ("number 123 45 6789 on file", "number XXX-XX-6789 on file"),
        ("SSN: 123456789", "SSN: XXX-XX-6789"),
        ("my social security number is 123456789", "my social security number is XXX-XX-6789"),
        ("Soc. Sec. no. 123456789", "Soc. Sec. no. XXX-XX-6789"),
        ("receipt 123456789", "receipt 123456789"),  # not clearly an SSN
        ("call (217) 555-0142", "call (217) 555-0142"),
        ("zip 62704-1234", "zip 62704-1234"),
        ("on 2026-01-05", "on 2026-01-05"),
        ("serial 1123-45-67890", "serial 1123-45-67890"),
        ("card 4111-1111-1111-1111", "card 4111-1111-1111-1111"),
    ],
)
def test_ssn_shaped_numbers_are_masked_and_others_are_not(text: str, masked: str) -> None:
    assert mask_ssns(text) == masked


def test_the_constituent_s_own_ssn_is_masked_however_it_is_written() -> None:
    text = "claim 123456789A, file 123 45 6789, bare 123456789, other 987654321"

    assert mask_ssns(text, "123-45-6789") == (
        "claim XXX-XX-6789A, file XXX-XX-6789, bare XXX-XX-6789, other 987654321"
    )


ssns = st.tuples(st.integers(0, 999), st.integers(0, 99), st.integers(0, 9999))
separators = st.sampled_from(["-", " "])
prose = st.text(alphabet=st.sampled_from("abc XYZ,.;:()\n"), max_size=20)


@settings(max_examples=200, deadline=None)
@given(ssns, separators, prose, prose)
def test_a_written_ssn_never_survives_masking(
    ssn: tuple[int, int, int], separator: str, before: str, after: str
) -> None:
    area, group, serial = ssn
    written = f"{area:03}{separator}{group:02}{separator}{serial:04}"
    masked = mask_ssns(f"{before} {written} {after}")

    assert written not in masked
    assert f"XXX-XX-{serial:04}" in masked


@settings(max_examples=200, deadline=None)
@given(ssns, prose)
def test_the_known_ssn_never_survives_in_any_field(ssn: tuple[int, int, int], words: str) -> None:
    area, group, serial = ssn
    digits = f"{area:03}{group:02}{serial:04}"
    ctx = context(
        identifiers={"ssn": digits, "claim_number": digits + "A"},
        case={"description": f"{words} {digits} {words}", "public_notes": [digits]},
    )
    body = "\n".join("{{ " + field + " }}" for field in FIELDS)
    letter = render_letter("s", body, ctx, Redaction())

    assert digits not in letter.body
    assert f"{area:03}-{group:02}-{serial:04}" not in letter.body
