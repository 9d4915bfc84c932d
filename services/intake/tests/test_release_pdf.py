"""The signed copy of a release as PDF: what it says, in which language, and what it never shows."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from services.intake.domain.identifiers import mask_identifiers, validate_identifiers
from services.intake.domain.signed_text import DEFAULT_RELEASE_TEXTS, render_release_text
from services.intake.release_pdf import ReleaseDocument, render_release_pdf

SIGNED_AT = datetime(2026, 12, 3, 15, 4, 5, tzinfo=UTC)
RELEASE_ID = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a"
AGENCY_NAMES = {
    "en": ("Social Security Administration", "U.S. Citizenship and Immigration Services"),
    "es": ("Administración del Seguro Social", "Servicio de Ciudadanía e Inmigración"),
}
IDENTIFIERS = validate_identifiers(
    {"ssn": "123-45-6789", "a_number": "A012345678"}, today=date(2026, 12, 3)
)

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def document(language: Any = "en", **overrides: Any) -> ReleaseDocument:
    agencies = AGENCY_NAMES[language]
    text = render_release_text(
        DEFAULT_RELEASE_TEXTS[language],
        office_name="Office of Congresswoman Ana Peña",
        constituent_name="María José Núñez",
        agency_names=agencies,
        expires_on=date(2027, 12, 3),
    )
    values: dict[str, Any] = {
        "office_name": "Office of Congresswoman Ana Peña",
        "language": language,
        "release_id": RELEASE_ID,
        "constituent_name": "María José Núñez",
        "agency_names": agencies,
        "release_text": text.text,
        "signature_name": "María José Núñez",
        "signed_at": SIGNED_AT,
        "expires_at": SIGNED_AT + timedelta(days=365),
        "signer_ip": "203.0.113.7",
        "signer_user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
        "text_sha256": text.sha256,
        "text_version": text.version,
        "postal_address": ("1207 Calle Ébano, Apt. 4", "San Antonio, TX 78207"),
        "email": "maria.nunez@example.org",
        "phone": "(210) 555-0143",
        "identifier_kinds": tuple(IDENTIFIERS),
        "masked_identifiers": mask_identifiers(IDENTIFIERS),
    }
    values.update(overrides)
    return ReleaseDocument(**values)


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "release.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return out.stdout


def test_a_release_renders_as_a_pdf() -> None:
    pdf = render_release_pdf(document())
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_invariant_output_is_the_same_bytes_each_time() -> None:
    first = render_release_pdf(document("es"), invariant=True)
    assert render_release_pdf(document("es"), invariant=True) == first
    assert render_release_pdf(replace(document("es"), signer_ip="203.0.113.8"), invariant=True) != (
        first
    )


def test_uncompressed_output_carries_spanish_accents_in_winansi() -> None:
    pdf = render_release_pdf(document("es"), invariant=True)
    # Helvetica's WinAnsi encoding: é is octal 351, ñ 361, ó 363 in the content streams.
    assert b"Autorizaci\\363n de privacidad" in pdf
    assert b"Firma electr\\363nica" in pdf
    assert b"/Lang (es-US)" in pdf


@needs_poppler
def test_the_english_copy_shows_the_signature_agencies_and_evidence(tmp_path: Path) -> None:
    doc = document("en")
    text = text_of(render_release_pdf(doc), tmp_path)
    for expected in (
        "Privacy Act Release",
        "Office of Congresswoman Ana Peña",
        "María José Núñez",
        "Social Security Administration",
        "U.S. Citizenship and Immigration Services",
        "Electronic signature",
        "December 3, 2026, 15:04:05 UTC",
        "203.0.113.7",
        "Firefox/133.0",
        doc.text_sha256,
        "Page 1 of 2",
        "Page 2 of 2",
        f"Release {RELEASE_ID}",
        "Privacy Act of 1974 (5 U.S.C. 552a(b))",
        "Social Security number",
        "•••-••-6789",
        "A•••••5678",
    ):
        assert expected in text, expected


@needs_poppler
def test_the_spanish_copy_is_in_spanish_with_its_accents(tmp_path: Path) -> None:
    text = text_of(render_release_pdf(document("es")), tmp_path)
    for expected in (
        "Autorización de privacidad",
        "Solicitante",
        "Agencias autorizadas",
        "Administración del Seguro Social",
        "Servicio de Ciudadanía e Inmigración",
        "Firma electrónica",
        "Firmado por",
        "María José Núñez",
        "3 de diciembre de 2026, 15:04:05 UTC",
        "3 de diciembre de 2027",
        "Número de Seguro Social",
        "Página 1 de 2",
    ):
        assert expected in text, expected
    assert "Page 1" not in text


@needs_poppler
def test_every_spanish_letter_and_sign_prints(tmp_path: Path) -> None:
    marks = "¿Ángel? ¡Éxito! Íñigo Óscar Úrsula Güell Ñúñez Pérez Díaz Muñoz PINGÜINO"
    text = text_of(render_release_pdf(document("es", constituent_name=marks)), tmp_path)
    assert marks in " ".join(text.split())


@needs_poppler
def test_a_name_beyond_winansi_loses_its_accents_rather_than_printing_boxes(
    tmp_path: Path,
) -> None:
    text = text_of(
        render_release_pdf(document(signature_name="Nguyễn Văn Ánh", constituent_name="李")),
        tmp_path,
    )
    assert "Nguyen Van Ánh" in text
    assert "■" not in text


@needs_poppler
def test_markup_in_a_name_is_printed_not_interpreted(tmp_path: Path) -> None:
    name = "Ana <b>Peña</b> & Co"
    text = text_of(render_release_pdf(document(office_name=name)), tmp_path)
    assert name in text


@needs_poppler
def test_identifiers_show_masked_or_only_as_given(tmp_path: Path) -> None:
    doc = document(identifier_kinds=("ssn", "date_of_birth"), masked_identifiers={})
    text = text_of(render_release_pdf(doc), tmp_path)
    assert re.search(r"Social Security number\s+provided", text)
    assert re.search(r"Date of birth\s+provided", text)
    assert "6789" not in text


def test_a_full_identifier_passed_as_masked_is_refused_without_showing_it() -> None:
    with pytest.raises(ValueError, match="ssn") as refused:
        document(masked_identifiers={"ssn": "123-45-6789"})
    assert "6789" not in str(refused.value)


@needs_poppler
def test_a_long_release_flows_onto_more_pages_without_losing_text(tmp_path: Path) -> None:
    agencies = tuple(f"Federal Agency Number {n} of the United States" for n in range(10))
    doc = document(
        agency_names=agencies,
        release_text="\n\n".join([document().release_text] * 4),
        signer_user_agent="Mozilla/5.0" + "x" * 289,  # kept whole: 300 characters, one word
        postal_address=("Apartment 12B", "1600 A Very Long Street Name Boulevard", "Nowhere, TX"),
    )
    text = text_of(render_release_pdf(doc), tmp_path)
    assert "Page 3 of 3" in text or "Page 4 of 4" in text
    assert all(name in text for name in agencies)
    assert re.sub(r"\s", "", text).count("x" * 100) >= 1


def test_a_document_needs_aware_times_and_a_known_language() -> None:
    with pytest.raises(ValueError):
        document(signed_at=datetime(2026, 12, 3, 15, 4))
    with pytest.raises(ValueError):
        replace(document(), language=cast(Any, "fr"))
