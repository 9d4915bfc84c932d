"""What agencies' RPC entrypoint mixins share with `AgenciesService`: the errors a caller may
get back as themselves, and who calls for which office.

The mixins (`directory`, `letters`) are reached through their modules, as the gateway's page
mixins are: `nameko run services.agencies.service` starts every class with entrypoints that
module names, and each mixin is only a part of the one service.
"""

from __future__ import annotations

from typing import Any

from services.agencies.adapters.remote import RemoteParticulars
from services.chassis.caller import Caller
from services.chassis.errors import Conflict, Forbidden, NotFound, Unavailable, ValidationFailed
from services.contracts.rpc.common import OfficeRequest

# What a caller may get back as itself; anything else is a bug, logged with its trace.
EXPECTED = (ValidationFailed, NotFound, Forbidden, Conflict, Unavailable)
OFFICE_ONLY = OfficeRequest()


class Entrypoints:
    """The service's dependencies, declared here and provided by `AgenciesService`."""

    db: Any
    caller: Any
    cases: Any
    intake: Any
    mailer: Any

    @property
    def _caller(self) -> Caller:
        return self.caller  # type: ignore[no-any-return]

    @property
    def _remote(self) -> RemoteParticulars:
        return RemoteParticulars(self.cases, self.intake)

    def _acting(self, arguments: dict[str, Any]) -> tuple[str, Any]:
        """The office the call is about (not found for a caller of another office) and who
        acts."""
        return self._caller.acting(arguments["office_id"])
