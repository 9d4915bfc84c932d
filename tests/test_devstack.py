"""`./scripts/run`'s log splitter (`scripts/devstack.py split-logs`): it outlives the signals
sent to the whole process group, so honcho can still say it is stopping, and stop."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_the_splitter_keeps_reading_through_a_stop_signal_until_honcho_closes(
    tmp_path: Path, stop: signal.Signals
) -> None:
    splitter = subprocess.Popen(
        [sys.executable, "scripts/devstack.py", "split-logs", str(tmp_path)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert splitter.stdin is not None and splitter.stdout is not None
    try:
        splitter.stdin.write("22:38:00 notify.1     | started\n")
        splitter.stdin.flush()
        # Echoed: it is reading, its signal dispositions set.
        assert splitter.stdout.readline() == "22:38:00 notify.1     | started\n"

        splitter.send_signal(stop)
        splitter.stdin.write("22:38:01 system       | SIGTERM received, starting shutdown\n")
        splitter.stdin.flush()
        assert "SIGTERM received" in splitter.stdout.readline()

        splitter.stdin.close()  # honcho has stopped every process and exits
        assert splitter.wait(timeout=30) == 0
    finally:
        splitter.kill()
        splitter.wait()
    assert (tmp_path / "notify.log").read_text() == "started\n"
    assert (tmp_path / "honcho.log").read_text() == "SIGTERM received, starting shutdown\n"
