"""A local SMTP server for development: every message it receives is kept as an .eml file.

    python scripts/smtp_sink.py

Listens on 127.0.0.1:1025 (`CASEWORK_SMTP_PORT`, `CASEWORK_SMTP_SINK_BIND`) and writes each
message to `var/mail/<UTC timestamp>-<n>.eml` (`CASEWORK_SMTP_SINK_DIR`). The log says how many
recipients and the subject of each message, never addresses or bodies: development mail may
hold real people's details. Stops cleanly on SIGINT and SIGTERM.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger("smtp_sink")


class MailDirectory:
    """aiosmtpd handler that stores each message as a file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        # The envelope says who the mail was really for (Bcc included), as aiosmtpd's
        # Message handler records it.
        trace = (
            f"X-MailFrom: {envelope.mail_from}\r\nX-RcptTo: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        path = self.store(trace + raw)
        subject = message_from_bytes(raw, policy=policy.default).get("subject", "")
        log.info(
            "stored %s: %d recipient(s), subject %r", path.name, len(envelope.rcpt_tos), subject
        )
        return "250 Message accepted for delivery"

    def store(self, content: bytes) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.directory / f"{stamp}-{next(self._numbers)}.eml"
        # Written aside and renamed, so a reader never sees half a message.
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(content)
        partial.replace(path)
        return path


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s smtp-sink %(levelname)s: %(message)s"
    )
    # aiosmtpd logs every sender and recipient address at INFO.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    host = os.environ.get("CASEWORK_SMTP_SINK_BIND", "127.0.0.1")
    port = int(os.environ.get("CASEWORK_SMTP_PORT", "1025"))
    directory = Path(os.environ.get("CASEWORK_SMTP_SINK_DIR", "var/mail"))
    directory.mkdir(parents=True, exist_ok=True)

    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        log.info("%s received, stopping", signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    controller = Controller(MailDirectory(directory), hostname=host, port=port)
    try:
        controller.start()
    except OSError as exc:
        log.error("cannot listen on %s:%d: %s", host, port, exc)
        return 1
    log.info("listening on %s:%d, writing messages to %s/", host, port, directory)
    while not stopping.wait(0.5):
        pass
    controller.stop()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
