"""The Prometheus collector on its own: what it shows with no service, or an unreadable database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from services.metrics.business_metrics import ReadModelCollector
from services.metrics.models import Base

from .database import metrics_database


def samples(collector: ReadModelCollector) -> dict[str, float]:
    return {
        sample.name: sample.value for family in collector.collect() for sample in family.samples
    }


def test_with_no_metrics_container_running_the_collector_shows_nothing() -> None:
    assert list(ReadModelCollector().collect()) == []


def test_describing_the_metrics_names_every_series_without_a_database() -> None:
    names = {family.name for family in ReadModelCollector().describe()}

    assert {
        "casework_metrics_office_submissions_received",
        "casework_metrics_office_cases_opened",
        "casework_metrics_office_acknowledgements_sent",
        "casework_metrics_office_case_closures",
        "casework_metrics_office_time_to_close_seconds",
        "casework_metrics_office_time_to_acknowledgement_seconds",
        "casework_metrics_read_models_up",
    } <= names


def test_an_unreadable_database_is_reported_as_down_not_as_a_failed_scrape(
    tmp_path: Path,
) -> None:
    collector = ReadModelCollector()
    with metrics_database(f"sqlite:///{tmp_path}/empty.db") as db:  # no tables at all
        collector.attach(db)

        assert samples(collector) == {"casework_metrics_read_models_up": 0.0}

        collector.detach(db)
        assert samples(collector) == {}


def test_the_most_recently_started_container_is_the_one_read(tmp_path: Path) -> None:
    readable = f"sqlite:///{tmp_path}/metrics.db"
    engine = create_engine(readable)
    Base.metadata.create_all(engine)
    engine.dispose()
    collector = ReadModelCollector()
    with (
        metrics_database(f"sqlite:///{tmp_path}/empty.db") as older,
        metrics_database(readable) as newer,
    ):
        collector.attach(older)
        collector.attach(newer)

        assert samples(collector)["casework_metrics_read_models_up"] == 1.0

        collector.detach(newer)
        assert samples(collector)["casework_metrics_read_models_up"] == 0.0
