"""Agencies' service layer: the directory (platform admins keep it), each office's contacts,
partners, liaison settings and letter templates, the projections other services' events feed,
the overdue scan, and the agency suggested for each new case. Each handler loads, calls the
domain, and commits in the office's unit of work; the letters themselves are in `liaison`.

One module a concern; the handlers are named here, so `handlers.save_contact` reads as before.
"""

from __future__ import annotations

from services.agencies.handlers.directory import (
    agency_from,
    current_directory,
    get_agency,
    list_agencies,
    save_agencies,
    save_agency,
    suggest,
)
from services.agencies.handlers.events import (
    record_case_closed,
    record_office_registered,
    record_opened_case,
    record_release_revoked,
    record_release_signed,
    record_status_changed,
    suggest_agency,
)
from services.agencies.handlers.office_directory import (
    contact_from,
    list_contacts,
    list_partners,
    partner_from,
    remove_contact,
    remove_partner,
    save_contact,
    save_partner,
)
from services.agencies.handlers.overdue import (
    detect_overdue,
    schedule_of,
)
from services.agencies.handlers.roles import (
    require_approver,
    require_drafter,
    require_member,
    require_office_admin,
    require_platform_admin,
    require_writer,
)
from services.agencies.handlers.settings import (
    default_settings,
    ensure_settings,
    liaison_settings,
    save_liaison_settings,
)
from services.agencies.handlers.templates import (
    approve_template,
    list_templates,
    save_template,
)

__all__ = [
    "agency_from",
    "approve_template",
    "contact_from",
    "current_directory",
    "default_settings",
    "detect_overdue",
    "ensure_settings",
    "get_agency",
    "liaison_settings",
    "list_agencies",
    "list_contacts",
    "list_partners",
    "list_templates",
    "partner_from",
    "record_case_closed",
    "record_office_registered",
    "record_opened_case",
    "record_release_revoked",
    "record_release_signed",
    "record_status_changed",
    "remove_contact",
    "remove_partner",
    "require_approver",
    "require_drafter",
    "require_member",
    "require_office_admin",
    "require_platform_admin",
    "require_writer",
    "save_agencies",
    "save_agency",
    "save_contact",
    "save_liaison_settings",
    "save_partner",
    "save_template",
    "schedule_of",
    "suggest",
    "suggest_agency",
]
