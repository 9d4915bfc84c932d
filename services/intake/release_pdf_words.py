"""What the signed copy of a release says around the signed text, in English and Spanish:
its headings and labels, and each identifier's name as agencies write it."""

from __future__ import annotations

from collections.abc import Mapping

from services.intake.domain.signed_text import Language

LABELS: Mapping[Language, Mapping[str, str]] = {
    "en": {
        "title": "Privacy Act Release",
        "subtitle": "Written consent for a congressional office to act with federal agencies "
        "(Privacy Act of 1974, 5 U.S.C. 552a(b))",
        "release_id": "Release ID",
        "text_version": "Text version",
        "language": "Language",
        "language_name": "English",
        "constituent": "Constituent",
        "name": "Name",
        "address": "Address",
        "email": "Email",
        "phone": "Phone",
        "agencies": "Agencies covered",
        "identifiers": "Identifiers provided",
        "identifiers_note": "Shown masked. The full values are kept encrypted by the office.",
        "provided": "provided",
        "text": "Text of the release",
        "signature": "Electronic signature",
        "signed_by": "Signed by",
        "signed_at": "Signed at (UTC)",
        "valid_until": "Valid until (UTC)",
        "ip": "IP address",
        "user_agent": "Browser (user agent)",
        "sha256": "SHA-256 of the text",
        "not_recorded": "not recorded",
        "evidence_note": "The constituent signed by typing their full name under the text "
        "above. The SHA-256 fingerprint identifies that exact text: any change to a single "
        "character gives another fingerprint.",
        "page": "Page {page} of {pages}",
        "footer": "Release {release_id}",
    },
    "es": {
        "title": "Autorización de privacidad",
        "subtitle": "Consentimiento por escrito para que una oficina del Congreso actúe ante "
        "agencias federales (Ley de Privacidad de 1974, 5 U.S.C. 552a(b))",
        "release_id": "Identificador",
        "text_version": "Versión del texto",
        "language": "Idioma",
        "language_name": "español",
        "constituent": "Solicitante",
        "name": "Nombre",
        "address": "Dirección",
        "email": "Correo electrónico",
        "phone": "Teléfono",
        "agencies": "Agencias autorizadas",
        "identifiers": "Identificadores proporcionados",
        "identifiers_note": "Se muestran enmascarados. La oficina guarda cifrados los valores "
        "completos.",
        "provided": "proporcionado",
        "text": "Texto de la autorización",
        "signature": "Firma electrónica",
        "signed_by": "Firmado por",
        "signed_at": "Fecha de la firma (UTC)",
        "valid_until": "Válida hasta (UTC)",
        "ip": "Dirección IP",
        "user_agent": "Navegador (user agent)",
        "sha256": "SHA-256 del texto",
        "not_recorded": "no registrado",
        "evidence_note": "La persona solicitante firmó escribiendo su nombre completo debajo "
        "del texto anterior. La huella SHA-256 identifica exactamente ese texto: cualquier "
        "cambio, aunque sea de un solo carácter, da otra huella.",
        "page": "Página {page} de {pages}",
        "footer": "Autorización {release_id}",
    },
}

IDENTIFIER_LABELS: Mapping[Language, Mapping[str, str]] = {
    "en": {
        "ssn": "Social Security number",
        "ssn_last4": "Social Security number (last 4 digits)",
        "date_of_birth": "Date of birth",
        "claim_number": "Claim or case number",
        "receipt_number": "USCIS receipt number",
        "a_number": "A-Number (Alien Registration Number)",
        "va_file_number": "VA file number",
    },
    "es": {
        "ssn": "Número de Seguro Social",
        "ssn_last4": "Número de Seguro Social (últimos 4 dígitos)",
        "date_of_birth": "Fecha de nacimiento",
        "claim_number": "Número de reclamo o de caso",
        "receipt_number": "Número de recibo de USCIS",
        "a_number": "Número A (número de registro de extranjero)",
        "va_file_number": "Número de expediente del VA",
    },
}
