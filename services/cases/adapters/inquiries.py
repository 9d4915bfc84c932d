"""The agencies a case's letters went to, in the database (agencies' events, projected):
prebuilt statements, each scoped by the unit of work's office."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Row

from services.cases.adapters.tracking import State, Tracked, TrackedRepository
from services.cases.domain.inquiries import AgencyInquiry
from services.cases.models import Base
from services.chassis.uow import UnitOfWork

INQUIRIES = Base.metadata.tables["agency_inquiries"]
IN_OFFICE = INQUIRIES.c.office_id == bindparam("office_id")
INQUIRY = select(INQUIRIES).where(IN_OFFICE, INQUIRIES.c.inquiry_id == bindparam("inquiry_id"))
OF_CASE = (
    select(INQUIRIES)
    .where(IN_OFFICE, INQUIRIES.c.case_id == bindparam("case_id"))
    .order_by(INQUIRIES.c.sent_at, INQUIRIES.c.inquiry_id)
)
INSERT_INQUIRY = INQUIRIES.insert()
# What an inquiry's methods change; the SET clause is the parameters' column names.
UPDATE_INQUIRY = INQUIRIES.update().where(
    INQUIRIES.c.office_id == bindparam("in_office"),
    INQUIRIES.c.inquiry_id == bindparam("tracked_id"),
)


def state(inquiry: AgencyInquiry) -> State:
    """The columns an inquiry's methods can change, as stored."""
    return {
        "agency_code": inquiry.agency_code,
        "agency_name": inquiry.agency_name,
        "due_on": inquiry.due_on,
        "sent_at": inquiry.sent_at,
        "answered_at": inquiry.answered_at,
    }


def inquiry_from(row: Row[Any]) -> AgencyInquiry:
    return AgencyInquiry(
        inquiry_id=row.inquiry_id,
        case_id=row.case_id,
        agency_code=row.agency_code,
        agency_name=row.agency_name,
        due_on=row.due_on,
        sent_at=row.sent_at,
        answered_at=row.answered_at,
    )


class SqlInquiryRepository(TrackedRepository[AgencyInquiry]):
    """Inquiries handed out or added are tracked; `flush` (on commit) inserts the new ones and
    writes the columns that changed of the others. Two first announcements of one inquiry at
    once (its sending and its reply, on two queues) clash on the key, and the consume wrapper
    runs the second again, which then finds the inquiry."""

    def __init__(self, uow: UnitOfWork) -> None:
        tracked: Tracked[AgencyInquiry] = Tracked(
            uow,
            state=state,
            identity=lambda inquiry: {
                "inquiry_id": inquiry.inquiry_id,
                "case_id": inquiry.case_id,
            },
            insert=INSERT_INQUIRY,
            update=UPDATE_INQUIRY,
        )
        super().__init__(uow, tracked)

    def get(self, inquiry_id: str) -> AgencyInquiry | None:
        return self._get(inquiry_id, INQUIRY, inquiry_from, inquiry_id=inquiry_id)

    def add(self, inquiry: AgencyInquiry) -> None:
        self._tracked.add(inquiry.inquiry_id, inquiry)

    def of_case(self, case_id: str) -> list[AgencyInquiry]:
        """Every inquiry of the case (those tracked in this unit of work as they are now)."""
        inquiries = []
        for row in self._uow.session.execute(OF_CASE, self._params(case_id=case_id)):
            inquiry = self._tracked.get(row.inquiry_id)
            if inquiry is None:
                inquiry = self._tracked.loaded(row.inquiry_id, inquiry_from(row))
            inquiries.append(inquiry)
        seen = {inquiry.inquiry_id for inquiry in inquiries}
        return inquiries + [
            inquiry
            for inquiry in self._tracked.added()
            if inquiry.case_id == case_id and inquiry.inquiry_id not in seen
        ]
