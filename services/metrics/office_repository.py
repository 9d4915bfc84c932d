"""What each of metrics' repositories for one office adds to the chassis' office-scoped base: the
condition and parameters that pin a statement to one case of that office, and the insert of a
case's first fact."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Executable, and_, bindparam

from services.chassis.repository import OfficeScopedRepository


def one_case(model: Any) -> ColumnElement[bool]:
    """A statement's condition on a per-case table (`model`, a mapped class): the row of the
    case its `office_id` and `case_id` parameters name."""
    return and_(model.office_id == bindparam("office_id"), model.case_id == bindparam("case_id"))


class CaseFactsRepository(OfficeScopedRepository):
    """SQL over one office's per-case facts, inside that office's unit of work."""

    def _case(self, case_id: str, **values: Any) -> dict[str, Any]:
        """A statement's parameters for one case of this office, and what it writes there: a
        metrics write touches only its own case's rows."""
        return self._params(case_id=case_id, **values)

    def _inserted(self, statement: Executable, parameters: dict[str, Any]) -> bool:
        """Run an insert that does nothing on conflict: whether it wrote the row (False: the case
        has one already, which the domain's rule then weighs against the new fact)."""
        result = self._session.execute(statement, parameters)
        return bool(result.rowcount)  # type: ignore[attr-defined]
