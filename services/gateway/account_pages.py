"""The second step of signing in (a TOTP code, or setting one up when the office requires it)
and the signed-in person's own account: their password and their authenticator."""

from __future__ import annotations

from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from services.chassis.domain import Actor
from services.chassis.errors import Forbidden, ValidationFailed
from services.gateway import accounts, handlers, signin, two_factor
from services.gateway.access import (
    CSRF_FIELD,
    SESSION_COOKIE,
    Visit,
    clear_session_cookie,
    client_address,
    redirect,
    staff_page,
)
from services.gateway.web import field_problems, page_errors, render, secured

ACCOUNT_DONE = {
    "enrolled": "Your authenticator is set up: you will enter a code at each sign-in.",
}


def _groups(secret: str) -> str:
    """`ABCD EFGH ...`: easier to type into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class AccountPages:
    """Mixed into `GatewayService`: `self.db` is gateway's database."""

    db: Any

    @http("GET", "/login/second-factor")
    @secured
    @page_errors
    def second_factor_page(self, request: Request) -> Response:
        found = two_factor.pending_session(self.db, request.cookies.get(SESSION_COOKIE))
        if found is None:
            return redirect("/login")
        return self._second_factor(*found, status=200)

    @http("POST", "/login/second-factor")
    @secured
    @page_errors
    def second_factor(self, request: Request) -> Response:
        found = two_factor.pending_session(self.db, request.cookies.get(SESSION_COOKIE))
        if found is None:
            return redirect("/login")
        session, secret = found
        if not signin.csrf_matches(signin.csrf_token(secret), request.form.get(CSRF_FIELD)):
            raise Forbidden("This form expired. Reload the page and enter the code again.")
        try:
            two_factor.complete(
                self.db,
                session,
                secret,
                request.form.get("code", ""),
                origin=f"web {client_address(request)}",
            )
        except signin.LoginRefused as refused:
            if two_factor.pending_session(self.db, request.cookies.get(SESSION_COOKIE)) is None:
                # Locked out: the session is gone; the sign-in page says why.
                return self._locked(request, refused.message)
            return self._second_factor(session, secret, status=401, problem=refused.message)
        return redirect(f"/offices/{session.principal.office_id}/my-cases")

    @staff_page("GET", "/account")
    def account_page(self, request: Request, visit: Visit) -> Response:
        return self._account(request, visit, done=ACCOUNT_DONE.get(request.args.get("done", "")))

    @staff_page("POST", "/account/password")
    def change_password(self, request: Request, visit: Visit) -> Response:
        try:
            accounts.change_own_password(
                self.db,
                visit.principal,
                request.form.get("current", ""),
                request.form.get("new", ""),
                origin=visit.origin,
            )
        except ValidationFailed as exc:
            return self._account(request, visit, problems=field_problems(exc.fields), status=422)
        response = redirect("/login?changed")
        clear_session_cookie(response, request)
        return response

    @staff_page("POST", "/account/two-factor")
    def enrol(self, request: Request, visit: Visit) -> Response:
        principal = visit.principal
        if principal.office_id is None:
            raise Forbidden("platform admins sign in with their password")
        secret = _session_secret(request)
        try:
            two_factor.enrol(
                self.db,
                principal.office_id,
                principal.user_id,
                secret,
                request.form.get("code", ""),
                actor=Actor.staff(principal.user_id, principal.role, visit.origin),
            )
        except ValidationFailed as exc:
            return self._account(request, visit, problems=field_problems(exc.fields), status=422)
        return redirect("/account?done=enrolled")

    @staff_page("POST", "/account/two-factor/remove")
    def remove_own(self, request: Request, visit: Visit) -> Response:
        principal = visit.principal
        if principal.office_id is None:
            raise Forbidden("platform admins sign in with their password")
        _, required = two_factor.status(self.db, principal.office_id, principal.user_id)
        if required:
            raise Forbidden("your office requires a second factor")
        two_factor.remove(
            self.db,
            principal.office_id,
            principal.user_id,
            actor=Actor.staff(principal.user_id, principal.role, visit.origin),
        )
        response = redirect("/login")
        clear_session_cookie(response, request)
        return response

    # ------------------------------------------------------------------------------------------

    def _second_factor(
        self, session: Any, secret: str, *, status: int, problem: str | None = None
    ) -> Response:
        enrolling = session.pending == two_factor.ENROL
        offered = two_factor.enrolment_secret(secret)
        return render(
            "second_factor.html",
            status=status,
            enrolling=enrolling,
            secret_groups=_groups(offered),
            uri=two_factor.provisioning_uri(
                offered,
                session.principal.email,
                handlers.find_office(self.db, str(session.principal.office_id)).name,
            ),
            action="/login/second-factor",
            csrf=signin.csrf_token(secret),
            problem=problem,
            cancel=True,
        )

    def _locked(self, request: Request, message: str) -> Response:
        response = render(
            "error.html", status=401, title="Account locked", message=message, problems=[]
        )
        clear_session_cookie(response, request)
        return response

    def _account(
        self,
        request: Request,
        visit: Visit,
        *,
        done: str | None = None,
        problems: list[str] | None = None,
        status: int = 200,
    ) -> Response:
        principal = visit.principal
        has_totp, required, office_name = False, False, "Legislature IT"
        if principal.office_id is not None:
            has_totp, required = two_factor.status(self.db, principal.office_id, principal.user_id)
            office_name = handlers.find_office(self.db, principal.office_id).name
        offered = two_factor.enrolment_secret(_session_secret(request))
        return render(
            "account.html",
            status=status,
            visit=visit,
            nav="account",
            has_totp=has_totp,
            required=required,
            secret_groups=_groups(offered),
            uri=two_factor.provisioning_uri(offered, principal.email, office_name),
            done=done,
            problems=problems or [],
        )


def _session_secret(request: Request) -> str:
    """The secret part of the (already checked) session cookie."""
    return str(request.cookies.get(SESSION_COOKIE, "")).split(".", 1)[-1]
