"""psycopg2 under eventlet, safe from descriptors libpq closes behind the hub's back.

`eventlet.monkey_patch()` makes psycopg2 wait for its socket through the hub (a wait callback
that trampolines on the connection's descriptor). libpq closes a connection's socket itself,
so the hub never hears of it: a greenthread still waiting on it (its connection closed under
it) leaves its listener registered, and when the OS hands the same descriptor number to a new
connection, the hub refuses to wait on it ("Second simultaneous write on fileno 38"), a
RuntimeError that failed a request and dead-lettered three good events in a test run.

`eventlet.hubs.notify_opened` is eventlet's way to say that a descriptor was closed and
handed out again: stale listeners are removed at once, and their greenthreads woken with
IOClosed on the hub's next round. The wait callback installed here says it whenever a
listener is still registered on the descriptor of the connection about to wait: a psycopg2
connection is used by one greenthread at a time, and that greenthread is running this
callback, so such a listener is left over.
"""

from __future__ import annotations

import warnings
from typing import Any

# eventlet's announcement that it is deprecated, ten lines printed by every process that
# imports it first (the seeds, intake-web, the admin tools): nameko runs on it, so there is
# nothing a reader of the terminal can do about it.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet.hubs  # noqa: E402 - after the filter above
from eventlet.support.psycopg2_patcher import eventlet_wait_callback  # noqa: E402
from psycopg2 import extensions  # noqa: E402


def forget_stale_listeners(fileno: int) -> bool:
    """Remove the hub's listeners on `fileno` (a descriptor the running greenthread now
    owns) and wake their greenthreads; whether there were any."""
    hub = eventlet.hubs.get_hub()
    if fileno in hub.listeners[hub.READ] or fileno in hub.listeners[hub.WRITE]:
        eventlet.hubs.notify_opened(fileno)
        return True
    return False


def wait(connection: Any, timeout: float = -1) -> None:
    """eventlet's wait callback, after forgetting listeners left on the connection's socket."""
    forget_stale_listeners(connection.fileno())
    eventlet_wait_callback(connection, timeout)


def install() -> None:
    """Put `wait` in place of eventlet's callback, where eventlet made psycopg2 green (a
    process not monkey-patched keeps psycopg2 blocking, as it was)."""
    if extensions.get_wait_callback() is eventlet_wait_callback:
        extensions.set_wait_callback(wait)
