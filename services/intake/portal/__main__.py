"""intake-web: the constituent portal and the public submission API served by waitress, with an
outbox relay of its own, so it starts and accepts work while RabbitMQ is away.

    python -m services.intake.portal

Listens on CASEWORK_INTAKE_WEB_ADDRESS (default 127.0.0.1:8001) with
CASEWORK_INTAKE_WEB_THREADS request threads (default 8); database, broker and outbox settings
are intake's (CASEWORK_INTAKE_DATABASE_URL, CASEWORK_AMQP_URI...). SIGTERM or SIGINT stops it:
the requests in hand are answered, the relay stops, the broker connection and the database
pools are closed. Accepted submissions wait in intake's outbox until this relay, or the intake
worker's, publishes them.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

import waitress
from environs import Env
from flask import Flask

from services.chassis.config import DEFAULT_HTTP_PORTS, ServiceSettings, load_settings
from services.chassis.outbox import OutboxRelay
from services.chassis.publisher import EventPublisher
from services.intake.models import Base
from services.intake.portal.app import create_app

log = logging.getLogger("services.intake.portal")

PROCESS = "intake-web"
OUTBOX = Base.metadata.tables["outbox"]
# The relay may be in a broker timeout (connect 5 s, confirms 10 s) or its back-off sleep when
# asked to stop; the process does not wait longer than this for it. Whatever it had not
# settled stays pending and goes out again, which consumers ignore as a repeat.
RELAY_STOP_SECONDS = 12.0


@dataclass(frozen=True)
class WebSettings:
    address: str
    threads: int
    log_level: str

    @classmethod
    def from_environment(cls) -> WebSettings:
        env = Env()
        return cls(
            address=env.str(
                "CASEWORK_INTAKE_WEB_ADDRESS", f"127.0.0.1:{DEFAULT_HTTP_PORTS[PROCESS]}"
            ),
            threads=max(1, env.int("CASEWORK_INTAKE_WEB_THREADS", 8)),
            log_level=env.str("CASEWORK_LOG_LEVEL", "INFO").upper(),
        )


def configure_logging(level: str) -> None:
    """The services' format. No access log: it would record constituents' IP addresses
    (waitress writes none; RED metrics on /metrics count requests instead)."""
    logging.basicConfig(
        level=level,
        format=f"%(asctime)s {PROCESS} %(levelname)s %(name)s: %(message)s",
        force=True,
    )


class IntakeWeb:
    """The app, its server and the relay beside it, started and stopped together."""

    def __init__(
        self,
        create_app: Callable[[], Flask],
        settings: ServiceSettings,
        web: WebSettings,
    ) -> None:
        # The relay needs the app's platform sessions, so the app comes first; its doorbell
        # rings the relay once connected (a commit before that waits for the first poll).
        self.app = create_app()
        self._engines = self.app.extensions["intake_engines"]
        self.relay = OutboxRelay(
            self._engines.platform_sessions,
            OUTBOX,
            EventPublisher(settings.amqp_uri),
            service=settings.service,
            batch_size=settings.outbox_batch_size,
            interval_seconds=settings.outbox_interval_seconds,
        )
        self.app.extensions["intake_relay_doorbell"].connect(self.relay.wake)
        self._relay_thread = threading.Thread(
            target=self.relay.run, name="outbox-relay", daemon=True
        )
        # ident="": no Server header naming the software. A body beyond the portal's own
        # bound is refused by waitress before it is buffered.
        self.server = waitress.create_server(
            self.app,
            listen=web.address,
            threads=web.threads,
            ident="",
            max_request_body_size=self.app.extensions["intake_portal"].max_form_bytes,
        )

    def serve(self) -> None:
        """Serve until SIGTERM or SIGINT, then shut everything down."""
        try:
            self._relay_thread.start()
            log.info("serving the portal and the public API on %s", self._listening())
            self.server.run()  # returns once a signal handler raised SystemExit
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        # The request threads are done (waitress waited for them); now the relay.
        self.server.close()
        self.relay.stop()
        if self._relay_thread.ident is not None:
            self._relay_thread.join(RELAY_STOP_SECONDS)
        if self._relay_thread.is_alive():
            log.warning("the outbox relay did not stop in %.0f s; leaving it", RELAY_STOP_SECONDS)
        else:
            self.relay.close()
        self._engines.dispose()
        log.info("stopped")

    def _listening(self) -> str:
        host = getattr(self.server, "effective_host", None)
        port = getattr(self.server, "effective_port", None)
        return f"{host}:{port}" if host is not None else "its addresses"


def stop_on_signals() -> None:
    """The first SIGTERM or SIGINT ends waitress' loop (it shuts down on SystemExit); a
    second one (Ctrl-C reaches the whole process group, then honcho sends SIGTERM) is ignored
    while the shutdown runs."""

    def stop(signum: int, frame: FrameType | None) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        log.info("%s received; stopping", signal.Signals(signum).name)
        raise SystemExit(0)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)


def main() -> None:
    web = WebSettings.from_environment()
    configure_logging(web.log_level)
    settings = load_settings("intake")

    stop_on_signals()
    # create_app sets up tracing too (exported when OTEL_EXPORTER_OTLP_ENDPOINT is set).
    IntakeWeb(create_app, settings, web).serve()


if __name__ == "__main__":
    main()
