"""The base of a repository over one office's rows: every statement it runs binds the office of
the unit of work it was made in as `office_id` (on PostgreSQL the tenant wall holds it to that
office as well). Each service's SQL repositories start from it instead of passing the office
by hand."""

from __future__ import annotations

from typing import Any

from services.chassis.uow import UnitOfWork


class OfficeScopedRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._session = uow.session
        self._office_id = uow.office_id

    def _params(self, **values: Any) -> dict[str, Any]:
        """A statement's parameters: the office, and `values`."""
        return {"office_id": self._office_id, **values}

    def _rows(self, statement: Any, **params: Any) -> list[Any]:
        return list(self._session.execute(statement, self._params(**params)))

    def _row(self, statement: Any, **params: Any) -> Any:
        return self._session.execute(statement, self._params(**params)).first()
