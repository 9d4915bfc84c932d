"""Gateway's nameko entrypoints: the staff web app and the staff JSON API.

Pages are server-rendered (Jinja2, autoescaped); case data comes from `cases` and `metrics` over
RPC with a deadline, offices from gateway's own database. Staff login and sessions are the next
issue: until then the gateway binds 127.0.0.1 only (`CASEWORK_GATEWAY_HTTP_ADDRESS`) and must
not be exposed beyond the machine.
"""

from __future__ import annotations

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from services.chassis.http import json_errors, json_response
from services.chassis.service import Database, ServiceBase
from services.gateway import handlers
from services.gateway.domain.queue import ServiceUnavailable
from services.gateway.models import Base
from services.gateway.remote import DeadlineRpc
from services.gateway.repository import GatewayUnitOfWork
from services.gateway.schemas import CaseQueueOutSchema, QueueQuerySchema
from services.gateway.web import page_errors, query_args, render, secured, stylesheet


class GatewayService(ServiceBase):
    name = "gateway"
    db = Database(Base.metadata, unit_of_work=GatewayUnitOfWork)
    cases = DeadlineRpc("cases")
    # Not `metrics`: that name is the Prometheus endpoint every service inherits.
    metrics_service = DeadlineRpc("metrics")

    @http("GET", "/")
    @secured
    @page_errors
    def offices_page(self, request: Request) -> Response:
        return render("offices.html", offices=handlers.list_offices(self.db))

    @http("GET", "/offices/<string:office_id>/cases")
    @secured
    @page_errors
    def case_queue_page(self, request: Request, office_id: str) -> Response:
        office = handlers.find_office(self.db, office_id)
        query = QueueQuerySchema().load(query_args(request))
        try:
            queue = handlers.case_queue(self.cases, self.metrics_service, office, query)
        except ServiceUnavailable:
            return render("case_queue.html", status=503, office=office, query=query, queue=None)
        return render("case_queue.html", office=office, query=query, queue=queue)

    @http("GET", "/api/v1/offices/<string:office_id>/cases")
    @secured
    @json_errors
    def case_queue_api(self, request: Request, office_id: str) -> Response:
        office = handlers.find_office(self.db, office_id)
        query = QueueQuerySchema().load(query_args(request))
        queue = handlers.case_queue(self.cases, None, office, query)
        return json_response(200, CaseQueueOutSchema().dump(queue))

    @http("GET", "/static/gateway.css")
    @secured
    def stylesheet(self, request: Request) -> Response:
        return stylesheet()
