"""Prometheus metrics and OpenTelemetry tracing, wired the same way into every service.

Metric names are `casework_<service>_<name>`; labels are bounded (entrypoint, outcome, event
type), never ids or personal data.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from nameko.extensions import DependencyProvider
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from prometheus_client import Counter, Gauge, Histogram

log = logging.getLogger(__name__)

_METRICS: dict[str, Any] = {}
_KINDS = {"counter": Counter, "gauge": Gauge, "histogram": Histogram}


def service_metric(
    kind: str,
    service: str,
    name: str,
    documentation: str,
    labels: list[str] | None = None,
    **options: Any,
) -> Any:
    """Get or create `casework_<service>_<name>` once per process (tests run many containers);
    `options` go to prometheus-client (a histogram's `buckets`)."""
    full_name = f"casework_{service}_{name}"
    metric = _METRICS.get(full_name)
    if metric is None:
        # prometheus-client appends `_total` to counters itself.
        metric = _KINDS[kind](
            full_name.removesuffix("_total"), documentation, labels or [], **options
        )
        _METRICS[full_name] = metric
    return metric


_tracing_ready = False


def setup_tracing(service: str, otlp_endpoint: str | None) -> None:
    """Install the process-wide tracer provider; spans are exported only when OTLP is set."""
    global _tracing_ready
    if _tracing_ready:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": f"casework-{service}"}))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    trace.set_tracer_provider(provider)
    _tracing_ready = True


def outcome_of(result: Any) -> str:
    """What the client got: an HTTP entrypoint returns its error responses (5xx: `error`,
    4xx: `refused`) rather than raising, so the status decides, not the absence of an
    exception. RPC and event entrypoints that return normally are `ok`."""
    status = getattr(result, "status_code", None)
    if status is None and isinstance(result, tuple) and result and isinstance(result[0], int):
        status = result[0]  # nameko @http's (status, body) and (status, headers, body)
    if isinstance(status, int):
        if status >= 500:
            return "error"
        if status >= 400:
            return "refused"
    return "ok"


class Instrumentation(DependencyProvider):
    """RED metrics and a span for every entrypoint of the service.

    The span continues the caller's trace from `traceparent` (message header or HTTP header).
    """

    def setup(self) -> None:
        service = self.container.service_name
        self.service = service
        self.calls = service_metric(
            "counter",
            service,
            "entrypoint_calls_total",
            "Entrypoint calls",
            ["entrypoint", "outcome"],
        )
        self.seconds = service_metric(
            "histogram", service, "entrypoint_seconds", "Entrypoint duration", ["entrypoint"]
        )
        self.in_flight = service_metric(
            "gauge", service, "entrypoint_in_flight", "Workers running now", ["entrypoint"]
        )
        self._started: dict[int, tuple[float, Any, Any]] = {}
        self._tracer = trace.get_tracer("casework")

    def worker_setup(self, worker_ctx: Any) -> None:
        entrypoint = worker_ctx.entrypoint.method_name
        carrier: dict[str, str] = {}
        traceparent = worker_ctx.data.get("traceparent")
        if not traceparent and worker_ctx.args:
            request = worker_ctx.args[0]
            headers = getattr(request, "headers", None)
            if headers is not None:
                traceparent = headers.get("traceparent")
        if traceparent:
            carrier["traceparent"] = traceparent
        parent = propagate.extract(carrier)
        span = self._tracer.start_span(f"{self.service}.{entrypoint}", context=parent)
        span.set_attribute("casework.service", self.service)
        span.set_attribute("casework.entrypoint", entrypoint)
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        self.in_flight.labels(entrypoint).inc()
        self._started[id(worker_ctx)] = (time.perf_counter(), span, token)

    def worker_result(self, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> None:
        started = self._started.pop(id(worker_ctx), None)
        if started is None:
            return
        begun, span, token = started
        entrypoint = worker_ctx.entrypoint.method_name
        outcome = "error" if exc_info else outcome_of(result)
        self.calls.labels(entrypoint, outcome).inc()
        self.seconds.labels(entrypoint).observe(time.perf_counter() - begun)
        self.in_flight.labels(entrypoint).dec()
        if exc_info:
            span.set_status(trace.Status(trace.StatusCode.ERROR, type(exc_info[1]).__name__))
        span.end()
        with contextlib.suppress(Exception):  # a context from another greenthread
            otel_context.detach(token)
