"""psycopg2's wait under eventlet forgets listeners left on a descriptor the OS handed out
again (services/chassis/green_postgres.py says why)."""

from __future__ import annotations

import os
import subprocess
import sys

import eventlet
import eventlet.hubs
import pytest
from psycopg2 import extensions

from services.chassis import green_postgres


def test_the_chassis_wait_is_psycopg2s_under_eventlet() -> None:
    assert extensions.get_wait_callback() is green_postgres.wait


def test_a_listener_left_on_a_recycled_descriptor_is_forgotten_and_its_waiter_woken() -> None:
    hub = eventlet.hubs.get_hub()
    read_end, write_end = os.pipe()
    woken: list[BaseException] = []

    def wait_for_ever() -> None:
        try:
            eventlet.hubs.trampoline(read_end, read=True)
        except eventlet.hubs.IOClosed as exc:
            woken.append(exc)

    waiter = eventlet.spawn(wait_for_ever)
    eventlet.sleep(0)  # it waits on read_end now
    assert read_end in hub.listeners[hub.READ]
    # libpq closes its socket itself: the hub never hears of it.
    os.close(read_end)
    os.close(write_end)
    recycled, other = os.pipe()  # the lowest free numbers: the same descriptor again
    try:
        if recycled != read_end:
            pytest.skip("the OS handed out another descriptor number")
        with pytest.raises(RuntimeError, match="Second simultaneous read"):
            eventlet.hubs.trampoline(recycled, read=True, timeout=1)

        assert green_postgres.forget_stale_listeners(recycled)

        # The descriptor's new owner may wait on it, and the left-over waiter is woken.
        os.write(other, b"x")
        eventlet.hubs.trampoline(recycled, read=True, timeout=5)
        with eventlet.Timeout(10):
            waiter.wait()
        assert [type(exc) for exc in woken] == [eventlet.hubs.IOClosed]
        assert not green_postgres.forget_stale_listeners(recycled)
    finally:
        os.close(recycled)
        os.close(other)


def test_a_process_that_imports_it_first_prints_no_eventlet_deprecation() -> None:
    """The seeds, intake-web and the admin tools import eventlet here first: their output is
    what a newcomer reads in the terminal."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONWARNINGS"}
    finished = subprocess.run(
        [sys.executable, "-c", "import services.chassis.green_postgres"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "deprecated" not in finished.stderr.lower()
