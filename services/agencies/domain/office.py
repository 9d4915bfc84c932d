"""One office's side of the liaison work, free of I/O: its contacts at agencies, partner
organisations, liaison settings (zone, holidays, letterhead, redaction, approval rules,
per-agency targets), its versioned letter templates, and referrals to partners."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from services.agencies.domain.clock import DayBasis, HolidayCalendar, ResponseTarget
from services.agencies.domain.directory import Agency
from services.agencies.domain.letter_fields import Letterhead
from services.agencies.domain.redaction import Redaction
from services.chassis.domain import Aggregate
from services.chassis.errors import Conflict, Forbidden
from services.contracts import CASE_REFERRED, CaseReferred

SUPERVISOR = "supervisor"
OFFICE_ADMIN = "office_admin"
APPROVERS = frozenset({SUPERVISOR, OFFICE_ADMIN})
DEFAULT_TIMEZONE = "America/New_York"
DEFAULT_APPROVAL_ROLES = ("read_only",)


@dataclass(frozen=True)
class Contact:
    """A person at an agency's liaison office this office writes to."""

    contact_id: str
    agency_code: str
    name: str
    email: str | None = None
    phone: str | None = None
    programme: str | None = None
    notes: str | None = None
    active: bool = True


@dataclass(frozen=True)
class Partner:
    """A local organisation the office refers constituents to."""

    partner_id: str
    name: str
    kind: str
    email: str | None = None
    phone: str | None = None
    website_url: str | None = None
    notes: str | None = None
    active: bool = True


@dataclass(frozen=True)
class AgencyOverride:
    """The target this office's liaison agreed with an agency, instead of the directory's."""

    agency_code: str
    response_days: int
    day_basis: str


@dataclass(frozen=True)
class LiaisonSettings:
    """How one office writes to agencies and counts their deadlines."""

    office_id: str
    timezone: str = DEFAULT_TIMEZONE
    holiday_country: str = "US"
    holiday_subdivision: str | None = None
    letterhead: Letterhead = field(default_factory=lambda: Letterhead(office_name=""))
    mask_ssn: bool = True
    include_public_notes: bool = True
    approval_roles: tuple[str, ...] = DEFAULT_APPROVAL_ROLES
    overrides: Mapping[str, AgencyOverride] = field(default_factory=dict)
    updated_at: datetime | None = None

    @property
    def calendar(self) -> HolidayCalendar:
        return HolidayCalendar(self.holiday_country, self.holiday_subdivision)

    @property
    def redaction(self) -> Redaction:
        return Redaction(mask_ssn=self.mask_ssn, include_public_notes=self.include_public_notes)

    def target_for(self, agency: Agency) -> ResponseTarget:
        """The agency's response target for this office: its override, else the directory's
        (the interim cadence is always the agency's)."""
        override = self.overrides.get(agency.code)
        days, basis = (
            (override.response_days, override.day_basis)
            if override
            else (agency.typical_response_days, agency.day_basis)
        )
        return ResponseTarget(days, DayBasis(basis), agency.interim_every_days)

    def with_timezone(self, timezone: str) -> LiaisonSettings:
        return replace(self, timezone=timezone)


@dataclass
class TemplateVersion:
    """One version of a letter template; a template that requires approval is usable once a
    supervisor or office admin approved this version."""

    template_id: str
    name: str
    version: int
    subject: str
    body: str
    requires_approval: bool
    created_by: str
    created_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None

    @property
    def usable(self) -> bool:
        return not self.requires_approval or self.approved_by is not None

    def approve(self, *, by: str, role: str | None, at: datetime) -> None:
        if role not in APPROVERS:
            raise Forbidden("only a supervisor or an office admin approves a template")
        if not self.requires_approval:
            raise Conflict(f"{self.name} v{self.version} needs no approval")
        if self.approved_by is not None:
            raise Conflict(f"{self.name} v{self.version} is already approved")
        self.approved_by, self.approved_at = by, at


@dataclass
class Referral(Aggregate):
    """A case referred to one of the office's partner organisations."""

    referral_id: str
    case_id: str
    reference: str
    partner_id: str
    partner_name: str
    note: str
    with_letter: bool
    referred_by: str
    referred_at: datetime

    @classmethod
    def refer(
        cls,
        *,
        referral_id: str,
        case_id: str,
        reference: str,
        partner: Partner,
        note: str,
        with_letter: bool,
        by: str,
        at: datetime,
    ) -> Referral:
        if not partner.active:
            raise Conflict(f"{partner.name} is no longer one of the office's partners")
        made = cls(
            referral_id=referral_id,
            case_id=case_id,
            reference=reference,
            partner_id=partner.partner_id,
            partner_name=partner.name,
            note=note,
            with_letter=with_letter,
            referred_by=by,
            referred_at=at,
        )
        made.record(
            CASE_REFERRED,
            CaseReferred(
                case_id=case_id,
                reference=reference,
                referral_id=referral_id,
                partner_id=partner.partner_id,
                partner_name=partner.name,
                referred_by=by,
                referred_at=at,
                with_letter=with_letter,
            ),
        )
        return made


@dataclass(frozen=True)
class CaseFacts:
    """What agencies knows of a case from cases' events (or read from cases once)."""

    case_id: str
    reference: str
    status: str
    submission_id: str | None = None
    constituent_id: str | None = None
    category: str | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def waiting_on_constituent(self) -> bool:
        return self.status == WAITING_ON_CONSTITUENT


WAITING_ON_CONSTITUENT = "waiting_on_constituent"
