"""What the flow tests read back from either unit of work: the committed delivery, a case's
deliveries, and the acknowledgements announced through the outbox."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from services.chassis.fakes import FakeDatabase
from services.chassis.uow import DatabaseAccess
from services.contracts import ACKNOWLEDGEMENT_SENT, AcknowledgementSent, EventContract
from services.notify import handlers
from services.notify.domain.delivery import ACKNOWLEDGEMENT, Delivery
from services.notify.models import metadata
from services.notify.tests.events import OFFICE

Db = handlers.Database


def delivery_of(db: Db, submission_id: str = "sub-1", office_id: str = OFFICE) -> Delivery:
    """The acknowledgement's delivery as committed."""
    with db.unit_of_work(office_id=office_id) as uow:
        delivery = uow.deliveries.for_cause(submission_id, ACKNOWLEDGEMENT)
    assert delivery is not None, "no delivery was committed"
    return delivery


def deliveries_of_case(db: Db, case_id: str = "case-1") -> list[Delivery]:
    return handlers.list_deliveries(db, OFFICE, case_id)


def announced(db: Db) -> list[tuple[AcknowledgementSent, str | None]]:
    """Each committed `notify.acknowledgement_sent`, and the event that caused it."""
    return published(db, ACKNOWLEDGEMENT_SENT)


def published(db: Db, contract: EventContract) -> list[tuple[Any, str | None]]:
    """Each committed event of `contract` in notify's outbox, and the event that caused it."""
    if isinstance(db, FakeDatabase):
        events = [e for e in db.outbox if e.contract is contract]
        return [(e.payload, e.causation_id) for e in events]
    outbox = metadata.tables["outbox"]
    query = (
        select(outbox.c.payload, outbox.c.causation_id)
        .where(outbox.c.event_type == contract.event_type)
        .order_by(outbox.c.id)
    )
    assert isinstance(db, DatabaseAccess)
    with db.platform_work() as session:  # test inspection of the whole outbox: cross-office
        rows = session.execute(query).all()
    return [(contract.load_typed(json.loads(r.payload)), r.causation_id) for r in rows]
