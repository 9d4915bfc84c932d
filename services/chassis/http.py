"""JSON over nameko `@http`: one place that maps errors to status codes and bodies."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from services.chassis.db import is_transient
from services.chassis.errors import CaseworkError, PayloadTooLarge, ValidationFailed
from services.chassis.observability import service_metric
from services.chassis.schemas import validation_failed

log = logging.getLogger(__name__)

MAX_JSON_BYTES = 64 * 1024
# An oversized body up to this size is read and thrown away before the 413, so a client still
# sending it reads the answer instead of a reset (the server closing with unread data). Beyond
# it nothing more is read: the server discards the rest on a keep-alive connection, and closes
# one the client asked to close (that client may then see a reset).
DRAIN_LIMIT = 4 * 1024 * 1024
DRAIN_CHUNK = 64 * 1024


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":"), default=str),
        status=status,
        mimetype="application/json",
        headers=dict(headers or {}),
    )


def read_json(request: Request, max_bytes: int = MAX_JSON_BYTES) -> dict[str, Any]:
    """The request's JSON object, or a 4xx error that says what is wrong with it."""
    length = request.content_length
    if length is not None and length > max_bytes:
        if length <= DRAIN_LIMIT:
            drain(request)
        raise PayloadTooLarge(f"request body is larger than {max_bytes} bytes")
    raw = request.get_data(cache=False)
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"request body is larger than {max_bytes} bytes")
    if not request.mimetype or request.mimetype != "application/json":
        raise ValidationFailed("send the body as application/json")
    try:
        body = json.loads(raw or b"null")
    except (ValueError, RecursionError):
        raise ValidationFailed("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ValidationFailed("request body must be a JSON object")
    where = _nul_character_at(body)
    if where is not None:
        # PostgreSQL cannot store NUL in text; refuse it here, naming the field.
        raise ValidationFailed(
            "text may not contain NUL characters", fields={where: ["contains a NUL character"]}
        )
    return body


def drain(request: Request) -> None:
    """Read and discard the body (werkzeug's stream stops at the Content-Length)."""
    stream = request.stream
    while stream.read(DRAIN_CHUNK):
        pass


def _nul_character_at(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (or key) holding a NUL character, if any."""
    if isinstance(value, str):
        return path or "_schema" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here
            found = _nul_character_at(item, here)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_character_at(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


HEADER_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def header_token(request: Request, name: str) -> str | None:
    """A correlation id or similar from a client: kept only if it is a short plain token."""
    value = request.headers.get(name)
    return value if value is not None and HEADER_TOKEN.match(value) else None


def json_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain and validation errors into JSON 4xx; anything unexpected into a JSON 500."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        service = getattr(args[0], "name", "unknown") if args else "unknown"

        def refused(status: int, body: dict[str, Any], **extra: Any) -> Response:
            service_metric(
                "counter",
                service,
                "http_refusals_total",
                "HTTP requests answered with an error",
                ["code"],
            ).labels(body["code"]).inc()
            return json_response(status, {"error": body}, **extra)

        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            error = validation_failed(exc)
            return refused(error.status, error.to_dict())
        except CaseworkError as exc:
            return refused(exc.status, exc.to_dict())
        except HTTPException as exc:
            code = exc.code or 400
            return refused(
                code, {"code": exc.name.lower().replace(" ", "_"), "message": exc.description}
            )
        except Exception as exc:
            if is_transient(exc):
                log.warning("database unavailable in %s (%s)", fn.__name__, type(exc).__name__)
                return refused(
                    503,
                    {"code": "temporarily_unavailable", "message": "try again shortly"},
                    headers={"Retry-After": "5"},
                )
            log.exception("unexpected error in %s", fn.__name__)
            return refused(
                500, {"code": "internal_error", "message": "something went wrong on our side"}
            )

    return wrapper
