"""The Prometheus collector on its own: what it shows with no service, or an unreadable database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import sessionmaker

from services.chassis.db import DatabaseAccess, create_db_engine
from services.metrics.business_metrics import ReadModelCollector
from services.metrics.models import Base


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
        "casework_metrics_office_time_to_acknowledgement_seconds",
        "casework_metrics_read_models_up",
    } <= names


def test_an_unreadable_database_is_reported_as_down_not_as_a_failed_scrape(
    tmp_path: Path,
) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/empty.db")  # no tables at all
    db = DatabaseAccess(sessionmaker(engine), Base.metadata, on_events=lambda: None)
    collector = ReadModelCollector()
    collector.attach(db)

    assert samples(collector) == {"casework_metrics_read_models_up": 0.0}

    collector.detach(db)
    assert samples(collector) == {}
    engine.dispose()


def test_the_most_recently_started_container_is_the_one_read(tmp_path: Path) -> None:
    readable = create_db_engine(f"sqlite:///{tmp_path}/metrics.db")
    Base.metadata.create_all(readable)
    unreadable = create_db_engine(f"sqlite:///{tmp_path}/empty.db")
    older = DatabaseAccess(sessionmaker(unreadable), Base.metadata, on_events=lambda: None)
    newer = DatabaseAccess(sessionmaker(readable), Base.metadata, on_events=lambda: None)
    collector = ReadModelCollector()
    collector.attach(older)
    collector.attach(newer)

    assert samples(collector)["casework_metrics_read_models_up"] == 1.0

    collector.detach(newer)
    assert samples(collector)["casework_metrics_read_models_up"] == 0.0
    readable.dispose()
    unreadable.dispose()
