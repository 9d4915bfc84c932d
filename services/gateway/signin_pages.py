"""The sign-in and sign-out pages, and where `/` takes each person."""

from __future__ import annotations

from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from services.chassis.errors import Forbidden
from services.gateway import handlers, signin
from services.gateway.access import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Visit,
    clear_session_cookie,
    client_address,
    login_csrf,
    redirect,
    safe_next,
    set_login_csrf_cookie,
    set_session_cookie,
    staff_page,
)
from services.gateway.domain.identity import PLATFORM
from services.gateway.web import page_errors, render, secured


class SigninPages:
    """Mixed into `GatewayService`: `self.db` is gateway's database."""

    db: Any

    @http("GET", "/login")
    @secured
    @page_errors
    def login_page(self, request: Request) -> Response:
        return self._login_form(
            request,
            status=200,
            expired="expired" in request.args,
            changed="changed" in request.args,
        )

    @http("POST", "/login")
    @secured
    @page_errors
    def log_in(self, request: Request) -> Response:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE)
        if not expected or not signin.csrf_matches(expected, request.form.get(CSRF_FIELD)):
            raise Forbidden(
                "This form expired or did not come from this site. Reload the page and sign in."
            )
        workplace = request.form.get("workplace", "")
        email = request.form.get("email", "")
        try:
            signed = signin.log_in(
                self.db,
                workplace,
                email,
                request.form.get("password", ""),
                address=client_address(request),
            )
        except signin.LoginRefused as refused:
            return self._login_form(
                request, status=401, problem=refused.message, workplace=workplace, email=email
            )
        principal = signed.principal
        if signed.pending is not None:
            response = redirect("/login/second-factor")
            set_session_cookie(response, request, signed.cookie)
            response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
            return response
        home = (
            "/platform/offices"
            if principal.office_id is None
            else f"/offices/{principal.office_id}/my-cases"
        )
        target = safe_next(request.form.get("next"))
        response = redirect(home if target == "/" else target)
        # A new session id at every login: one fixed before login is never the signed-in one.
        set_session_cookie(response, request, signed.cookie)
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @staff_page("POST", "/logout")
    def log_out(self, request: Request, visit: Visit) -> Response:
        signin.log_out(self.db, request.cookies.get(SESSION_COOKIE), visit.principal)
        response = redirect("/login")
        clear_session_cookie(response, request)
        return response

    @http("GET", "/")
    @secured
    @page_errors
    def home(self, request: Request) -> Response:
        found = signin.current_principal(self.db, request.cookies.get(SESSION_COOKIE))
        if found is None:
            return redirect("/login")
        principal = found[0]
        if principal.office_id is None:
            return redirect("/platform/offices")
        return redirect(f"/offices/{principal.office_id}/my-cases")

    def _login_form(
        self,
        request: Request,
        *,
        status: int,
        problem: str | None = None,
        workplace: str = "",
        email: str = "",
        expired: bool = False,
        changed: bool = False,
    ) -> Response:
        token = login_csrf(request)
        offices = handlers.list_offices(self.db)
        if not workplace and len(offices) == 1:
            workplace = offices[0].office_id
        response = render(
            "login.html",
            status=status,
            csrf=token,
            next=safe_next(request.args.get("next") or request.form.get("next")),
            offices=offices,
            platform=PLATFORM,
            workplace=workplace,
            email=email,
            problem=problem,
            expired=expired,
            changed=changed,
        )
        set_login_csrf_cookie(response, request, token)
        return response
