"""Several workers behind one address (`entrypoints.serving`, what `conduit serve --workers N` runs).

Each worker listens on a socket of its own, so a burst of connections opened at once is shared between
the workers instead of landing on whichever wakes first, and a worker the supervisor replaces listens
again. The app under test answers with its worker's pid.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
SERVE = (
    "import sys; from entrypoints import serving; "
    "serving.run(sys.argv[4], host=sys.argv[1], port=int(sys.argv[2]), "
    "workers=int(sys.argv[3]), lifespan='off', log_level='warning')"
)
STARTUP_FAILURE = 3


def start(
    port: int, workers: int, log: Path, app: str = "tests.support.pid_app:app"
) -> subprocess.Popen[bytes]:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-c", SERVE, HOST, str(port), str(workers), app],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@contextmanager
def serving(port: int, workers: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    supervisor = start(port, workers, log)
    try:
        yield supervisor
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(timeout=30)


def listening_sockets(port: int) -> int:
    """Sockets in LISTEN state on the port, as the kernel counts them (/proc/net/tcp)."""
    local_address = f":{port:04X}"
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table][1:]
    return sum(1 for row in rows if row[1].endswith(local_address) and row[3] == "0A")


def wait_for_listeners(port: int, count: int, supervisor: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while (found := listening_sockets(port)) != count:
        assert supervisor.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"{found} listeners, not {count}: {log.read_text()}"
        time.sleep(0.05)


def pids_answering_a_burst(port: int, connections: int = 32) -> list[int]:
    """Open every connection before sending a request on any, as a client pool does when it starts."""
    burst = [socket.create_connection((HOST, port), timeout=10) for _ in range(connections)]
    pids = []
    for connection in burst:
        with connection:
            connection.sendall(b"GET / HTTP/1.1\r\nHost: conduit\r\nConnection: close\r\n\r\n")
            response = b""
            while chunk := connection.recv(4096):
                response += chunk
            head, _, body = response.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200"), response
            pids.append(int(body))
    return pids


def test_each_worker_listens_on_its_own_socket_and_takes_a_share_of_a_burst(tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    with serving(port, 2, log) as supervisor:
        wait_for_listeners(port, 2, supervisor, log)
        pids = pids_answering_a_burst(port)
        assert len(set(pids)) == 2, pids
        assert supervisor.pid not in pids, "the supervisor only supervises"
        # 32 connections, two workers, each hashed to a listener: a lopsided split means one queue.
        assert min(pids.count(pid) for pid in set(pids)) >= 4, pids


def test_a_worker_the_supervisor_replaces_listens_again(tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    with serving(port, 2, log) as supervisor:
        wait_for_listeners(port, 2, supervisor, log)
        killed, survivor = sorted(set(pids_answering_a_burst(port)))
        os.kill(killed, signal.SIGKILL)
        wait_for_listeners(port, 1, supervisor, log)
        wait_for_listeners(port, 2, supervisor, log)
        pids = set(pids_answering_a_burst(port))
        assert survivor in pids
        assert killed not in pids
        assert len(pids) == 2, pids


@pytest.mark.parametrize("reuse_port", [False, True], ids=["plain listener", "SO_REUSEPORT listener"])
def test_a_port_another_server_listens_on_is_refused(tmp_path: Path, reuse_port: bool) -> None:
    log = tmp_path / "serve.log"
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, int(reuse_port))
        other.bind((HOST, 0))
        other.listen()
        port = other.getsockname()[1]
        supervisor = start(port, 2, log)
        assert supervisor.wait(timeout=30) == STARTUP_FAILURE
    assert "Address already in use" in log.read_text()


def test_sighup_replaces_the_workers_one_by_one_while_serving(tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    with serving(port, 2, log) as supervisor:
        wait_for_listeners(port, 2, supervisor, log)
        before = set(pids_answering_a_burst(port))
        supervisor.send_signal(signal.SIGHUP)
        deadline, served = time.monotonic() + 60, before
        while served & before or len(served) != 2:
            assert supervisor.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"served by {served}, before by {before}: {log.read_text()}"
            # Each old worker stops only once its successor listens: there are always two listeners.
            assert listening_sockets(port) >= 2
            try:
                served = set(pids_answering_a_burst(port))
            except (AssertionError, OSError):
                # A connection queued at a worker's socket as it closes is reset (see serving.py), unless
                # the kernel migrates it (net.ipv4.tcp_migrate_req).
                served = before


def test_workers_that_cannot_start_stop_the_supervisor(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    supervisor = start(free_port(), 2, log, app="tests.support.no_such_module:app")
    assert supervisor.wait(timeout=60) == STARTUP_FAILURE, log.read_text()
