"""The signed copy of an online privacy release as a PDF for the case file and for agencies:
the exact text signed and the evidence of the electronic signature, in English or Spanish."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from services.intake.domain.signed_text import Language, format_date
from services.intake.release_pdf_words import IDENTIFIER_LABELS, LABELS

# At most this many digits of an identifier may show: the last four, as agencies' own
# letters do. More means the caller passed a value that is not masked.
MAX_VISIBLE_DIGITS = 4


@dataclass(frozen=True)
class ReleaseDocument:
    """What the signed copy shows. `release_text` is the exact text signed; identifiers
    appear only as `identifier_kinds` (which were given) and, where the caller passes one,
    their masked form (`masked_identifiers`, e.g. {"ssn": "•••-••-6789"}); never a full value."""

    office_name: str
    language: Language
    release_id: str
    constituent_name: str
    agency_names: tuple[str, ...]
    release_text: str
    signature_name: str
    signed_at: datetime
    expires_at: datetime
    signer_ip: str | None
    signer_user_agent: str | None
    text_sha256: str
    text_version: str | None = None
    postal_address: tuple[str, ...] = ()
    email: str | None = None
    phone: str | None = None
    identifier_kinds: tuple[str, ...] = ()
    masked_identifiers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.language not in LABELS:
            raise ValueError("a release document is in English (en) or Spanish (es)")
        for moment in (self.signed_at, self.expires_at):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError("signed_at and expires_at must be timezone-aware")
        for kind, masked in self.masked_identifiers.items():
            if sum(char.isdigit() for char in masked) > MAX_VISIBLE_DIGITS:
                # The value itself stays out of the message.
                raise ValueError(f"the {kind} identifier passed to the PDF is not masked")


def render_release_pdf(document: ReleaseDocument, *, invariant: bool = False) -> bytes:
    """The signed copy as PDF bytes (US Letter). `invariant`: uncompressed, with fixed
    creation date and file id, so the same document gives the same bytes (for tests)."""
    pdf, pages = _build(document, invariant=invariant, pages=None)
    # "Page 1 of N" needs N: the first pass counts, the second writes it (footers sit
    # outside the frame, so the layout, and thus N, cannot change between passes).
    pdf, _ = _build(document, invariant=invariant, pages=pages)
    return pdf


# -- Layout ------------------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = LETTER
MARGIN = 0.85 * inch
FOOTER_Y = 0.5 * inch
LABEL_WIDTH = 1.95 * inch
INK = colors.HexColor("#1b1f24")
MUTED = colors.HexColor("#5a6270")
RULE = colors.HexColor("#c9ced6")
BOX = colors.HexColor("#f3f5f8")


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName="Helvetica", fontSize=10.5, leading=14.5, textColor=INK, alignment=TA_LEFT
    )
    return {
        "office": ParagraphStyle(
            "office", parent=base, fontName="Helvetica-Bold", fontSize=11, textColor=MUTED
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName="Helvetica-Bold", fontSize=20, leading=24, spaceBefore=2
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=9.5, leading=12.5, textColor=MUTED, spaceBefore=4
        ),
        "meta": ParagraphStyle("meta", parent=base, fontSize=8.5, leading=11, textColor=MUTED),
        "heading": ParagraphStyle(
            "heading",
            parent=base,
            fontName="Helvetica-Bold",
            fontSize=12,
            leading=15,
            spaceBefore=14,
            spaceAfter=6,
        ),
        "body": ParagraphStyle("text", parent=base, spaceAfter=7),
        "label": ParagraphStyle("label", parent=base, fontSize=9, leading=12, textColor=MUTED),
        "value": ParagraphStyle("value", parent=base, fontSize=10, leading=13),
        "bullet": ParagraphStyle(
            "bullet", parent=base, leftIndent=14, bulletIndent=2, spaceAfter=2
        ),
        "signature": ParagraphStyle(
            "signature", parent=base, fontName="Helvetica-Oblique", fontSize=15, leading=19
        ),
        "mono": ParagraphStyle("mono", parent=base, fontName="Courier", fontSize=8.5, leading=11),
        "note": ParagraphStyle(
            "note", parent=base, fontSize=8.5, leading=11, textColor=MUTED, spaceBefore=6
        ),
    }


def _build(document: ReleaseDocument, *, invariant: bool, pages: int | None) -> tuple[bytes, int]:
    labels = LABELS[document.language]
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=0.8 * inch,
        bottomMargin=0.95 * inch,
        title=f"{labels['title']} {document.release_id}",
        author=_printable(document.office_name),
        subject=labels["subtitle"],
        creator="Casework",
        lang="es-US" if document.language == "es" else "en-US",
        invariant=1 if invariant else 0,
        pageCompression=0 if invariant else 1,
    )

    def footer(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, FOOTER_Y + 12, PAGE_WIDTH - MARGIN, FOOTER_Y + 12)
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(
            MARGIN, FOOTER_Y, _printable(labels["footer"].format(release_id=document.release_id))
        )
        page = labels["page"].format(page=doc.page, pages=pages or doc.page)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, FOOTER_Y, page)
        canvas.restoreState()

    pdf.build(_story(document), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue(), pdf.page


def _story(document: ReleaseDocument) -> list[Flowable]:
    labels = LABELS[document.language]
    styles = _styles()
    story: list[Flowable] = [
        Paragraph(_markup(document.office_name), styles["office"]),
        Paragraph(_markup(labels["title"]), styles["title"]),
        Paragraph(_markup(labels["subtitle"]), styles["subtitle"]),
        Spacer(1, 8),
        Paragraph(
            " &nbsp;·&nbsp; ".join(
                f"{_markup(label)}: {_markup(value)}"
                for label, value in (
                    (labels["release_id"], document.release_id),
                    (labels["text_version"], document.text_version or "—"),
                    (labels["language"], labels["language_name"]),
                )
            ),
            styles["meta"],
        ),
        Spacer(1, 6),
        HRFlowable(width="100%", thickness=0.75, color=RULE, spaceBefore=2, spaceAfter=2),
    ]

    story.append(Paragraph(_markup(labels["constituent"]), styles["heading"]))
    rows = [(labels["name"], document.constituent_name)]
    if document.postal_address:
        rows.append((labels["address"], "\n".join(document.postal_address)))
    if document.email:
        rows.append((labels["email"], document.email))
    if document.phone:
        rows.append((labels["phone"], document.phone))
    story.append(_label_table(rows, styles))

    story.append(Paragraph(_markup(labels["agencies"]), styles["heading"]))
    story.extend(
        Paragraph(_markup(name), styles["bullet"], bulletText="•") for name in document.agency_names
    )

    if document.identifier_kinds:
        names = IDENTIFIER_LABELS[document.language]
        shown = [
            (names.get(kind, kind), document.masked_identifiers.get(kind) or labels["provided"])
            for kind in document.identifier_kinds
        ]
        story.append(
            KeepTogether(
                [
                    Paragraph(_markup(labels["identifiers"]), styles["heading"]),
                    _label_table(shown, styles),
                    Paragraph(_markup(labels["identifiers_note"]), styles["note"]),
                ]
            )
        )

    story.append(Paragraph(_markup(labels["text"]), styles["heading"]))
    story.extend(
        Paragraph(_markup(paragraph), styles["body"])
        for paragraph in document.release_text.split("\n\n")
        if paragraph.strip()
    )

    story.append(KeepTogether([Spacer(1, 6), *_signature_block(document, styles)]))
    return story


def _signature_block(document: ReleaseDocument, styles: dict[str, ParagraphStyle]) -> list[Any]:
    labels = LABELS[document.language]
    signed_at = document.signed_at.astimezone(UTC)
    expires_at = document.expires_at.astimezone(UTC)
    evidence = [
        (labels["signed_by"], Paragraph(_markup(document.signature_name), styles["signature"])),
        (
            labels["signed_at"],
            f"{format_date(signed_at.date(), document.language)}, "
            f"{signed_at:%H:%M:%S} UTC ({signed_at:%Y-%m-%dT%H:%M:%SZ})",
        ),
        (
            labels["valid_until"],
            f"{format_date(expires_at.date(), document.language)}, {expires_at:%H:%M} UTC",
        ),
        (labels["ip"], document.signer_ip or labels["not_recorded"]),
        (labels["user_agent"], document.signer_user_agent or labels["not_recorded"]),
        (labels["sha256"], Paragraph(_markup(document.text_sha256), styles["mono"])),
    ]
    table = _label_table(evidence, styles, boxed=True)
    return [
        Paragraph(_markup(labels["signature"]), styles["heading"]),
        table,
        Paragraph(_markup(labels["evidence_note"]), styles["note"]),
    ]


def _label_table(
    rows: list[tuple[str, Any]], styles: dict[str, ParagraphStyle], *, boxed: bool = False
) -> Table:
    cells = [
        [
            Paragraph(_markup(label), styles["label"]),
            value
            if isinstance(value, Flowable)
            else Paragraph(_markup(value).replace("\n", "<br/>"), styles["value"]),
        ]
        for label, value in rows
    ]
    table = Table(cells, colWidths=[LABEL_WIDTH, PAGE_WIDTH - 2 * MARGIN - LABEL_WIDTH])
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if boxed:
        commands += [
            ("BACKGROUND", (0, 0), (-1, -1), BOX),
            ("BOX", (0, 0), (-1, -1), 0.75, RULE),
            ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            # The first row is the signature, set large: its label sits level with it.
            ("VALIGN", (0, 0), (0, 0), "MIDDLE"),
        ]
    table.setStyle(TableStyle(commands))
    return table


def _markup(text: str) -> str:
    """`text` as Paragraph markup: escaped, and printable in the standard fonts."""
    return escape(_printable(text))


def _printable(text: str) -> str:
    """`text` in what Helvetica's WinAnsi encoding can show. Spanish (á é í ó ú ñ ü ¿ ¡) and
    most Western names are; a letter beyond it ('Nguyễn') loses its accents ('Nguyen')
    rather than print as a black box, and anything else becomes '?'."""
    kept = []
    for char in text:
        if char == "\n" or _encodable(char):
            kept.append(char)
        elif unicodedata.category(char).startswith("C"):
            continue
        else:
            base = "".join(part for part in unicodedata.normalize("NFKD", char) if _encodable(part))
            kept.append(base or "?")
    return "".join(kept)


def _encodable(char: str) -> bool:
    if unicodedata.category(char).startswith("C"):
        return False
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True
