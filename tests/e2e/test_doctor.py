"""`conduit doctor`: passes where Conduit can run, and names the fix for what stops it."""

import socket
from pathlib import Path

import pytest

from tests.e2e.test_cli import conduit
from tests.support.live import free_port

pytestmark = pytest.mark.postgres


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("CONDUIT_DATABASE_URL", "CONDUIT_JWT_SECRET", "CONDUIT_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONDUIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CONDUIT_PORT", str(free_port()))
    monkeypatch.setenv("CONDUIT_LOG_LEVEL", "WARNING")
    return tmp_path


def lines(output: str, name: str) -> list[str]:
    found = output.splitlines()
    at = next(i for i, line in enumerate(found) if line[6:].startswith(name))
    return [found[at], *[line for line in found[at + 1 : at + 2] if line.startswith(" ")]]


@pytest.mark.usefixtures("settings")
def test_doctor_passes_where_conduit_can_run(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUIT_DATABASE_URL", pg_url)
    code, output = conduit("doctor")
    assert code == 0, output
    for name in ("python", "driver", "data", "port", "secret", "database", "schema"):
        assert lines(output, name)[0].startswith("ok"), output


@pytest.mark.usefixtures("settings")
def test_doctor_names_the_fix_for_a_database_that_does_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUIT_DATABASE_URL", f"postgresql://conduit@127.0.0.1:{free_port()}/conduit")
    code, output = conduit("doctor")
    assert code == 1
    failed, fix = lines(output, "database")
    assert failed.startswith("FAIL")
    assert "unreachable" in failed
    assert "fix:" in fix
    assert "CONDUIT_DATABASE_URL" in fix


def test_doctor_names_the_fix_for_a_taken_port(
    settings: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONDUIT_DATABASE_URL", pg_url)
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        monkeypatch.setenv("CONDUIT_PORT", str(other.getsockname()[1]))
        code, output = conduit("doctor")
    assert code == 1
    failed, fix = lines(output, "port")
    assert failed.startswith("FAIL")
    assert "taken" in failed
    assert "--port" in fix
    assert "CONDUIT_PORT" in fix
