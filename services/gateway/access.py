"""Who may reach a page or an API route: the session cookie (pages, and the API from a
signed-in browser) or a bearer token (integrations), the CSRF check on every form, the tenant
rule (another office's data is not found, never forbidden), and the acting person put in the
RPC context of every call the worker makes, so the owning service checks the role again.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from nameko.extensions import DependencyProvider
from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from services.chassis.errors import Forbidden, NotFound, PayloadTooLarge, Unauthorized
from services.chassis.http import drain, json_errors
from services.gateway import bell, signin
from services.gateway.bell import Bell
from services.gateway.domain.identity import Principal
from services.gateway.web import page_errors, secured

SESSION_COOKIE = "casework_session"
LOGIN_CSRF_COOKIE = "casework_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Visit:
    """A signed-in request: who, and the CSRF token their forms carry."""

    principal: Principal
    csrf: str
    origin: str
    # The visitor's unread notifications, asked for as the request started (office pages).
    bell: Bell | None = None


class Acting(DependencyProvider):
    """Puts the acting person into the worker's context data, which nameko sends with every RPC
    request the worker makes (`user_id`, `role`, `office_id`, `origin`, and `user_name`, the
    name a letter is signed with)."""

    def get_dependency(self, worker_ctx: Any) -> Callable[[Principal, str], None]:
        def act_as(principal: Principal, origin: str) -> None:
            worker_ctx.data.update(
                user_id=principal.user_id,
                role=principal.role,
                office_id=principal.office_id or "",
                origin=origin,
                user_name=principal.display_name,
            )

        return act_as


def client_address(request: Request) -> str | None:
    return request.remote_addr


def is_https(request: Request) -> bool:
    return request.scheme == "https" or request.headers.get("X-Forwarded-Proto") == "https"


def set_session_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        httponly=True,
        samesite="Lax",
        secure=is_https(request),
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="Lax", secure=is_https(request)
    )


def login_csrf(request: Request) -> str:
    """The login form's token: double-submitted, in a cookie and in the form."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)


def set_login_csrf_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=is_https(request),
        path="/login",
    )


def redirect(location: str, status: int = 303) -> Response:
    return Response("", status=status, headers={"Location": location})


