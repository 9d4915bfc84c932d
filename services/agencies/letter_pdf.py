"""The letter as the agency receives it: a PDF on the office's letterhead (reportlab), with the
constituent's signed privacy release appended as its last pages (pypdf), so the liaison has
the request and the authority for it in one file."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from reportlab.lib.colors import Color
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    HRFlowable,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
)

from services.agencies.domain.letter_fields import Letterhead
from services.agencies.domain.letters import LetterText

PDF = "application/pdf"
IMAGES = ("image/jpeg", "image/png")
MARGIN = 1 * inch
BODY_SIZE = 11
INK = Color(0.1, 0.1, 0.12)
RULE = Color(0.35, 0.38, 0.45)
MUTED = Color(0.3, 0.3, 0.33)
# Where a Unicode serif is looked for when a letter has characters the standard PDF fonts
# lack (a constituent named Nguyễn); Debian's fonts-dejavu-core puts it here.
UNICODE_FONT_DIR = os.environ.get("CASEWORK_LETTER_FONT_DIR", "/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str
    italic: str


STANDARD = _Fonts("Times-Roman", "Times-Bold", "Times-Italic")


@lru_cache(maxsize=1)
def _unicode_fonts() -> _Fonts | None:
    """DejaVu Serif registered once, or None when it is not installed."""
    files = {
        "CaseworkSerif": "DejaVuSerif.ttf",
        "CaseworkSerif-Bold": "DejaVuSerif-Bold.ttf",
        "CaseworkSerif-Italic": "DejaVuSerif-Italic.ttf",
    }
    try:
        for name, filename in files.items():
            pdfmetrics.registerFont(TTFont(name, os.path.join(UNICODE_FONT_DIR, filename)))
    except Exception:  # a missing or unreadable font: the standard fonts will do
        return None
    return _Fonts("CaseworkSerif", "CaseworkSerif-Bold", "CaseworkSerif-Italic")


def _fonts_for(texts: Sequence[str]) -> _Fonts:
    """The standard Times fonts (nothing embedded) unless some character needs more."""
    try:
        "".join(texts).encode("cp1252")
    except UnicodeEncodeError:
        return _unicode_fonts() or STANDARD
    return STANDARD


@dataclass(frozen=True)
class _Styles:
    member: ParagraphStyle
    office: ParagraphStyle
    contact: ParagraphStyle
    body: ParagraphStyle
    subject: ParagraphStyle

    @classmethod
    def of(cls, fonts: _Fonts) -> _Styles:
        body = ParagraphStyle(
            "body",
            fontName=fonts.regular,
            fontSize=BODY_SIZE,
            leading=BODY_SIZE * 1.2,
            textColor=INK,
            alignment=TA_LEFT,
            spaceAfter=BODY_SIZE * 0.75,
        )
        return cls(
            member=ParagraphStyle(
                "member",
                parent=body,
                fontName=fonts.bold,
                fontSize=17,
                leading=21,
                alignment=TA_CENTER,
                spaceAfter=2,
            ),
            office=ParagraphStyle(
                "office",
                parent=body,
                fontName=fonts.italic,
                fontSize=11,
                leading=14,
                alignment=TA_CENTER,
                spaceAfter=3,
            ),
            contact=ParagraphStyle(
                "contact",
                parent=body,
                fontSize=8.5,
                leading=11,
                alignment=TA_CENTER,
                textColor=MUTED,
                spaceAfter=0,
            ),
            body=body,
            subject=ParagraphStyle("subject", parent=body, fontName=fonts.bold),
        )


def render_letter_pdf(
    letter: LetterText,
    *,
    letterhead: Letterhead,
    date_line: str,
    addressee_lines: Sequence[str],
    signature_lines: Sequence[str],
    release: tuple[bytes, str] | None = None,
) -> bytes:
    """The letter on US Letter pages: letterhead, date, the liaison's address block, "Re:"
    and the body (wrapped, onto further pages as needed), then `signature_lines` as given
    (the default templates already close with "Sincerely," and the member's name, so pass
    what follows, such as the caseworker's contact block, or nothing). A `release` of
    (bytes, content type) is appended: a PDF's own pages, or a JPEG/PNG scan on a page of
    its own. `ValueError` when the release cannot be read."""
    texts = [
        letter.subject,
        letter.body,
        date_line,
        *addressee_lines,
        *signature_lines,
        letterhead.office_name,
        letterhead.member_name,
        *letterhead.address_lines,
        letterhead.phone,
        letterhead.email,
    ]
    fonts = _fonts_for(texts)
    styles = _Styles.of(fonts)
    buffer = io.BytesIO()
    document = _document(buffer, letter, letterhead, fonts)
    story = [
        *_letterhead(letterhead, styles),
        Spacer(1, 16),
        Paragraph(escape(date_line), styles.body),
        Spacer(1, 6),
        *_block(addressee_lines, styles.body),
        Spacer(1, 4),
        Paragraph(f"Re: {escape(letter.subject)}", styles.subject),
        Spacer(1, 4),
        *_body(letter.body, styles.body, signature_lines),
    ]
    document.build(story)
    pdf = buffer.getvalue()
    if release is None:
        return pdf
    return _append(pdf, *release)


def _document(
    buffer: io.BytesIO, letter: LetterText, letterhead: Letterhead, fonts: _Fonts
) -> BaseDocTemplate:
    """Letter pages: the first starts high under the letterhead; later ones leave room for
    a running head (who writes, the page number)."""
    width, height = LETTER
    first_top, later_top, bottom = 0.6 * inch, 1.0 * inch, 0.8 * inch
    first = Frame(MARGIN, bottom, width - 2 * MARGIN, height - first_top - bottom, id="first")
    later = Frame(MARGIN, bottom, width - 2 * MARGIN, height - later_top - bottom, id="later")
    writer = letterhead.member_name or letterhead.office_name
    return BaseDocTemplate(
        buffer,
        pagesize=LETTER,
        pageTemplates=[
            PageTemplate("first", frames=[first], autoNextPageTemplate="later"),
            PageTemplate("later", frames=[later], onPage=_RunningHead(writer, fonts)),
        ],
        title=letter.subject,
        author=writer,
        subject=letter.subject,
        creator="Casework",
    )


def _letterhead(letterhead: Letterhead, styles: _Styles) -> list[Flowable]:
    """The member's name, the office, its address and how to reach it, over a rule."""
    heading = letterhead.member_name or letterhead.office_name
    parts: list[Flowable] = [Paragraph(escape(heading), styles.member)]
    if letterhead.member_name and letterhead.office_name:
        parts.append(Paragraph(escape(letterhead.office_name), styles.office))
    address = "  \u2022  ".join(line for line in letterhead.address_lines if line.strip())
    reach = "  \u2022  ".join(part for part in (letterhead.phone, letterhead.email) if part)
    parts.extend(Paragraph(escape(line), styles.contact) for line in (address, reach) if line)
    parts.append(HRFlowable(width="100%", thickness=0.8, color=RULE, spaceBefore=8, spaceAfter=0))
    return parts


def _block(lines: Sequence[str], style: ParagraphStyle) -> list[Flowable]:
    """Lines as one paragraph (an address, a signature block)."""
    kept = [escape(line) for line in lines if line.strip()]
    return [Paragraph("<br/>".join(kept), style)] if kept else []


def _body(text: str, style: ParagraphStyle, signature_lines: Sequence[str]) -> list[Flowable]:
    """The body and the signature block. The closing ("Sincerely," to the end) is kept on
    one page with the lines before it, so a signature never stands alone."""
    flowables = _paragraphs(text, style)
    closing_at = next(
        (index for index, (line, _) in enumerate(flowables) if _CLOSING.match(line)),
        len(flowables),
    )
    body = [flowable for _, flowable in flowables[:closing_at]]
    closing = [flowable for _, flowable in flowables[closing_at:]]
    closing.extend(_block(signature_lines, style))
    if body and closing:
        # Take the paragraph before the closing along: "Thank you..." then "Sincerely,".
        closing.insert(0, body.pop())
    return [*body, KeepTogether(closing)] if closing else body


_CLOSING = re.compile(
    r"^(sincerely|respectfully|yours|regards|best regards|kind regards|with (best|kind) "
    r"regards|warm regards|cordially)\b[^\n]{0,30},?$",
    re.IGNORECASE,
)


def _paragraphs(text: str, style: ParagraphStyle) -> list[tuple[str, Flowable]]:
    """Paragraphs at blank lines, each with its first line; single line breaks kept (a list
    of identifiers); extra blank lines kept as space (room to sign under "Sincerely,")."""
    flowables: list[tuple[str, Flowable]] = []
    paragraph: list[str] = []
    blank_run = 0
    for line in [*text.splitlines(), ""]:
        if line.strip():
            if blank_run > 1 and flowables:
                flowables.append(("", Spacer(1, (blank_run - 1) * style.leading)))
            blank_run = 0
            paragraph.append(line.rstrip())
            continue
        if paragraph:
            markup = "<br/>".join(escape(part) for part in paragraph)
            flowables.append((paragraph[0].strip(), Paragraph(markup, style)))
            paragraph = []
        blank_run += 1
    return flowables


class _RunningHead:
    """Pages after the first: who writes, and the page number, in small type."""

    def __init__(self, writer: str, fonts: _Fonts) -> None:
        self.writer = writer
        self.fonts = fonts

    def __call__(self, canvas: Canvas, document: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(self.fonts.italic, 9)
        canvas.setFillColor(MUTED)
        width, height = LETTER
        canvas.drawString(MARGIN, height - 0.6 * inch, self.writer)
        canvas.drawRightString(width - MARGIN, height - 0.6 * inch, f"Page {document.page}")
        canvas.restoreState()


def _append(letter: bytes, content: bytes, content_type: str) -> bytes:
    """The letter followed by the release: its PDF pages, or the scan on a page of its own."""
    if content_type == PDF:
        release_pdf = content
    elif content_type in IMAGES:
        release_pdf = _image_page(content)
    else:
        raise ValueError(f"a release must be a PDF, JPEG or PNG, not {content_type}")
    writer = PdfWriter()
    try:
        writer.append(PdfReader(io.BytesIO(letter)))
        writer.append(PdfReader(io.BytesIO(release_pdf)))
    except (PdfReadError, ValueError, OSError) as error:
        raise ValueError("the release is not a readable PDF") from error
    writer.add_metadata(PdfReader(io.BytesIO(letter)).metadata or {})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _image_page(content: bytes) -> bytes:
    """A scanned release on one Letter page, as large as fits within half-inch margins."""
    try:
        image = ImageReader(io.BytesIO(content))
        image_width, image_height = image.getSize()
    except Exception as error:  # Pillow refuses bytes that are not an image
        raise ValueError("the release scan is not a readable image") from error
    page_width, page_height = LETTER
    margin = 0.5 * inch
    scale = min((page_width - 2 * margin) / image_width, (page_height - 2 * margin) / image_height)
    width, height = image_width * scale, image_height * scale
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER)
    canvas.drawImage(image, (page_width - width) / 2, (page_height - height) / 2, width, height)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
