"""Cases' unit of work: one office's transaction with its cases, roster, allocations, the
privacy releases of its submissions and the agencies their letters went to."""

from __future__ import annotations

from services.cases.adapters.allocations import SqlAllocations
from services.cases.adapters.audit import SqlAuditTrail
from services.cases.adapters.cases import SqlCaseRepository
from services.cases.adapters.inquiries import SqlInquiryRepository
from services.cases.adapters.releases import SqlReleaseRepository
from services.cases.adapters.staff import SqlRoster
from services.chassis.uow import UnitOfWork


class CasesUnitOfWork(UnitOfWork):
    cases: SqlCaseRepository
    staff: SqlRoster
    allocations: SqlAllocations
    audit_trail: SqlAuditTrail
    releases: SqlReleaseRepository
    inquiries: SqlInquiryRepository

    def open_repositories(self) -> None:
        self.cases = SqlCaseRepository(self)
        self.staff = SqlRoster(self)
        self.allocations = SqlAllocations(self, self.staff)
        self.audit_trail = SqlAuditTrail(self)
        self.releases = SqlReleaseRepository(self)
        self.inquiries = SqlInquiryRepository(self)

    def flush(self) -> None:
        # What the cases', releases' and inquiries' methods changed goes in with the events
        # they recorded (a case first: an inquiry's row names it).
        self.cases.flush()
        self.releases.flush()
        self.inquiries.flush()
