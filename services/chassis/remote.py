"""The other services as a nameko worker calls them (the staff app; agencies asking intake and
cases for a letter's particulars): RPC where every call answers or fails within a deadline, so
a page never hangs on a service that is down."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, MutableMapping
from typing import Any

import eventlet
from amqp.exceptions import AMQPError
from kombu.exceptions import KombuError
from marshmallow import Schema, ValidationError
from nameko.exceptions import RemoteError, UnknownService
from nameko.rpc import ServiceRpc

from services.chassis import rpc_errors  # noqa: F401 (the chassis errors cross RPC as themselves)
from services.chassis.config import env_int
from services.chassis.errors import CaseworkError, ServiceUnavailable
from services.chassis.observability import service_metric

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 3
TRANSPORT_ERRORS = (OSError, KombuError, AMQPError)


class PendingReply:
    """An RPC request already sent; `result()` waits for the reply until the call's deadline."""

    def __init__(self, remote: RemoteService, method: str, rpc_call: Any, deadline: float) -> None:
        self._remote = remote
        self._method = method
        self._rpc_call = rpc_call
        self._deadline = deadline

    def result(self, schema: Schema | None = None, within: float | None = None) -> Any:
        """The reply, loaded with `schema` when given; `ServiceUnavailable` if none came in time
        (by the call's deadline, or `within` seconds from now if that is sooner: for what a
        page can do without)."""
        remaining = self._deadline - time.monotonic()
        if within is not None:
            remaining = min(remaining, within)
        if remaining <= 0:
            raise self._remote.failed(self._method, "timeout", self._rpc_call)
        timer = eventlet.Timeout(remaining)
        try:
            reply = self._rpc_call.result()
        except eventlet.Timeout as exc:
            if exc is not timer:
                raise
            raise self._remote.failed(self._method, "timeout", self._rpc_call) from None
        except RemoteError as exc:
            # The exception type only: the remote's message may quote what it was sent.
            raise self._remote.failed(self._method, f"remote {exc.exc_type}") from None
        except TRANSPORT_ERRORS as exc:
            raise self._remote.failed(self._method, type(exc).__name__) from None
        finally:
            timer.cancel()
        if schema is None:
            return reply
        try:
            return schema.load(reply)
        except ValidationError as exc:
            fields = sorted(exc.messages_dict) if isinstance(exc.messages, dict) else []
            raise self._remote.failed(
                self._method, f"reply does not match the contract ({', '.join(fields)})"
            ) from None


def ask_early(
    remote: RemoteService,
    method: str,
    schema: Schema | None = None,
    *,
    within: float | None = None,
    **kwargs: Any,
) -> Callable[[], Any]:
    """Send the request now, so it travels beside the caller's other calls; the function
    returned waits for the reply (loaded with `schema`, at most `within` seconds when given)
    and gives it, or None when the service refused or did not answer: for the parts of a page
    it can show without."""
    try:
        pending = remote.send(method, **kwargs)
    except ServiceUnavailable:
        return lambda: None

    def collect() -> Any:
        try:
            return pending.result(schema, within=within)
        except CaseworkError:
            return None

    return collect


class RemoteService:
    """One other service, as a worker sees it."""

    def __init__(
        self,
        client: Any,
        service: str,
        timeout: float,
        failures: Any,
        pending_replies: MutableMapping[str, Any],
    ) -> None:
        self._client = client
        self.service = service
        self._timeout = timeout
        self._failures = failures
        self._pending_replies = pending_replies

    def send(self, method: str, **kwargs: Any) -> PendingReply:
        """Send the request now and collect the reply later, so several calls run at once."""
        deadline = time.monotonic() + self._timeout
        timer = eventlet.Timeout(self._timeout)
        try:
            rpc_call = getattr(self._client, method).call_async(**kwargs)
        except eventlet.Timeout as exc:
            if exc is not timer:
                raise
            raise self.failed(method, "timeout while sending") from None
        except UnknownService:
            raise self.failed(method, "not running") from None
        except TRANSPORT_ERRORS as exc:
            raise self.failed(method, type(exc).__name__) from None
        finally:
            timer.cancel()
        return PendingReply(self, method, rpc_call, deadline)

    def call(self, method: str, schema: Schema | None = None, **kwargs: Any) -> Any:
        return self.send(method, **kwargs).result(schema)

    def failed(self, method: str, reason: str, rpc_call: Any = None) -> ServiceUnavailable:
        """Count and log a failed call; the caller raises what this returns."""
        if rpc_call is not None:
            # No reply will come (the request expires in the queue): stop waiting for one.
            self._pending_replies.pop(rpc_call.correlation_id, None)
        self._failures.labels(self.service).inc()
        log.warning("RPC %s.%s failed: %s", self.service, method, reason)
        return ServiceUnavailable(self.service, reason)


class DeadlineRpc(ServiceRpc):
    """nameko's `ServiceRpc`, with a deadline on every call.

    Requests carry the same deadline as their AMQP expiration, so a service that comes back
    after an outage does not work through requests nobody is waiting for any more.
    """

    def setup(self) -> None:
        self.timeout = float(
            env_int("CASEWORK_GATEWAY_RPC_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)
        )
        self.publisher_options["expiration"] = self.timeout
        self.failures = service_metric(
            "counter",
            self.container.service_name,
            "rpc_failures_total",
            "RPC calls to other services that failed or did not answer in time",
            ["service"],
        )
        super().setup()

    def get_dependency(self, worker_ctx: Any) -> RemoteService:
        client = super().get_dependency(worker_ctx)
        return RemoteService(
            client,
            self.target_service,
            self.timeout,
            self.failures,
            self.reply_listener.pending,
        )
