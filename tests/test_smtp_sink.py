"""The development SMTP sink (`scripts/smtp_sink.py`), run as `./scripts/run` runs it."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from services.chassis.testing import free_port

SINK = Path(__file__).resolve().parent.parent / "scripts" / "smtp_sink.py"


def wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the sink exited early: {process.communicate()[0]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"the sink did not listen on port {port} within {timeout}s")


@pytest.fixture
def sink(tmp_path: Path):
    port = free_port()
    mail_dir = tmp_path / "mail"
    process = subprocess.Popen(
        [sys.executable, str(SINK)],
        env={
            **os.environ,
            "CASEWORK_SMTP_PORT": str(port),
            "CASEWORK_SMTP_SINK_DIR": str(mail_dir),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, process)
        yield port, mail_dir, process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def acknowledgement(recipient: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "casework@rep-demo.example.org"
    message["To"] = recipient
    message["Subject"] = "We received your request CW-7Q4K"
    message.set_content("Dear Maria, confidential details about your pension claim.")
    return message


def test_the_sink_keeps_each_message_as_an_eml_file_and_logs_no_addresses_or_body(sink):
    port, mail_dir, process = sink
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.send_message(
            acknowledgement("maria@example.org"),
            to_addrs=["maria@example.org", "caseworker@rep-demo.example.org"],
        )

    deadline = time.monotonic() + 5
    while not list(mail_dir.glob("*.eml")) and time.monotonic() < deadline:
        time.sleep(0.05)
    files = list(mail_dir.glob("*.eml"))
    assert len(files) == 1
    assert files[0].name.endswith("-1.eml")
    stored = files[0].read_text()
    assert "Subject: We received your request CW-7Q4K" in stored
    assert "confidential details about your pension claim" in stored
    assert "X-RcptTo: maria@example.org, caseworker@rep-demo.example.org" in stored

    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "2 recipient(s), subject 'We received your request CW-7Q4K'" in output
    assert "example.org" not in output
    assert "pension" not in output
    assert "stopped" in output


def test_the_sink_stops_cleanly_on_ctrl_c(sink):
    _, _, process = sink
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=10)
    assert process.returncode == 0, output
    assert "SIGINT received" in output
