"""Errors a user can act on. Each has a stable code; HTTP status mapping lives in `http.py`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class CaseworkError(Exception):
    """An error with a message for people and, per field, what is wrong.

    Both are the exception's `args`, so an RPC caller that registers the class with nameko
    (`services.chassis.remote`) gets the same error back, fields included.
    """

    code = "error"
    status = 400

    def __init__(self, message: str, fields: Mapping[str, Any] | None = None) -> None:
        self.message = message
        self.fields = dict(fields or {})
        super().__init__(message, self.fields)

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


class ValidationFailed(CaseworkError):
    code = "validation_failed"
    status = 422


class Unauthorized(CaseworkError):
    """No credentials, or ones that are not (or no longer) valid."""

    code = "unauthorized"
    status = 401


class Forbidden(CaseworkError):
    """Known, but this role may not do that. Never for another office's data: that is
    `NotFound`, so nobody learns it exists."""

    code = "forbidden"
    status = 403


class NotFound(CaseworkError):
    code = "not_found"
    status = 404


class Conflict(CaseworkError):
    code = "conflict"
    status = 409


class Unavailable(CaseworkError):
    """Another service this call needs did not answer in time; worth trying again shortly.
    Crosses RPC as itself, so the staff app can say which service to wait for."""

    code = "service_unavailable"
    status = 503


class ServiceUnavailable(Unavailable):
    """An RPC to `service` failed or timed out (`reason` is for logs and metrics)."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service} did not answer in time; try again in a minute")
        self.service = service
        self.reason = reason


class PayloadTooLarge(CaseworkError):
    code = "payload_too_large"
    status = 413


class TransientError(Exception):
    """A failure worth retrying later (database restarting, broker away)."""


class ChangedElsewhere(TransientError):
    """A row this unit of work read was changed by another worker before it wrote (a
    compare-and-set found it moved): nothing was kept, and the work is run again, which reads
    what the other worker committed. Raised again after a few tries, it is still transient: an
    event is retried later, never dead-lettered for it."""


class PermanentMessageError(Exception):
    """A message that can never be processed as it is: dead-letter it with this reason."""