# A path on this site: no `//elsewhere`, no backslash, tab or other character a browser would
# strip or turn into a host.
LOCAL_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9/_.~%?=&+-]*\Z")


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this site only."""
    return target if target and LOCAL_PATH.match(target) else "/"


def signed_in(
    *,
    platform: bool = False,
    office_admin: bool = False,
    supervisor: bool = False,
    writer: bool = False,
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """A page for signed-in staff: an office page (`office_id` in the route) for its office's
    staff, or with `platform=True` a platform admin's page. Forms (POST) must carry the
    session's CSRF token. The page method gets the `Visit` after the request."""

    def decorate(fn: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(fn)
        def wrapper(self: Any, request: Request, **kwargs: Any) -> Response:
            found = signin.current_principal(self.db, request.cookies.get(SESSION_COOKIE))
            if found is None:
                wanted = request.full_path.rstrip("?") if request.method == "GET" else "/"
                return redirect(f"/login?next={quote(wanted, safe='/')}")
            principal, secret = found
            visit = Visit(principal, signin.csrf_token(secret), f"web {client_address(request)}")
            if request.method not in SAFE_METHODS and not signin.csrf_matches(
                visit.csrf, request.form.get(CSRF_FIELD)
            ):
                raise Forbidden(
                    "This form expired or did not come from this site. Go back, reload the "
                    "page and try again."
                )
            _admit(principal, kwargs.get("office_id"), platform, office_admin, supervisor)
            if writer and not principal.can_write:
                raise Forbidden("your role reads cases; it does not open them")
            self.act_as(principal, visit.origin)
            if request.method == "GET" and principal.office_id:
                visit = replace(visit, bell=bell.ask(self.notify, principal.office_id))
            return fn(self, request, visit, **kwargs)

        return wrapper

    return decorate


def staff_page(
    method: str, path: str, *, max_body: int | None = None, **access: bool
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """A page of the staff app: the route, the security headers, errors shown as a page, and
    `signed_in(**access)`; the method gets the `Visit` after the request. A form that uploads
    a file says how large its body may be (`max_body`): a larger one is refused before it is
    read."""

    def decorate(fn: Callable[..., Response]) -> Callable[..., Response]:
        page = signed_in(**access)(fn)
        if max_body is not None:
            page = body_limit(max_body)(page)
        return http(method, path)(secured(page_errors(page)))  # type: ignore[no-any-return]

    return decorate


# An upload a little too large is read and thrown away before the 413, so the browser shows
# the answer rather than a reset connection; a far larger one is not read at all.
UPLOAD_DRAIN_LIMIT = 32 * 1024 * 1024


def body_limit(max_bytes: int) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Refuse a request body over `max_bytes` (or of unknown length) before the form is read,
    and make werkzeug stop reading at that size whatever the headers said."""

    def decorate(fn: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(fn)
        def wrapper(self: Any, request: Request, **kwargs: Any) -> Response:
            length = request.content_length
            if length is None or length > max_bytes:
                if length is not None and length <= UPLOAD_DRAIN_LIMIT:
                    drain(request)
                megabytes = max_bytes // (1024 * 1024)
                raise PayloadTooLarge(
                    f"The upload is larger than this form takes (about {megabytes} MB). "
                    "Go back and choose a smaller file."
                )
            request.max_content_length = max_bytes
            return fn(self, request, **kwargs)

        return wrapper

    return decorate


def staff_api(
    method: str, path: str
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """A route of the staff JSON API: the route, the security headers, errors as JSON, and
    `api_access`; the method gets the `Principal` after the request."""

    def decorate(fn: Callable[..., Response]) -> Callable[..., Response]:
        return http(method, path)(secured(json_errors(api_access(fn))))  # type: ignore[no-any-return]

    return decorate


def api_access(fn: Callable[..., Response]) -> Callable[..., Response]:
    """A staff JSON API route of one office: `Authorization: Bearer <token>`, or a signed-in
    browser's session (whose writes must send the `X-CSRF-Token` header)."""

    @functools.wraps(fn)
    def wrapper(self: Any, request: Request, **kwargs: Any) -> Response:
        office_id = kwargs["office_id"]
        authorization = request.headers.get("Authorization", "")
        principal: Principal | None
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("send `Authorization: Bearer <token>`")
            principal = signin.token_principal(self.db, token.strip())
            if principal is None:
                raise Unauthorized("the token is not valid (unknown or revoked)")
        else:
            found = signin.current_principal(self.db, request.cookies.get(SESSION_COOKIE))
            if found is None:
                raise Unauthorized("sign in, or send `Authorization: Bearer <token>`")
            principal, secret = found
            if request.method not in SAFE_METHODS and not signin.csrf_matches(
                signin.csrf_token(secret), request.headers.get(CSRF_HEADER)
            ):
                raise Forbidden(f"a write from a browser session must send {CSRF_HEADER}")
        _admit(principal, office_id, False, False, False)
        self.act_as(principal, f"api {client_address(request)}")
        return fn(self, request, principal, **kwargs)

    return wrapper


def _admit(
    principal: Principal,
    office_id: str | None,
    platform: bool,
    office_admin: bool,
    supervisor: bool,
) -> None:
    if platform:
        if not principal.is_platform_admin:
            raise Forbidden("only platform admins (legislature IT) manage offices")
        return
    if principal.is_platform_admin:
        raise Forbidden("platform admins manage offices; they read no case content")
    if office_id is not None and not principal.works_in(office_id):
        raise NotFound("there is no such page")
    if office_admin and not principal.administers_office:
        raise Forbidden("only the office admin may do that")
    if supervisor and not principal.supervises:
        raise Forbidden("only supervisors and the office admin may see that")
