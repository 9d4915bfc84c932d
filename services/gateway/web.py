"""Server-rendered staff pages: the Jinja2 environment (autoescaping on), security headers on
every response, and errors shown as pages instead of stack traces."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from services.chassis.db import utcnow
from services.chassis.errors import CaseworkError
from services.chassis.schemas import strip_bidi_controls
from services.contracts.vocabulary import (
    CASE_OBTAINED,
    CASE_PRIORITIES,
    CASE_RESULTS,
    CASE_STATUSES,
    CATEGORIES,
)
from services.gateway.domain.identity import ROLE_LABELS
from services.gateway.domain.queue import (
    DEFAULT_PAGE_SIZE,
    QueueFilter,
    category_label,
    human_date,
    status_label,
)

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STYLESHEET = (HERE / "static" / "gateway.css").read_text(encoding="utf-8")

# The stylesheet is served from /static, so no inline style or script is ever needed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def isolated(text: object) -> Markup:
    """Text someone typed, shown in its own `<bdi>`: its direction cannot spill into the page
    around it, and the overrides that make "evil" display as "live" are removed (escaped too,
    like everything else)."""
    return Markup("<bdi>{}</bdi>").format(strip_bidi_controls(str(text)))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(moment: datetime | str | None, zone: str) -> str:
    """`3 Dec 2026, 14:05` in the office's time zone (from a datetime or its ISO text, as
    entries that cross RPC as plain dicts carry it)."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = moment.astimezone(_zone(zone))
    return f"{local.day} {local.strftime('%b %Y, %H:%M')}"


def local_date(day: date | None) -> str:
    return "" if day is None else f"{day.day} {day.strftime('%b %Y')}"


def plain(text: object) -> str:
    """Text someone typed, where no markup may go (the page title): without bidi controls."""
    return strip_bidi_controls(str(text))


templates.filters["isolated"] = isolated
templates.filters["plain"] = plain
templates.filters["status_label"] = status_label
templates.filters["category_label"] = category_label
templates.filters["human_date"] = lambda moment: human_date(moment, utcnow())
templates.filters["local_time"] = local_time
templates.filters["local_date"] = local_date
templates.filters["role_label"] = lambda role: ROLE_LABELS.get(role, role or "")
templates.filters["label"] = category_label
templates.globals["statuses"] = CASE_STATUSES
# Nobody works on these any more: they take no caseworker (a reopening comes first).
templates.globals["finished"] = ("resolved", "closed", "withdrawn", "transferred")
templates.globals["categories"] = CATEGORIES
templates.globals["priorities"] = CASE_PRIORITIES
templates.globals["results"] = CASE_RESULTS
templates.globals["obtained_kinds"] = CASE_OBTAINED


def page_query(query: QueueFilter, offset: int) -> dict[str, Any]:
    """The query string of another page of the same queue."""
    wanted: dict[str, Any] = {**query.filters(), "offset": offset}
    if query.limit != DEFAULT_PAGE_SIZE:
        wanted["limit"] = query.limit
    return wanted


templates.globals["page_query"] = page_query


def render(template: str, status: int = 200, **context: Any) -> Response:
    html = templates.get_template(template).render(**context)
    # Case lists hold personal data: no shared or browser cache keeps a copy.
    return Response(
        html,
        status=status,
        mimetype="text/html",
        headers={"Cache-Control": "no-store"},
    )


def secured(fn: Callable[..., Response]) -> Callable[..., Response]:
    """Add the security headers to whatever the entrypoint answers."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        response = fn(*args, **kwargs)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return wrapper


ERROR_TITLES = {
    400: "That request was not understood",
    401: "Sign in first",
    403: "You may not do that",
    404: "Not found",
    409: "That conflicts with what is already there",
    413: "That file is too large",
    422: "That request was not understood",
    503: "Unavailable right now",
}


def page_errors(fn: Callable[..., Response]) -> Callable[..., Response]:
    """The HTML twin of the chassis `json_errors`: a page a person can act on, never a trace."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            return error_page(
                400, "Some values in the address are not valid", field_problems(exc.messages)
            )
        except CaseworkError as exc:
            return error_page(exc.status, exc.message, field_problems(exc.fields))
        except HTTPException as exc:
            # A form werkzeug refused to read (a field larger than it parses, say).
            return error_page(exc.code or 400, exc.description or "", [])
        except Exception:
            log.exception("unexpected error in %s", fn.__name__)
            return error_page(500, "Something went wrong on our side", [])

    return wrapper


def error_page(status: int, message: str, problems: list[str]) -> Response:
    return render(
        "error.html",
        status=status,
        title=ERROR_TITLES.get(status, "Something went wrong"),
        message=message,
        problems=problems,
    )


def field_problems(messages: Any) -> list[str]:
    """`{"status": ["choose one of: ..."]}` as `["status: choose one of: ..."]`."""
    if isinstance(messages, Mapping):
        return [f"{name}: {_joined(errors)}" for name, errors in sorted(messages.items())]
    return [_joined(messages)] if messages else []


def _joined(errors: Any) -> str:
    return "; ".join(str(item) for item in errors) if isinstance(errors, list) else str(errors)


def query_args(request: Request) -> dict[str, str]:
    """The query string as schema input; an empty value (a form's "All") means "not given"."""
    return {name: value for name, value in request.args.items() if value != ""}


# A downloaded file opened in the browser runs nothing and loads nothing.
DOWNLOAD_POLICY = "default-src 'none'; sandbox"


def download(content: bytes, content_type: str, filename: str) -> Response:
    """A file to save, never to keep in a cache (it holds a constituent's papers)."""
    return Response(
        content,
        mimetype=content_type,
        headers={
            "Content-Disposition": content_disposition(filename),
            "Cache-Control": "no-store",
            "Content-Security-Policy": DOWNLOAD_POLICY,
        },
    )


def content_disposition(filename: str) -> str:
    """`attachment` with the file's name: a plain ASCII one for every browser, and the name as
    given (RFC 5987) for those that read it; quotes, controls and folders never get in."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(character for character in name if character.isprintable()) or "document"
    plain = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip() or "document"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def stylesheet() -> Response:
    return Response(
        STYLESHEET, mimetype="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )
