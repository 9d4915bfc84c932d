"""The agencies a case's letters went to, in the database (agencies' events, projected):
prebuilt statements, each scoped by the unit of work's office."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Row

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
    INQUIRIES.c.inquiry_id == bindparam("inquiry"),
)
State = dict[str, Any]


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


class SqlInquiryRepository:
    """Inquiries handed out or added are tracked; `flush` (on commit) inserts the new ones and
    writes the columns that changed of the others. Two first announcements of one inquiry at
    once (its sending and its reply, on two queues) clash on the key, and the consume wrapper
    runs the second again, which then finds the inquiry."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._tracked: dict[str, tuple[AgencyInquiry, State | None]] = {}

    def get(self, inquiry_id: str) -> AgencyInquiry | None:
        if inquiry_id in self._tracked:
            return self._tracked[inquiry_id][0]
        row = self._uow.session.execute(INQUIRY, self._params(inquiry_id=inquiry_id)).first()
        return None if row is None else self._track(inquiry_from(row))

    def add(self, inquiry: AgencyInquiry) -> None:
        assert inquiry.inquiry_id not in self._tracked, "an inquiry id is unique"
        self._tracked[inquiry.inquiry_id] = (inquiry, None)

    def of_case(self, case_id: str) -> list[AgencyInquiry]:
        """Every inquiry of the case (those tracked in this unit of work as they are now)."""
        inquiries = []
        for row in self._uow.session.execute(OF_CASE, self._params(case_id=case_id)):
            tracked = self._tracked.get(row.inquiry_id)
            inquiries.append(tracked[0] if tracked else self._track(inquiry_from(row)))
        seen = {inquiry.inquiry_id for inquiry in inquiries}
        return inquiries + [
            inquiry
            for inquiry, before in self._tracked.values()
            if before is None and inquiry.case_id == case_id and inquiry.inquiry_id not in seen
        ]

    def flush(self) -> None:
        session, office_id = self._uow.session, self._uow.office_id
        for inquiry_id, (inquiry, before) in list(self._tracked.items()):
            now = state(inquiry)
            if before is None:
                session.execute(
                    INSERT_INQUIRY,
                    {
                        "office_id": office_id,
                        "inquiry_id": inquiry_id,
                        "case_id": inquiry.case_id,
                        **now,
                    },
                )
            else:
                changed = {name: value for name, value in now.items() if before[name] != value}
                if changed:
                    session.execute(
                        UPDATE_INQUIRY, {"in_office": office_id, "inquiry": inquiry_id, **changed}
                    )
            self._tracked[inquiry_id] = (inquiry, now)

    def _track(self, inquiry: AgencyInquiry) -> AgencyInquiry:
        self._tracked[inquiry.inquiry_id] = (inquiry, state(inquiry))
        return inquiry

    def _params(self, **params: Any) -> dict[str, Any]:
        return {"office_id": self._uow.office_id, **params}
