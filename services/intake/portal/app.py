"""intake-web: the Flask application that is intake's front door. The constituent's pages
(request form, confirmation, status, privacy release), the public JSON API and the SMS
provider's webhook for replies to texts (`sms_webhook.py`), on intake's
own database; what they start goes to the outbox, so neither needs RabbitMQ to accept work.

`create_app()` builds it; `services.intake.portal.__main__` serves it (waitress) beside the
outbox relay, which it finds on `app.extensions`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, make_response, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from services.chassis.config import load_settings
from services.chassis.db import create_db_engine, is_transient
from services.chassis.http import MAX_JSON_BYTES
from services.chassis.observability import service_metric, setup_tracing
from services.chassis.uow import DatabaseAccess
from services.intake.models import Base

# form_pages, status_pages and document_pages are imported for their routes, which they put
# on pages.blueprint; sms_webhook has a blueprint of its own.
from services.intake.portal import (  # noqa: F401
    api,
    document_pages,
    form_pages,
    pages,
    sms_webhook,
    status_pages,
)
from services.intake.portal.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGE_COOKIE_SECONDS,
    chosen_language,
    init_babel,
)
from services.intake.portal.metrics import WEB, refused
from services.intake.portal.settings import PortalSettings, load_portal_settings
from services.intake.uow import IntakeUnitOfWork

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
# The relay and /ready share the platform engine: a few connections suffice (as the nameko
# services' `Database` gives theirs).
PLATFORM_POOL_SIZE = 3

# Pages and stylesheet are served from here, with no inline script or style anywhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
        "object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class RelayDoorbell:
    """Rings the outbox relay after a commit that wrote events. The app is built before the
    relay (which needs the app's platform sessions): `__main__` connects the relay's `wake`
    once it has one; until then a commit just leaves its rows for the relay's next poll."""

    def __init__(self, wake: Callable[[], None] | None = None) -> None:
        self._wake = wake

    def connect(self, wake: Callable[[], None]) -> None:
        self._wake = wake

    def __call__(self) -> None:
        if self._wake is not None:
            self._wake()


@dataclass(frozen=True)
class IntakeEngines:
    """The engines under `app.extensions["intake_db"]`, for the relay and for shutdown."""

    engine: Engine
    platform_engine: Engine
    sessions: sessionmaker[Session]
    platform_sessions: sessionmaker[Session]

    def dispose(self) -> None:
        self.engine.dispose()
        self.platform_engine.dispose()


def create_app(
    database_url: str | None = None,
    *,
    relay_wake: Callable[[], None] | None = None,
    config: Mapping[str, Any] | None = None,
) -> Flask:
    """The portal on intake's database (`CASEWORK_INTAKE_DATABASE_URL` unless given).

    `config`: portal settings by field name (`PortalSettings`: `min_fill_seconds`,
    `ratelimit_storage_uri`...) over the environment's, plus any Flask setting in upper case.
    """
    given = dict(config or {})
    flask_config = {key: value for key, value in given.items() if key.isupper()}
    portal = load_portal_settings({k: v for k, v in given.items() if not k.isupper()})
    service = load_settings("intake")
    setup_tracing("intake-web", service.otlp_endpoint)

    app = Flask(
        __name__,
        static_folder=str(HERE / "static"),
        static_url_path="/static",
        template_folder=str(HERE / "templates"),
    )
    app.config.update(
        SECRET_KEY=portal.secret_key,
        MAX_CONTENT_LENGTH=portal.max_form_bytes,
        SESSION_COOKIE_NAME="casework_portal",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=portal.secure_cookies,
        # Static files: an hour in the browser's cache; pages say no-store themselves.
        SEND_FILE_MAX_AGE_DEFAULT=3600,
        JSON_SORT_KEYS=False,
        RATELIMIT_ENABLED=portal.ratelimit_enabled,
        RATELIMIT_STORAGE_URI=portal.ratelimit_storage_uri,
        RATELIMIT_KEY_PREFIX=portal.ratelimit_key_prefix,
        RATELIMIT_HEADERS_ENABLED=True,
        # Redis away must not take the front door down: count in memory until it is back.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
    )
    app.config.update(flask_config)
    app.jinja_env.autoescape = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    if portal.proxy_hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=portal.proxy_hops, x_proto=portal.proxy_hops
        )
    app.extensions["intake_portal"] = portal

    engines = build_engines(database_url, service.database_url, service.platform_database_url)
    doorbell = RelayDoorbell(relay_wake)
    app.extensions["intake_engines"] = engines
    app.extensions["intake_relay_doorbell"] = doorbell
    app.extensions["intake_db"] = DatabaseAccess(
        engines.sessions,
        Base.metadata,
        doorbell,
        service="intake",
        unit_of_work_type=IntakeUnitOfWork,
        platform_sessions=engines.platform_sessions,
    )

    # After-request functions run in reverse order of registration: this one, registered
    # before the limiter's, sees the response after the limiter added its headers.
    app.after_request(finish_response)
    init_babel(app, portal.timezone)
    limiter = Limiter(key_func=client_address, app=app)
    app.extensions["intake_limiter"] = limiter

    app.register_blueprint(pages.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(sms_webhook.blueprint)
    pages.apply_limits(app, limiter, portal)
    api.apply_limits(app, limiter, portal)
    add_health(app)
    add_observability(app)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
    return app


def build_engines(given_url: str | None, service_url: str, platform_url: str) -> IntakeEngines:
    """The service's engine, and the platform one for the relay (one engine when one URL: a
    second engine on one SQLite file would be a second writer)."""
    url = given_url or service_url
    engine = create_db_engine(url)
    relay_url = platform_url if url == service_url else url
    platform_engine = (
        engine if relay_url == url else create_db_engine(relay_url, pool_size=PLATFORM_POOL_SIZE)
    )
    return IntakeEngines(
        engine=engine,
        platform_engine=platform_engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        platform_sessions=sessionmaker(platform_engine, expire_on_commit=False),
    )


def client_address() -> str:
    """Who a rate limit counts: the client address (behind `proxy_hops` trusted proxies, the
    one they forwarded). Never logged, never a metric label."""
    return request.remote_addr or "unknown"


def finish_response(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        # Pages hold personal data (a form shown again, a request's status): no cache keeps them.
        response.headers.setdefault("Cache-Control", "no-store")
    if response.status_code not in (429, 503):
        # The limiter says when to come back on every limited response; only a refusal needs it.
        response.headers.pop("Retry-After", None)
    chosen = chosen_language()
    if chosen is not None and request.cookies.get(LANGUAGE_COOKIE) != chosen:
        response.set_cookie(
            LANGUAGE_COOKIE,
            chosen,
            max_age=LANGUAGE_COOKIE_SECONDS,
            httponly=True,
            samesite="Lax",
            secure=bool(request.is_secure),
        )
    return response


def is_api_request() -> bool:
    """The API's and the SMS provider's webhook's requests: their errors are JSON."""
    return request.path.startswith(("/api/", "/webhooks/"))


def too_many_requests(error: RateLimitExceeded) -> Any:
    refused("rate_limited")
    if is_api_request():
        return api.error_response(
            429, "rate_limited", "too many requests from this address; try again later"
        )
    return pages.rate_limited_page()


def http_error(error: HTTPException) -> Any:
    status = error.code or 500
    if status == 413:
        refused("payload_too_large")
    if is_api_request():
        code = "payload_too_large" if status == 413 else error.name.lower().replace(" ", "_")
        message = (
            f"request body is larger than {MAX_JSON_BYTES} bytes"
            if status == 413
            else error.description or error.name
        )
        return api.error_response(status, code, message)
    return pages.error_page(status)


def unexpected_error(error: Exception) -> Any:
    if isinstance(error, HTTPException):
        return http_error(error)
    if is_transient(error):
        # The database restarting: nothing was stored, and a retry soon will likely work.
        log.warning("database unavailable in %s (%s)", request.endpoint, type(error).__name__)
        refused("temporarily_unavailable")
        if is_api_request():
            answer = api.error_response(503, "temporarily_unavailable", "try again shortly")
        else:
            answer = make_response(pages.error_page(503))
        answer.headers["Retry-After"] = "5"
        return answer
    log.exception("unexpected error in %s", request.endpoint)
    if is_api_request():
        return api.error_response(500, "internal_error", "something went wrong on our side")
    return pages.error_page(500)


# -- Health and metrics ------------------------------------------------------------------------


def add_health(app: Flask) -> None:
    @app.get("/live")
    def live() -> Any:
        return {"status": "live", "service": "intake-web"}

    @app.get("/ready")
    def ready() -> Any:
        # The database only: this process takes requests with RabbitMQ down (the outbox keeps
        # the events until the relay can publish them).
        checks: dict[str, str] = {}
        try:
            app.extensions["intake_db"].ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = type(exc).__name__
        is_ready = checks["database"] == "ok"
        body = {
            "status": "ready" if is_ready else "not_ready",
            "service": "intake-web",
            "checks": checks,
        }
        return body, 200 if is_ready else 503

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)


def add_observability(app: Flask) -> None:
    """RED metrics per route rule (never the URL: it holds office ids and tracking codes) and
    a span per request, continuing the caller's `traceparent`; span attributes carry the
    route, never a value a person typed."""
    requests_total = service_metric(
        "counter",
        WEB,
        "requests_total",
        "HTTP requests",
        ["route", "method", "outcome"],
    )
    seconds = service_metric(
        "histogram", WEB, "request_seconds", "HTTP request duration", ["route"]
    )
    tracer = trace.get_tracer("casework")

    @app.before_request
    def start() -> None:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        carrier = {"traceparent": request.headers.get("traceparent", "")}
        parent = propagate.extract(carrier) if carrier["traceparent"] else None
        span = tracer.start_span(f"intake-web {request.method} {route}", context=parent)
        span.set_attribute("http.route", route)
        span.set_attribute("http.request.method", request.method)
        g.observed = (
            time.perf_counter(),
            route,
            span,
            otel_context.attach(trace.set_span_in_context(span, parent)),
        )

    @app.after_request
    def count(response: Response) -> Response:
        observed = getattr(g, "observed", None)
        if observed is not None:
            begun, route, span, _ = observed
            status = response.status_code
            outcome = "error" if status >= 500 else "refused" if status >= 400 else "ok"
            requests_total.labels(route, request.method, outcome).inc()
            seconds.labels(route).observe(time.perf_counter() - begun)
            span.set_attribute("http.response.status_code", status)
        return response

    @app.teardown_request
    def end(error: BaseException | None) -> None:
        observed = getattr(g, "observed", None)
        if observed is None:
            return
        _, _, span, token = observed
        if error is not None:
            span.set_status(trace.Status(trace.StatusCode.ERROR, type(error).__name__))
        span.end()
        with contextlib.suppress(Exception):  # a context from another thread: nothing to undo
            otel_context.detach(token)


def portal_settings(app: Flask) -> PortalSettings:
    return app.extensions["intake_portal"]  # type: ignore[no-any-return]
