"""An office's letter templates: each save is a new version, checked before it is stored and
approved by a supervisor when the office asks."""

from __future__ import annotations

import uuid
from typing import Any

from services.agencies.domain.letters import check_template
from services.agencies.domain.office import TemplateVersion
from services.agencies.handlers.roles import require_approver, require_member, require_office_admin
from services.agencies.handlers.settings import ensure_settings
from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.errors import NotFound, ValidationFailed


def list_templates(db: Any, office_id: str, actor: Actor) -> list[TemplateVersion]:
    require_member(actor)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        ensure_settings(uow)
        templates = list(uow.templates.list())
        uow.commit()
        return templates


def save_template(
    db: Any,
    office_id: str,
    actor: Actor,
    *,
    name: str,
    subject: str,
    body: str,
    requires_approval: bool,
) -> TemplateVersion:
    """A new version of the template, refused when it cannot render (with the line)."""
    require_office_admin(actor)
    problems = check_template(subject, body)
    if problems:
        raise ValidationFailed(
            f"the template cannot be used: {', '.join(sorted(problems))}", problems
        )
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        ensure_settings(uow)
        template = TemplateVersion(
            template_id=str(uuid.uuid4()),
            name=name,
            version=uow.templates.latest_version(name) + 1,
            subject=subject,
            body=body,
            requires_approval=requires_approval,
            created_by=actor.user_id,
            created_at=utcnow(),
        )
        uow.templates.add(template)
        uow.audit("template.saved", "letter_template", template.template_id)
        uow.commit()
        return template


def approve_template(db: Any, office_id: str, actor: Actor, template_id: str) -> TemplateVersion:
    require_approver(actor)
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        template = uow.templates.get(template_id)
        if template is None:
            raise NotFound("there is no such template in this office")
        template.approve(by=actor.user_id, role=actor.role, at=utcnow())
        uow.templates.save_approval(template)
        uow.audit("template.approved", "letter_template", template_id)
        uow.commit()
        return template
