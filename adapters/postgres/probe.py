from psycopg import errors as pg

from adapters.postgres.pool import Pool, fetch
from application.ports import DatabaseProbe

SELECT_REVISION = "SELECT version_num FROM alembic_version LIMIT 1"


class PgDatabaseProbe(DatabaseProbe):
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def schema_revision(self) -> str | None:
        try:
            rows = await fetch(self._pool, SELECT_REVISION)
        except pg.UndefinedTable:  # never migrated
            return None
        return str(rows[0][0]) if rows else None
