"""What every repository of one office's rows shares: the unit of work it reads through, and
its prebuilt statements run for that office (each binds the office as `office_id`)."""

from __future__ import annotations

from typing import Any

from services.chassis.uow import UnitOfWork


class OfficeRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def _office(self) -> dict[str, str]:
        return {"office_id": self._uow.office_id}

    def _rows(self, statement: Any, **parameters: Any) -> list[Any]:
        return list(self._uow.session.execute(statement, {**self._office, **parameters}))

    def _row(self, statement: Any, **parameters: Any) -> Any:
        return self._uow.session.execute(statement, {**self._office, **parameters}).first()
