"""Running an office and the platform: the office admin's settings (staff, passwords, API
tokens) and the platform admin's offices page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError
from nameko import config
from nameko.constants import AMQP_URI_CONFIG_KEY
from werkzeug.wrappers import Request, Response

from services.chassis.domain import Actor
from services.chassis.errors import CaseworkError, NotFound, ValidationFailed
from services.gateway import accounts, casework, handlers, signin, two_factor
from services.gateway.access import Visit, redirect, staff_page
from services.gateway.domain.identity import ROLE_LABELS
from services.gateway.domain.staff import ROLES, OfficeChange, SendingHours
from services.gateway.platform_health import platform_health
from services.gateway.schemas import (
    AddStaffMemberSchema,
    RegisterOfficeSchema,
    ReminderIntervalsSchema,
)
from services.gateway.web import field_problems, render

SETTINGS = "/offices/<string:office_id>/settings"
INTERVAL_FIELDS = tuple(ReminderIntervalsSchema().fields)
MEMBER = SETTINGS + "/staff/<string:user_id>"
SETTINGS_DONE = {
    "added": "Colleague added. Give them their first password in person.",
    "password": "Password set. Their other sessions were signed out.",
    "changed": "Saved. Routing uses the change for the next case.",
    "revoked": "Token revoked: it no longer works.",
    "two_factor_reset": "Their authenticator is removed; they set up a new one when required.",
    "required": "Everyone in this office now signs in with a second factor.",
    "optional": "A second factor is now each person's choice.",
    "timezone": "Time zone saved: dates on this office's pages follow it.",
    "reminders": "Reminder intervals saved: reminders scheduled from now on follow them.",
    "sending_hours": "Sending hours saved: messages queued from now on go out in them.",
}
# The zones a legislature's offices are in, first; any other IANA name is accepted too.
OFFICE_TIMEZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "Pacific/Guam",
    "Europe/London",
)
OFFICE_DONE = {
    OfficeChange.CREATED.value: "Office registered.",
    OfficeChange.UPDATED.value: "Office updated.",
    OfficeChange.UNCHANGED.value: "That office was already registered as it is.",
}


class AdminPages:
    """Mixed into `GatewayService`: `self.db` is gateway's database."""

    db: Any

    @staff_page("GET", SETTINGS, office_admin=True)
    def settings_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        done = SETTINGS_DONE.get(request.args.get("done", ""))
        return self._settings(visit, office_id, done=done)

    @staff_page("POST", SETTINGS + "/staff", office_admin=True)
    def add_colleague(self, request: Request, visit: Visit, office_id: str) -> Response:
        actor = _actor(visit)
        try:
            command = AddStaffMemberSchema().load(
                {
                    "office_id": office_id,
                    "display_name": request.form.get("display_name", ""),
                    "email": request.form.get("email", ""),
                    "role": request.form.get("role", ""),
                }
            )
            password_hash = signin.hash_password(request.form.get("password", ""))
            member = handlers.add_staff_member(self.db, command, actor=actor).member
            accounts.set_password_hash(
                self.db, office_id, member.user_id, password_hash, actor=actor
            )
        except ValidationError as exc:
            return self._settings(visit, office_id, problems=field_problems(exc.messages))
        except CaseworkError as exc:
            return self._settings(visit, office_id, problems=_problems(exc))
        return redirect(f"/offices/{office_id}/settings?done=added")

    @staff_page("GET", MEMBER, office_admin=True)
    def staff_member_page(
        self, request: Request, visit: Visit, office_id: str, user_id: str
    ) -> Response:
        return self._member(visit, office_id, user_id)

    @staff_page("POST", MEMBER, office_admin=True)
    def change_colleague(
        self, request: Request, visit: Visit, office_id: str, user_id: str
    ) -> Response:
        active = request.form.get("active") == "true" or user_id == visit.principal.user_id
        try:
            handlers.change_staff_member(
                self.db,
                office_id,
                user_id,
                actor=_actor(visit),
                role=request.form.get("role") or None,
                specialties=tuple(request.form.getlist("specialties")),
                active=active,
            )
        except CaseworkError as exc:
            return self._member(visit, office_id, user_id, problems=_problems(exc))
        return redirect(f"/offices/{office_id}/settings?done=changed")

    @staff_page("POST", MEMBER + "/two-factor-reset", office_admin=True)
    def reset_two_factor(
        self, request: Request, visit: Visit, office_id: str, user_id: str
    ) -> Response:
        two_factor.remove(self.db, office_id, user_id, actor=_actor(visit))
        return redirect(f"/offices/{office_id}/settings?done=two_factor_reset")

    @staff_page("POST", SETTINGS + "/timezone", office_admin=True)
    def set_timezone(self, request: Request, visit: Visit, office_id: str) -> Response:
        try:
            handlers.set_office_timezone(
                self.db, office_id, request.form.get("timezone", ""), actor=_actor(visit)
            )
        except CaseworkError as exc:
            return self._settings(visit, office_id, problems=_problems(exc))
        return redirect(f"/offices/{office_id}/settings?done=timezone")

    @staff_page("POST", SETTINGS + "/reminders", office_admin=True)
    def set_reminder_intervals(self, request: Request, visit: Visit, office_id: str) -> Response:
        try:
            intervals = ReminderIntervalsSchema().load(
                {name: request.form.get(name, "") for name in INTERVAL_FIELDS}
            )
            handlers.set_reminder_intervals(self.db, office_id, intervals, actor=_actor(visit))
        except ValidationError as exc:
            return self._settings(visit, office_id, problems=field_problems(exc.messages))
        except CaseworkError as exc:
            return self._settings(visit, office_id, problems=_problems(exc))
        return redirect(f"/offices/{office_id}/settings?done=reminders")

    @staff_page("POST", SETTINGS + "/sending-hours", office_admin=True)
    def set_sending_hours(self, request: Request, visit: Visit, office_id: str) -> Response:
        try:
            hours = (
                None
                if request.form.get("action") == "default"
                else SendingHours(
                    _hour(request.form, "sending_from"), _hour(request.form, "sending_until")
                )
            )
            handlers.set_sending_hours(self.db, office_id, hours, actor=_actor(visit))
        except CaseworkError as exc:
            return self._settings(visit, office_id, problems=_problems(exc))
        return redirect(f"/offices/{office_id}/settings?done=sending_hours")

    @staff_page("POST", SETTINGS + "/two-factor", office_admin=True)
    def require_two_factor(self, request: Request, visit: Visit, office_id: str) -> Response:
        required = request.form.get("require_totp") == "true"
        two_factor.require(self.db, office_id, required, actor=_actor(visit))
        return redirect(
            f"/offices/{office_id}/settings?done={'required' if required else 'optional'}"
        )

    @staff_page("POST", MEMBER + "/password", office_admin=True)
    def reset_password(
        self, request: Request, visit: Visit, office_id: str, user_id: str
    ) -> Response:
        try:
            password_hash = signin.hash_password(request.form.get("password", ""))
            accounts.set_password_hash(
                self.db, office_id, user_id, password_hash, actor=_actor(visit)
            )
        except CaseworkError as exc:
            return self._settings(visit, office_id, problems=_problems(exc))
        return redirect(f"/offices/{office_id}/settings?done=password")

    @staff_page("POST", SETTINGS + "/tokens", office_admin=True)
    def create_token(self, request: Request, visit: Visit, office_id: str) -> Response:
        name = request.form.get("name", "").strip()
        if not name or len(name) > 100:
            return self._settings(
                visit, office_id, problems=["Name the token (up to 100 characters)."]
            )
        try:
            token = accounts.issue_token(
                self.db, office_id, request.form.get("email", ""), name, actor=_actor(visit)
            )
        except NotFound as exc:
            return self._settings(visit, office_id, problems=[exc.message])
        # Shown once, on this answer: never stored, never in a URL.
        return self._settings(visit, office_id, new_token=token)

    @staff_page("POST", SETTINGS + "/tokens/<string:token_id>/revoke", office_admin=True)
    def revoke_token(
        self, request: Request, visit: Visit, office_id: str, token_id: str
    ) -> Response:
        accounts.revoke_token(self.db, office_id, token_id, actor=_actor(visit))
        return redirect(f"/offices/{office_id}/settings?done=revoked")

    @staff_page("GET", "/platform/offices", platform=True)
    def offices_page(self, request: Request, visit: Visit) -> Response:
        done = OFFICE_DONE.get(request.args.get("done", ""))
        return self._offices(visit, done=done)

    @staff_page("GET", "/platform/health", platform=True)
    def platform_health_page(self, request: Request, visit: Visit) -> Response:
        services = platform_health(config[AMQP_URI_CONFIG_KEY])
        return render(
            "platform_health.html",
            status=200 if services is not None else 503,
            visit=visit,
            nav="health",
            services=services,
        )

    @staff_page("POST", "/platform/offices", platform=True)
    def register_office(self, request: Request, visit: Visit) -> Response:
        try:
            command = RegisterOfficeSchema().load(
                {
                    name: request.form.get(name, "")
                    for name in ("office_id", "name", "reply_to_email")
                }
            )
            change = handlers.register_office(self.db, command, actor=_actor(visit))
        except ValidationError as exc:
            return self._offices(visit, problems=field_problems(exc.messages), status=422)
        except CaseworkError as exc:
            return self._offices(visit, problems=_problems(exc), status=exc.status)
        return redirect(f"/platform/offices?done={change.value}")

    # ------------------------------------------------------------------------------------------

    def _settings(
        self,
        visit: Visit,
        office_id: str,
        *,
        done: str | None = None,
        problems: list[str] | None = None,
        new_token: str | None = None,
    ) -> Response:
        office = handlers.find_office(self.db, office_id)
        schedule = handlers.office_schedule(self.db, office_id)
        staff, tokens = accounts.office_accounts(self.db, office_id)
        _, required = two_factor.status(self.db, office_id, visit.principal.user_id)
        return render(
            "settings.html",
            require_totp=required,
            status=422 if problems else 200,
            visit=visit,
            nav="settings",
            office=office,
            staff=staff,
            tokens=tokens,
            roles=ROLES,
            role_labels=ROLE_LABELS,
            timezones=OFFICE_TIMEZONES,
            reminders=schedule.reminders,
            sending_hours=schedule.sending_hours,
            done=done,
            problems=problems or [],
            new_token=new_token,
        )

    def _member(
        self,
        visit: Visit,
        office_id: str,
        user_id: str,
        *,
        problems: list[str] | None = None,
    ) -> Response:
        office = handlers.find_office(self.db, office_id)
        member = next(
            (m for m in casework.office_staff(self.db, office_id) if m.user_id == user_id), None
        )
        if member is None:
            raise NotFound("there is no such colleague in this office")
        has_totp, _ = two_factor.status(self.db, office_id, user_id)
        return render(
            "staff_member.html",
            status=422 if problems else 200,
            visit=visit,
            nav="settings",
            office=office,
            member=member,
            has_totp=has_totp,
            roles=ROLES,
            problems=problems or [],
        )

    def _offices(
        self,
        visit: Visit,
        *,
        done: str | None = None,
        problems: list[str] | None = None,
        status: int = 200,
    ) -> Response:
        return render(
            "offices.html",
            status=status,
            visit=visit,
            nav="offices",
            offices=handlers.list_offices(self.db),
            done=done,
            problems=problems or [],
        )


def _actor(visit: Visit) -> Actor:
    return Actor.staff(visit.principal.user_id, visit.principal.role, visit.origin)


def _problems(exc: CaseworkError) -> list[str]:
    return field_problems(exc.fields) or [exc.message]


def _hour(form: Mapping[str, str], name: str) -> int:
    """A whole hour of the day from the settings form; refused naming its field."""
    value = form.get(name, "").strip()
    if not value.isdigit():
        raise ValidationFailed("not an hour", fields={name: ["a whole hour from 0 to 24"]})
    return int(value)
