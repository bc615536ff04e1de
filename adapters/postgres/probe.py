from psycopg import AsyncConnection
from psycopg import errors as pg
from psycopg_pool import AsyncConnectionPool

from application.ports import DatabaseProbe

SELECT_REVISION = "SELECT version_num FROM alembic_version LIMIT 1"


class PgDatabaseProbe(DatabaseProbe):
    def __init__(self, pool: AsyncConnectionPool[AsyncConnection]) -> None:
        self._pool = pool

    async def schema_revision(self) -> str | None:
        async with self._pool.connection() as conn:
            try:
                cursor = await conn.execute(SELECT_REVISION)
            except pg.UndefinedTable:  # never migrated
                return None
            row = await cursor.fetchone()
        return None if row is None else row[0]
