"""The servers under test, started as a user starts them: `conduit serve`, and the ceiling served alike."""

import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tools.bench import client, processes
from tools.bench.proc import ProcessTree

BIN = Path(sys.prefix) / "bin"
HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Server:
    base_url: str
    tree: ProcessTree  # the process we started and its workers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def conduit(env: dict[str, str], port: int, workers: int, workdir: Path) -> Iterator[Server]:
    # Metrics stay on, as in production, on a port of the run's own (a CONDUIT_METRICS_PORT given wins).
    env = {"CONDUIT_METRICS_PORT": str(free_port()), **env}
    command = [str(BIN / "conduit"), "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    with _serving(command, env, port, "/readyz", workdir / "server.log") as server:
        yield server


@contextmanager
def ceiling(port: int, workers: int, workdir: Path) -> Iterator[Server]:
    command = [sys.executable, str(Path(__file__).resolve().parent / "ceiling.py")]
    command += ["--host", HOST, "--port", str(port), "--workers", str(workers)]
    with _serving(command, None, port, "/ping", workdir / "ceiling.log") as server:
        yield server


@contextmanager
def _serving(
    command: list[str], env: dict[str, str] | None, port: int, ready_path: str, log: Path
) -> Iterator[Server]:
    base_url = f"http://{HOST}:{port}"
    # Another server on the port would answer the readiness probe and get benchmarked instead.
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError as error:
            raise processes.BenchError(
                f"port {port} is taken ({error.strerror}); pick another --port"
            ) from None
    with processes.running(command, env=env, cwd=log.parent, output=log) as process:
        client.wait_until_ready(base_url + ready_path, process, str(log))
        yield Server(base_url, ProcessTree(process.pid))
