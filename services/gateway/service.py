"""Gateway's nameko service: the staff web app and the staff JSON API.

Pages are server-rendered (Jinja2, autoescaped) and work without JavaScript; case data comes
from `cases` (and figures from `metrics`) over RPC with a deadline, acting as the signed-in
person; offices, staff, sessions and API tokens are in gateway's own database. The routes
live in the mixins: sign-in (`signin_pages`), cases (`case_pages`), agency liaison
(`letter_pages`, `liaison_pages`, `directory_pages`), the bell's notifications from `notify`
(`bell_pages`), office and platform administration (`admin_pages`), and the JSON API (`api`).
"""

from __future__ import annotations

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from services.chassis.remote import DeadlineRpc
from services.chassis.service import Database, ServiceBase
from services.gateway import (
    account_pages,
    admin_pages,
    api,
    bell_pages,
    case_file_pages,
    case_pages,
    directory_pages,
    letter_pages,
    liaison_pages,
    release_text_pages,
    signin_pages,
    wording_pages,
)
from services.gateway.access import Acting
from services.gateway.models import Base
from services.gateway.repository import GatewayUnitOfWork
from services.gateway.web import secured, stylesheet


# The mixins are reached through their modules: `nameko run` starts every class with
# entrypoints that this module names, and each of them is only a part of this one service.
class GatewayService(
    signin_pages.SigninPages,
    account_pages.AccountPages,
    case_pages.CasePages,
    case_file_pages.CaseFilePages,
    bell_pages.BellPages,
    letter_pages.LetterPages,
    liaison_pages.LiaisonPages,
    directory_pages.DirectoryPages,
    admin_pages.AdminPages,
    wording_pages.WordingPages,
    release_text_pages.ReleaseTextPages,
    api.CaseApi,
    ServiceBase,
):
    name = "gateway"
    db = Database(Base.metadata, unit_of_work=GatewayUnitOfWork)
    cases = DeadlineRpc("cases")
    intake = DeadlineRpc("intake")
    agencies = DeadlineRpc("agencies")
    notify = DeadlineRpc("notify")
    # Not `metrics`: that name is the Prometheus endpoint every service inherits.
    metrics_service = DeadlineRpc("metrics")
    act_as = Acting()

    @http("GET", "/static/gateway.css")
    @secured
    def stylesheet(self, request: Request) -> Response:
        return stylesheet()
