"""A real `conduit serve` for the tests that need one over real sockets."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from entrypoints import migrations
from tests.support.database import fresh_database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_conduit(
    pg_server: str, tmp_path: Path, settings: Mapping[str, str] | None = None, *, workers: int = 1
) -> Iterator[tuple[str, Path]]:
    """A real `conduit serve` on a fresh database, with ``settings`` (CONDUIT_* variables) besides the
    tests' own; yields its API URL and log file."""
    with fresh_database(pg_server, "realworld") as url:
        migrations.upgrade(url)
        with conduit_serving(url, tmp_path, workers=workers, **(settings or {})) as served:
            yield served


@contextmanager
def conduit_serving(
    url: str, workdir: Path, *, workers: int = 1, **settings: str
) -> Iterator[tuple[str, Path]]:
    """`conduit serve` on the migrated database ``url``, with ``settings`` (CONDUIT_* variables) besides the
    tests' own; yields its API URL and log file once it is ready."""
    server, api, log_path = start_conduit(url, workdir, workers=workers, **settings)
    try:
        wait_until_ready(api.removesuffix("/api") + "/readyz", server, log_path)
        yield api, log_path
    finally:
        server.terminate()
        server.wait(timeout=20)


def start_conduit(
    url: str, workdir: Path, *, workers: int = 1, **settings: str
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Start `conduit serve` without waiting for it: the server, its API URL and its log file. Its metrics
    listener is off unless ``settings`` give it a port."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "server.log"
    env = {
        **os.environ,
        "CONDUIT_DATABASE_URL": url,
        "CONDUIT_DATA_DIR": str(workdir / "data"),
        "CONDUIT_JWT_SECRET": "realworld-suite-secret-of-thirty-two-bytes+",
        "CONDUIT_MIGRATE_ON_START": "false",
        "CONDUIT_LOG_LEVEL": "INFO",
        "CONDUIT_ACCESS_LOG": "true",
        "CONDUIT_METRICS_PORT": "0",
        **settings,
    }
    conduit = Path(sys.executable).with_name("conduit")
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(conduit), "serve", "--host", "127.0.0.1", "--port", str(port), f"--workers={workers}"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    return server, f"http://127.0.0.1:{port}/api", log_path


def wait_until_ready(url: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"conduit serve exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"conduit serve was not ready within 30 s:\n{log_path.read_text()}")
