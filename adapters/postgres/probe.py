"""Readiness: is the database there, and at which schema revision; and what it is, for an operator."""

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg import errors as pg
from psycopg.conninfo import conninfo_to_dict

from adapters.postgres.errors import translated_errors
from adapters.postgres.pool import Pool, read
from adapters.postgres.replicas import ReplicaSet
from adapters.postgres.statements import Statement
from application.ports import DatabaseProbe, ReplicaState

SELECT_REVISION = Statement("SELECT version_num FROM alembic_version LIMIT 1")


class PgDatabaseProbe(DatabaseProbe):
    def __init__(self, pool: Pool, replicas: ReplicaSet | None = None) -> None:
        self._pool, self._replicas = pool, replicas

    def replicas(self) -> Sequence[ReplicaState]:
        return () if self._replicas is None else self._replicas.states()

    async def schema_revision(self) -> str | None:
        try:
            rows = await read(self._pool, SELECT_REVISION)
        except pg.UndefinedTable:  # never migrated
            return None
        return str(rows[0][0]) if rows else None


@dataclass(frozen=True, slots=True)
class ServerDescription:
    """What an operator should know about the database in use: never its password."""

    version: str
    host: str
    port: str
    database: str
    user: str
    schema_revision: str | None


def describe(url: str) -> ServerDescription:
    """Connect once to ``url`` and say what is there; ``StorageUnavailable`` if nothing answers."""
    given = conninfo_to_dict(url)
    with translated_errors(), psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
        version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        try:
            row = conn.execute(SELECT_REVISION.query).fetchone()
        except pg.UndefinedTable:  # never migrated
            row = None
        info = conn.info
        return ServerDescription(
            version=version.split()[0],
            host=str(given.get("host") or info.host),
            port=str(info.port),
            database=info.dbname,
            user=info.user,
            schema_revision=None if row is None else str(row[0]),
        )


def driver_implementation() -> str:
    """Which of psycopg's libpq wrappers is loaded: ``binary`` or ``c`` (compiled), or ``python`` (slow)."""
    return str(psycopg.pq.__impl__)
