"""The letter PDF: real files read back with pypdf: the letterhead, the liaison's address,
the body with its SSN masked, the release appended (its PDF pages or a scan's one page), and
a long letter flowing onto more pages."""

import io
import os
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas

from services.agencies.domain.default_templates import DEFAULT_TEMPLATES
from services.agencies.domain.letter_fields import Letterhead, letter_context
from services.agencies.domain.letters import LetterText, render_letter
from services.agencies.domain.redaction import Redaction
from services.agencies.letter_pdf import UNICODE_FONT_DIR, render_letter_pdf

LETTERHEAD = Letterhead(
    office_name="Office of Congresswoman Jane Smith",
    member_name="Jane Smith",
    address_lines=("1234 Longworth House Office Building", "Washington, DC 20515"),
    phone="(202) 555-0100",
    email="casework@smith.house.example",
)
ADDRESSEE = (
    "Pat Lee",
    "Office of Congressional Affairs",
    "Social Security Administration",
    "6401 Security Boulevard",
    "Baltimore, MD 21235",
)


def inquiry_letter(name: str = "Maria Gonzalez", description: str = "") -> LetterText:
    _, subject, body = DEFAULT_TEMPLATES[0]
    context = letter_context(
        case={
            "reference": "CW-2026-000042",
            "subject": "a delayed retirement benefit",
            "description": description or "My SSN is 123-45-6789 and my benefit stopped.",
        },
        constituent={"name": name, "address_lines": ["12 Elm Street", "Springfield, IL 62704"]},
        identifiers={"ssn": "123-45-6789", "date_of_birth": date(1958, 4, 2)},
        agency={"name": "Social Security Administration"},
        contact={"name": "Pat Lee"},
        letterhead=LETTERHEAD,
        caseworker_name="Sam Carter",
        today=date(2026, 1, 12),
    )
    return render_letter(subject, body, context, Redaction())


def pdf_of(letter: LetterText, release: tuple[bytes, str] | None = None) -> bytes:
    return render_letter_pdf(
        letter,
        letterhead=LETTERHEAD,
        date_line="January 12, 2026",
        addressee_lines=ADDRESSEE,
        signature_lines=("Staff contact: Sam Carter, (202) 555-0100",),
        release=release,
    )


def text_of(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def release_pdf(pages: int) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER)
    for number in range(1, pages + 1):
        canvas.drawString(72, 700, f"PRIVACY RELEASE page {number}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def scan(format_: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (850, 1100), (250, 250, 245)).save(buffer, format=format_)
    return buffer.getvalue()


def test_the_letter_has_the_letterhead_addressee_body_and_signature_in_order() -> None:
    pdf = pdf_of(inquiry_letter())

    assert pdf.startswith(b"%PDF-")
    [page] = text_of(pdf)
    order = [
        "Jane Smith",
        "Office of Congresswoman Jane Smith",
        "1234 Longworth House Office Building",
        "(202) 555-0100",
        "January 12, 2026",
        "Pat Lee Office of Congressional Affairs Social Security Administration",
        "Baltimore, MD 21235",
        "Re: Congressional inquiry on behalf of Maria Gonzalez",
        "Dear Pat Lee,",
        "I am writing on behalf of my constituent, Maria Gonzalez",
        "Sincerely,",
        "Member of Congress",
        "Staff contact: Sam Carter",
    ]
    positions = [page.find(part) for part in order]
    assert -1 not in positions, [part for part in order if part not in page]
    assert positions == sorted(positions)


def test_a_masked_ssn_shows_only_its_last_four() -> None:
    [page] = text_of(pdf_of(inquiry_letter()))

    assert "XXX-XX-6789" in page
    assert "123-45-6789" not in page
    assert "123456789" not in page


def test_the_pdf_is_titled_with_the_subject_and_signed_by_the_member() -> None:
    metadata = PdfReader(io.BytesIO(pdf_of(inquiry_letter()))).metadata

    assert metadata is not None
    assert metadata.title == (
        "Congressional inquiry on behalf of Maria Gonzalez (our reference CW-2026-000042)"
    )
    assert metadata.author == "Jane Smith"


def test_a_release_pdf_is_appended_as_the_last_pages() -> None:
    alone = PdfReader(io.BytesIO(pdf_of(inquiry_letter())))
    pdf = pdf_of(inquiry_letter(), release=(release_pdf(2), "application/pdf"))
    pages = text_of(pdf)

    assert len(pages) == len(alone.pages) + 2
    assert "Dear Pat Lee" in pages[0]
    assert pages[-2:] == ["PRIVACY RELEASE page 1", "PRIVACY RELEASE page 2"]
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None and metadata.author == "Jane Smith"


@pytest.mark.parametrize(
    ("format_", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")]
)
def test_a_scanned_release_adds_one_page_with_the_image(format_: str, content_type: str) -> None:
    pdf = pdf_of(inquiry_letter(), release=(scan(format_), content_type))
    reader = PdfReader(io.BytesIO(pdf))

    assert len(reader.pages) == 2
    last = reader.pages[-1]
    assert len(last.images) == 1
    assert float(last.mediabox.width) == LETTER[0]


def test_a_release_that_cannot_be_read_is_refused() -> None:
    with pytest.raises(ValueError, match="PDF, JPEG or PNG"):
        pdf_of(inquiry_letter(), release=(b"hello", "text/plain"))
    with pytest.raises(ValueError, match="not a readable PDF"):
        pdf_of(inquiry_letter(), release=(b"%PDF-1.4 broken", "application/pdf"))
    with pytest.raises(ValueError, match="not a readable image"):
        pdf_of(inquiry_letter(), release=(b"not a png", "image/png"))


def test_a_long_letter_flows_onto_further_pages_with_a_running_head() -> None:
    long_story = "\n\n".join(
        f"Paragraph {n}: the claim was sent back for more evidence and then lost." * 3
        for n in range(1, 25)
    )
    pages = text_of(pdf_of(inquiry_letter(description=long_story)))

    assert len(pages) >= 2
    assert "Jane Smith Page 2" in pages[1]
    assert "Paragraph 24" in " ".join(pages)
    assert "Sincerely," in pages[-1]  # the closing stays with its signature
    assert "Member of Congress" in pages[-1]


def test_markup_characters_in_the_text_are_printed_as_written() -> None:
    letter = LetterText("Re <urgent> & late", "Dear Pat,\n\nA <b>bold</b> claim & more.", ())

    [page] = text_of(pdf_of(letter))

    assert "Re: Re <urgent> & late" in page
    assert "A <b>bold</b> claim & more." in page


@pytest.mark.skipif(
    not os.path.exists(os.path.join(UNICODE_FONT_DIR, "DejaVuSerif.ttf")),
    reason="no Unicode serif font installed",
)
def test_names_beyond_latin_1_are_printed_with_a_unicode_font() -> None:
    [page] = text_of(pdf_of(inquiry_letter(name="Nguyễn Văn An")))

    assert "Nguyễn Văn An" in page
