"""`conduit serve` on its own embedded PostgreSQL, as the README's run command starts it."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.live import free_port, wait_until_ready

pytestmark = pytest.mark.postgres

CONDUIT = str(Path(sys.executable).with_name("conduit"))


def serve(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONDUIT_")}
    env |= {"CONDUIT_DATA_DIR": str(data_dir), "CONDUIT_LOG_LEVEL": "WARNING", "CONDUIT_METRICS_PORT": "0"}
    with log.open("w") as out:
        return subprocess.Popen(
            [CONDUIT, "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=data_dir.parent,
        )


def status(data_dir: Path) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONDUIT_")} | {
        "CONDUIT_DATA_DIR": str(data_dir)
    }
    return subprocess.run([CONDUIT, "db", "status"], env=env, capture_output=True, check=False).returncode


def stopped(process: subprocess.Popen[bytes], stop_signal: int) -> bool:
    process.send_signal(stop_signal)
    return process.wait(timeout=30) in (0, -stop_signal, 128 + stop_signal)


def test_serve_starts_the_embedded_server_keeps_data_and_stops_it(tmp_path: Path) -> None:
    data, port, log = tmp_path / "data", free_port(), tmp_path / "serve.log"
    api = f"http://127.0.0.1:{port}"
    user = {"user": {"username": "alice", "email": "alice@example.com", "password": "pass-phrase-123"}}

    first = serve(data, port, log)
    wait_until_ready(f"{api}/readyz", first, log)
    assert httpx.post(f"{api}/api/users", json=user).status_code == 201
    assert stopped(first, signal.SIGINT), log.read_text()
    assert status(data) == 3, "the embedded server stops with its last user (Ctrl-C)"

    second = serve(data, port, log)
    try:
        wait_until_ready(f"{api}/readyz", second, log)
        login = httpx.post(
            f"{api}/api/users/login",
            json={"user": {"email": "alice@example.com", "password": "pass-phrase-123"}},
        )
        assert login.status_code == 200, "data survives a restart"
    finally:
        assert stopped(second, signal.SIGTERM), log.read_text()
    assert status(data) == 3, "the embedded server stops with its last user (SIGTERM)"
