import pytest

from services.chassis.config import load_settings


def test_defaults_run_on_a_laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CASEWORK_CASES_DATABASE_URL", "CASEWORK_AMQP_URI", "CASEWORK_CASES_HTTP_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings("cases")
    assert settings.database_url == "sqlite:///var/cases.db"
    assert settings.amqp_uri == "amqp://guest:guest@localhost:5672/"
    assert settings.http_address == "127.0.0.1:8002"


def test_environment_overrides_per_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_CASES_DATABASE_URL", "postgresql://db/cases")
    monkeypatch.setenv("CASEWORK_AMQP_URI", "amqp://u:p@rabbit:5672/casework")
    monkeypatch.setenv("CASEWORK_OUTBOX_BATCH_SIZE", "50")
    settings = load_settings("cases")
    assert settings.database_url == "postgresql://db/cases"
    assert settings.amqp_uri == "amqp://u:p@rabbit:5672/casework"
    assert settings.outbox_batch_size == 50
    assert load_settings("intake").database_url == "sqlite:///var/intake.db"


def test_intakes_worker_leaves_8001_to_intake_web_the_public_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CASEWORK_INTAKE_HTTP_ADDRESS", raising=False)
    assert load_settings("intake").http_address == "127.0.0.1:8006"
