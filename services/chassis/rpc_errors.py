"""The chassis errors cross nameko RPC as themselves: a caller gets the same `NotFound`,
`ValidationFailed`, `Forbidden`, `Conflict` or `Unauthorized` back, with its message and its
fields (which field was refused, an illegal transition's allowed moves), instead of a
`RemoteError` that only names the type. nameko rebuilds an exception from its args when its
class is registered; `CaseworkError`'s args are (message, fields).

Imported by `services.chassis.messaging`, so every service and every test process registers
them the same way. Subclasses defined in a service are not registered: a caller that cannot
import them gets a `RemoteError`, as before.
"""

from __future__ import annotations

from nameko.exceptions import deserialize_to_instance

from services.chassis.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)

CROSSING = (ValidationFailed, NotFound, Forbidden, Conflict, Unauthorized, Unavailable)

for _error in CROSSING:
    deserialize_to_instance(_error)
