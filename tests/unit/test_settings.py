from pathlib import Path

import pytest
from pydantic import ValidationError

from entrypoints.settings import SECRET_FILE_NAME, Settings

ROOT = Path(__file__).resolve().parents[2]


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = settings(data_dir=tmp_path).signing_secret()
    assert len(first) >= 64
    assert settings(data_dir=tmp_path).signing_secret() == first
    assert (tmp_path / SECRET_FILE_NAME).stat().st_mode & 0o077 == 0, "the secret file must be private"


def test_configured_secret_wins(tmp_path: Path) -> None:
    assert settings(data_dir=tmp_path, jwt_secret="configured").signing_secret() == "configured"
    assert not (tmp_path / SECRET_FILE_NAME).exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"database_url": "postgresql://db/conduit"}, "CONDUIT_JWT_SECRET"),
        ({"database_url": "postgresql://db/conduit", "jwt_secret": "too-short"}, "CONDUIT_JWT_SECRET"),
        ({"jwt_secret": "x" * 32}, "CONDUIT_DATABASE_URL"),
    ],
)
def test_production_refuses_to_start_without_explicit_secret_and_database(
    values: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        settings(env="production", **values)


def test_production_starts_with_both() -> None:
    configured = settings(env="production", database_url="postgresql://db/conduit", jwt_secret="x" * 32)
    assert configured.log_format == "json"


def test_cors_origins_accept_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUIT_CORS_ORIGINS", "https://a.example, https://b.example")
    assert settings().cors_origins == ["https://a.example", "https://b.example"]


def test_none_turns_prepared_statements_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUIT_PREPARE_THRESHOLD", "none")
    assert settings().prepare_threshold is None


def test_empty_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUIT_JWT_SECRET", "")
    monkeypatch.setenv("CONDUIT_DATABASE_URL", "")
    monkeypatch.setenv("CONDUIT_PORT", "")
    configured = settings()
    assert (configured.jwt_secret, configured.database_url, configured.port) == (None, None, 8000)
