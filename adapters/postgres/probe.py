"""Readiness: is the database there, and at which schema revision."""

from psycopg import errors as pg

from adapters.postgres.pool import Pool, read
from adapters.postgres.statements import Statement
from application.ports import DatabaseProbe

SELECT_REVISION = Statement("SELECT version_num FROM alembic_version LIMIT 1")


class PgDatabaseProbe(DatabaseProbe):
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def schema_revision(self) -> str | None:
        try:
            rows = await read(self._pool, SELECT_REVISION)
        except pg.UndefinedTable:  # never migrated
            return None
        return str(rows[0][0]) if rows else None
