"""Office business metrics for Prometheus, read from metrics' own database at scrape time: they
survive restarts and every instance reports the same numbers.

The collector is registered once per process (tests start many containers in one) and reads
through the database of the most recently started metrics container.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

from prometheus_client import REGISTRY
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

from services.chassis.service import Database
from services.metrics import handlers
from services.metrics.ports import PlatformDatabase

log = logging.getLogger(__name__)

PREFIX = "casework_metrics"


class ReadModelCollector(Collector):
    """Turns the read models into metric families on every scrape."""

    def __init__(self) -> None:
        self._sources: list[PlatformDatabase] = []
        self._lock = threading.Lock()

    def attach(self, db: PlatformDatabase) -> None:
        with self._lock:
            self._sources.append(db)

    def detach(self, db: PlatformDatabase) -> None:
        with self._lock:
            if db in self._sources:
                self._sources.remove(db)

    def _source(self) -> PlatformDatabase | None:
        with self._lock:
            return self._sources[-1] if self._sources else None

    def describe(self) -> Iterator[Metric]:
        # Names only, so registering never touches a database.
        yield from self._office_families()
        yield self._close_family()
        yield from self._wait_families()
        yield self._satisfaction_family()
        yield self._up(None)

    def collect(self) -> Iterator[Metric]:
        db = self._source()
        if db is None:
            return
        try:
            # Every office's series at once: the snapshot reads through `db.platform_work()`.
            snapshot = handlers.business_snapshot(db)
        except Exception as exc:
            # A scrape must not fail because the database is away; `up` says it instead.
            log.warning("could not read the read models for /metrics (%s)", type(exc).__name__)
            yield self._up(0)
            return
        received, opened, assigned, acknowledged, closures = self._office_families()
        to_close = self._close_family()
        for office_id, counts in snapshot.totals.items():
            received.add_metric([office_id], counts.received)
            opened.add_metric([office_id], counts.opened)
            assigned.add_metric([office_id], counts.assigned)
            acknowledged.add_metric([office_id], counts.acknowledged)
            closures.add_metric([office_id], counts.closures)
            to_close.add_metric([office_id], counts.closures, counts.seconds_to_close)
        waits, samples = self._wait_families()
        for times in snapshot.acknowledgement_times:
            samples.add_metric([times.office_id], times.samples)
            for quantile, seconds in times.quantiles:
                waits.add_metric([times.office_id, f"{quantile:g}"], seconds)
        satisfaction = self._satisfaction_family()
        for office_id, (rated, total) in snapshot.ratings.items():
            satisfaction.add_metric([office_id], rated, total)
        yield from (received, opened, assigned, acknowledged, closures, to_close, waits, samples)
        yield satisfaction
        yield self._up(1)

    @staticmethod
    def _office_families() -> tuple[CounterMetricFamily, ...]:
        def family(name: str, documentation: str) -> CounterMetricFamily:
            return CounterMetricFamily(f"{PREFIX}_office_{name}", documentation, labels=["office"])

        return (
            family("submissions_received", "Submissions received, by office"),
            family("cases_opened", "Cases opened, by office"),
            family("cases_assigned", "Case assignments (including reassignments), by office"),
            family("acknowledgements_sent", "Acknowledgements sent to constituents, by office"),
            family(
                "case_closures",
                "Case closures (a case closed, reopened and closed again counts twice), by office",
            ),
        )

    @staticmethod
    def _close_family() -> SummaryMetricFamily:
        # Count and sum only: quantiles would need every closure of every office at each scrape.
        return SummaryMetricFamily(
            f"{PREFIX}_office_time_to_close_seconds",
            "Time from a case opening to its closure, summed over closures (count: the "
            "closures), by office",
            labels=["office"],
        )

    @staticmethod
    def _satisfaction_family() -> SummaryMetricFamily:
        # Sum over count is the office's mean rating; each rated case counts once, latest.
        return SummaryMetricFamily(
            f"{PREFIX}_office_satisfaction_rating",
            "Constituents' ratings of closed cases (1 poorly to 5 very well), summed over rated "
            "cases (count: the rated cases; each counts once, with its latest rating), by office",
            labels=["office"],
        )

    @staticmethod
    def _wait_families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                f"{PREFIX}_office_time_to_acknowledgement_seconds",
                "Wait from submission received to acknowledgement sent, for acknowledgements "
                "in the last 24 h (nearest-rank quantiles), by office",
                labels=["office", "quantile"],
            ),
            GaugeMetricFamily(
                f"{PREFIX}_office_acknowledgements_timed",
                "Acknowledgements in the last 24 h the wait quantiles are taken from, by office",
                labels=["office"],
            ),
        )

    @staticmethod
    def _up(value: int | None) -> GaugeMetricFamily:
        return GaugeMetricFamily(
            f"{PREFIX}_read_models_up",
            "1 if this scrape could read the read models, 0 if not",
            value=value,
        )


COLLECTOR = ReadModelCollector()
_registration = threading.Lock()
_registered = False


def registered_collector() -> ReadModelCollector:
    global _registered
    with _registration:
        if not _registered:
            REGISTRY.register(COLLECTOR)
            _registered = True
    return COLLECTOR


class ReadModelDatabase(Database):
    """Metrics' own database, also the one the business-metrics collector reads while this
    container runs."""

    def start(self) -> None:
        super().start()
        registered_collector().attach(self.access)

    def stop(self) -> None:
        COLLECTOR.detach(self.access)
        super().stop()

    def kill(self) -> None:
        COLLECTOR.detach(self.access)
        super().kill()
