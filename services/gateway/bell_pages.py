"""The signed-in person's notifications: what the bell in the header counts, listed newest first
with the case each is about, and marked as read one at a time or all together (plain forms
that post and redirect back, so a reload never posts twice)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from services.gateway import bell, handlers
from services.gateway.access import Visit, redirect, staff_page
from services.gateway.domain.queue import ServiceUnavailable
from services.gateway.web import render

NOTIFICATIONS = "/offices/<string:office_id>/notifications"


class BellPages:
    """Mixed into `GatewayService`: `self.db` is gateway's database, `self.notify` notify."""

    db: Any
    notify: Any

    @staff_page("GET", NOTIFICATIONS)
    def notifications_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        unread_only = request.args.get("show") == "unread"
        context: dict[str, Any] = dict(
            visit=visit,
            nav="notifications",
            office=handlers.find_office(self.db, office_id),
            unread_only=unread_only,
            kinds=bell.KIND_LABELS,
            done=request.args.get("done") == "read",
        )
        try:
            found = bell.notifications(self.notify, office_id, unread_only)
        except ServiceUnavailable:
            return render("notifications.html", status=503, found=None, **context)
        return render("notifications.html", found=found, **context)

    @staff_page("POST", NOTIFICATIONS + "/read")
    def mark_notifications_read(self, request: Request, visit: Visit, office_id: str) -> Response:
        """One notification (`notification_id`), or every unread one when none is named."""
        chosen = request.form.get("notification_id") or None
        bell.mark_read(self.notify, office_id, [chosen] if chosen else None)
        show = "&show=unread" if request.form.get("show") == "unread" else ""
        return redirect(f"/offices/{office_id}/notifications?done=read{show}")
