"""A warm start: the work a service would otherwise do on its first events, done while it starts.

Sampled with py-spy, a freshly started system spent its first second on one-time work, and
the first submissions' acknowledgements waited for it (p50 over the first half second 917 ms
against 150 ms once warm):
- notify's first reminder imported every country of the `holidays` package (about 270 ms
  of one core, on the eventlet thread, so every other event waited too);
- each service's first publish opened the relay's connection and declared the topology
  (about 130 ms), although `start` had just declared it on a connection of its own;
- agencies' first ORM query configured its mappers (about 110 ms);
- the first full garbage collection walked the 130,000-odd objects the imports had made
  (30 to 40 ms).

`warm_start` does those while the service starts, before its consumers take an event, and
then moves what the start made out of the collector's way (`gc.freeze`, once a process).

Opening the database pool's connections at the start as well was measured and left out: two
runs each way on fresh systems gave first-half-second acknowledgements of 161 and 289 ms
without it, 288 and 285 ms with it, and it would hold every service's whole pool (six times
ten connections of PostgreSQL's default hundred) from the first second.
"""

from __future__ import annotations

import gc
import sys
import time

from sqlalchemy.orm import configure_mappers

from services.chassis.observability import service_metric
from services.chassis.publisher import EventPublisher

_frozen = False


def warm_start(service: str, publisher: EventPublisher) -> float:
    """Open the publisher (declaring the topology), configure the ORM's mappers, load the
    holiday calendars if this service counts working days, and freeze what is alive into the
    collector's permanent generation. Returns the seconds it took, also exported as
    `casework_<service>_warm_start_seconds`."""
    started = time.perf_counter()
    publisher.open()
    configure_mappers()
    calendar = sys.modules.get("services.chassis.calendar")
    if calendar is not None:  # imported by this service's code: it counts working days
        calendar.warm()
    freeze_once()
    seconds = time.perf_counter() - started
    service_metric(
        "gauge", service, "warm_start_seconds", "Seconds the service's warm start took"
    ).set(seconds)
    return seconds


def freeze_once() -> None:
    """Collect, then exempt every object alive now from later collections (the modules, the
    compiled templates and statements: they live as long as the process). Once a process: a
    test process starts many containers, and freezing each one's leftovers would keep them."""
    global _frozen
    if _frozen:
        return
    gc.collect()
    gc.freeze()
    _frozen = True
