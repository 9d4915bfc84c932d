"""Cases' RPC arguments as its handlers take them: the contracts' requests
(services/contracts/rpc/cases.py), read into the office and a domain query."""

from __future__ import annotations

from typing import Any

from marshmallow import post_load

from services.cases.domain.case import CaseStatus
from services.cases.domain.queue import CaseQuery
from services.contracts.rpc.cases import GetCaseRequest, ListCasesRequest


class ListCasesArguments(ListCasesRequest):
    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> tuple[str, CaseQuery]:
        status = data["status"]
        return data["office_id"], CaseQuery(
            status=CaseStatus(status) if status is not None else None,
            assigned_to=data["assigned_to"],
            limit=data["limit"],
            offset=data["offset"],
        )


class GetCaseArguments(GetCaseRequest):
    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> tuple[str, str]:
        return data["office_id"], str(data["case_id"])
