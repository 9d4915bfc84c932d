"""The federal agencies a constituent can name on the portal (the request's agency, the scope
of a privacy release): code, name in English and Spanish, and which identifiers each usually
asks for. The codes are the agency directory's (`agencies` service), so a release's scope and
an inquiry's agency are the same word."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# What an agency's liaison may need to find a person's file, by the name the release form and
# `PrivacyReleaseSchema.identifiers` use.
SSN = "ssn"
SSN_LAST4 = "ssn_last4"
DATE_OF_BIRTH = "date_of_birth"
CLAIM_NUMBER = "claim_number"
RECEIPT_NUMBER = "receipt_number"
A_NUMBER = "a_number"
VA_FILE_NUMBER = "va_file_number"


@dataclass(frozen=True)
class Agency:
    code: str
    name_en: str
    name_es: str
    # The identifiers its congressional liaison usually asks for, most useful first.
    identifiers: tuple[str, ...] = ()

    def name(self, language: str) -> str:
        return self.name_es if language == "es" else self.name_en


AGENCIES: tuple[Agency, ...] = (
    Agency(
        "SSA",
        "Social Security Administration",
        "Administración del Seguro Social",
        (SSN, DATE_OF_BIRTH, CLAIM_NUMBER),
    ),
    Agency(
        "VA",
        "Department of Veterans Affairs",
        "Departamento de Asuntos de Veteranos",
        (VA_FILE_NUMBER, SSN, DATE_OF_BIRTH, CLAIM_NUMBER),
    ),
    Agency(
        "USCIS",
        "U.S. Citizenship and Immigration Services",
        "Servicio de Ciudadanía e Inmigración de los Estados Unidos",
        (A_NUMBER, RECEIPT_NUMBER, DATE_OF_BIRTH),
    ),
    Agency(
        "DOS-PPT",
        "Department of State - Passport Services",
        "Departamento de Estado - Servicios de Pasaportes",
        (DATE_OF_BIRTH, RECEIPT_NUMBER),
    ),
    Agency(
        "IRS",
        "Internal Revenue Service",
        "Servicio de Impuestos Internos",
        (SSN, DATE_OF_BIRTH),
    ),
    Agency(
        "CMS",
        "Centers for Medicare & Medicaid Services",
        "Centros de Servicios de Medicare y Medicaid",
        (CLAIM_NUMBER, DATE_OF_BIRTH),
    ),
    Agency(
        "OPM",
        "Office of Personnel Management - Retirement Services",
        "Oficina de Administración de Personal - Servicios de Jubilación",
        (CLAIM_NUMBER, SSN_LAST4, DATE_OF_BIRTH),
    ),
    Agency(
        "FEMA",
        "Federal Emergency Management Agency",
        "Agencia Federal para el Manejo de Emergencias",
        (CLAIM_NUMBER, DATE_OF_BIRTH),
    ),
    Agency(
        "ED-FSA",
        "Department of Education - Federal Student Aid",
        "Departamento de Educación - Ayuda Federal para Estudiantes",
        (SSN_LAST4, DATE_OF_BIRTH),
    ),
    Agency(
        "USPS",
        "United States Postal Service",
        "Servicio Postal de los Estados Unidos",
    ),
    Agency(
        "DOL",
        "Department of Labor",
        "Departamento de Trabajo",
        (CLAIM_NUMBER, SSN_LAST4),
    ),
    Agency(
        "HUD",
        "Department of Housing and Urban Development",
        "Departamento de Vivienda y Desarrollo Urbano",
        (CLAIM_NUMBER, SSN_LAST4),
    ),
    Agency(
        "SBA",
        "Small Business Administration",
        "Administración de Pequeñas Empresas",
        (CLAIM_NUMBER,),
    ),
    Agency(
        "USDA",
        "Department of Agriculture",
        "Departamento de Agricultura",
        (CLAIM_NUMBER,),
    ),
    Agency(
        "DOD",
        "Department of Defense - Military Records",
        "Departamento de Defensa - Registros Militares",
        (SSN, DATE_OF_BIRTH),
    ),
)

BY_CODE: dict[str, Agency] = {agency.code: agency for agency in AGENCIES}
AGENCY_CODES: tuple[str, ...] = tuple(BY_CODE)


def agency(code: str) -> Agency | None:
    return BY_CODE.get(code)


def agency_name(code: str, language: str) -> str:
    """The agency's name in `language`; a code the catalogue does not know stays the code."""
    found = BY_CODE.get(code)
    return found.name(language) if found is not None else code


def agency_names(codes: Iterable[str], language: str) -> list[str]:
    return [agency_name(code, language) for code in codes]
