"""What agencies' letter RPC methods answer with, before the contract dumps it: an inquiry as
the staff app shows it (with its contact, template and deadline in words), a preview, the case
page's panel and a document."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.agencies.domain.consent import ConsentDecision
from services.agencies.domain.inquiry import Inquiry, InquiryState
from services.agencies.domain.office import Contact, LiaisonSettings, Partner, TemplateVersion
from services.agencies.ports import AgenciesWork
from services.chassis.calendar import local_date


@dataclass(frozen=True)
class DeadlineView:
    due_on: date
    follow_up_on: date | None
    explanation: str
    paused: bool
    overdue_level: str | None


@dataclass(frozen=True)
class InquiryView:
    """An inquiry as the staff app shows it (the `InquiryEntry` contract's attributes)."""

    inquiry: Inquiry
    contact: Contact | None
    template: TemplateVersion | None
    deadline: DeadlineView | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inquiry, name)

    @property
    def state(self) -> str:
        return InquiryState(self.inquiry.state).value

    @property
    def contact_name(self) -> str | None:
        return self.contact.name if self.contact else None

    @property
    def contact_email(self) -> str | None:
        return self.contact.email if self.contact else None

    @property
    def template_name(self) -> str | None:
        return self.template.name if self.template else None


@dataclass(frozen=True)
class LetterPreview:
    subject: str
    body: str
    pdf: bytes
    consent: ConsentDecision
    redactions: tuple[str, ...]


@dataclass(frozen=True)
class CaseLiaison:
    inquiries: list[InquiryView]
    consent: list[ConsentDecision]
    templates: list[TemplateVersion]
    contacts: list[Contact]
    partners: list[Partner]
    referrals: list[dict[str, Any]]


@dataclass(frozen=True)
class Document:
    filename: str
    content_type: str
    content: bytes


def view_of(
    uow: AgenciesWork, inquiries: Iterable[Inquiry], settings: LiaisonSettings, now: datetime
) -> list[InquiryView]:
    contacts = {contact.contact_id: contact for contact in uow.contacts.list()}
    templates = {template.template_id: template for template in uow.templates.list()}
    calendar = settings.calendar
    today = local_date(now, settings.timezone)
    views = []
    for inquiry in inquiries:
        deadline = inquiry.deadline(calendar, today)
        contact = contacts.get(inquiry.contact_id or "")
        if contact is None and inquiry.contact_id:
            contact = uow.contacts.get(inquiry.contact_id)  # removed since, still named
        views.append(
            InquiryView(
                inquiry=inquiry,
                contact=contact,
                template=templates.get(inquiry.template_id or ""),
                deadline=DeadlineView(
                    due_on=deadline.due_on,
                    follow_up_on=inquiry.follow_up_on,
                    explanation=deadline.explanation(),
                    paused=deadline.paused,
                    overdue_level=inquiry.overdue_level.value if inquiry.overdue_level else None,
                )
                if deadline is not None
                else None,
            )
        )
    return views
