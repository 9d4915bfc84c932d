"""Errors a user can act on. Each has a stable code; HTTP status mapping lives in `http.py`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class CaseworkError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, fields: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


class ValidationFailed(CaseworkError):
    code = "validation_failed"
    status = 422


class NotFound(CaseworkError):
    code = "not_found"
    status = 404


class Conflict(CaseworkError):
    code = "conflict"
    status = 409


class PayloadTooLarge(CaseworkError):
    code = "payload_too_large"
    status = 413


class TransientError(Exception):
    """A failure worth retrying later (database restarting, broker away)."""


class PermanentMessageError(Exception):
    """A message that can never be processed as it is: dead-letter it with this reason."""
