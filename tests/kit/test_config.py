from __future__ import annotations

import pytest
from pydantic import ValidationError

from cact.config import DEFAULT_SECRET, Settings


def test_development_starts_with_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CACT_SECRET_KEY", raising=False)
    assert Settings(environment="development").secret_key == DEFAULT_SECRET


@pytest.mark.parametrize("secret", [DEFAULT_SECRET, "short"])
def test_production_refuses_a_default_or_short_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="CACT_SECRET_KEY"):
        Settings(environment="production", secret_key=secret)


def test_settings_come_from_cact_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACT_PORT", "8765")
    monkeypatch.setenv("CACT_DATA_DIR", "/srv/cact")
    monkeypatch.setenv("CACT_DATABASE_URL", "postgresql://cact@db/cact")
    settings = Settings()
    assert settings.port == 8765
    assert str(settings.pgdata_dir) == "/srv/cact/pgdata"
    assert settings.database_url == "postgresql://cact@db/cact"


def test_a_bad_port_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACT_PORT", "99999")
    with pytest.raises(ValidationError, match="port"):
        Settings()
