"""A case's audit trail as the office admin reads it: the chassis audit log's rows about one
case, newest first. Written only by the unit of work's `audit` (the log is append-only)."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import bindparam, select

from services.cases.domain.queue import AuditEntry
from services.cases.models import Base
from services.chassis.repository import OfficeScopedRepository

AUDIT_LOG = Base.metadata.tables["audit_log"]
TRAIL = (
    select(AUDIT_LOG.c.occurred_at, AUDIT_LOG.c.actor, AUDIT_LOG.c.action, AUDIT_LOG.c.origin)
    .where(
        AUDIT_LOG.c.office_id == bindparam("office_id"),
        AUDIT_LOG.c.subject_type == "case",
        AUDIT_LOG.c.subject_id == bindparam("case_id"),
    )
    .order_by(AUDIT_LOG.c.occurred_at.desc(), AUDIT_LOG.c.id.desc())
    .limit(bindparam("limit"))
)


class SqlAuditTrail(OfficeScopedRepository):
    def for_case(self, case_id: str, limit: int) -> list[AuditEntry]:
        rows = self._rows(TRAIL, case_id=case_id, limit=limit)
        return [
            AuditEntry(row.occurred_at.astimezone(UTC), row.actor, row.action, row.origin)
            for row in rows
        ]
