"""Cases' unit of work: one office's transaction with its cases, roster, allocations and the
privacy releases of its submissions."""

from __future__ import annotations

from services.cases.adapters.allocations import SqlAllocations
from services.cases.adapters.audit import SqlAuditTrail
from services.cases.adapters.cases import SqlCaseRepository
from services.cases.adapters.releases import SqlReleaseRepository
from services.cases.adapters.staff import SqlRoster
from services.chassis.uow import UnitOfWork


class CasesUnitOfWork(UnitOfWork):
    cases: SqlCaseRepository
    staff: SqlRoster
    allocations: SqlAllocations
    audit_trail: SqlAuditTrail
    releases: SqlReleaseRepository

    def open_repositories(self) -> None:
        self.cases = SqlCaseRepository(self)
        self.staff = SqlRoster(self)
        self.allocations = SqlAllocations(self, self.staff)
        self.audit_trail = SqlAuditTrail(self)
        self.releases = SqlReleaseRepository(self)

    def flush(self) -> None:
        # What the cases' and releases' methods changed goes in with the events they recorded.
        self.cases.flush()
        self.releases.flush()
