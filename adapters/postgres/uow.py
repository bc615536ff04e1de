from types import TracebackType
from typing import Self

from psycopg import AsyncConnection, Rollback
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.articles import PgArticleRepository
from adapters.postgres.comments import PgCommentRepository
from adapters.postgres.events import OutboxBell, PgOutbox
from adapters.postgres.notifications import PgNotificationRepository
from adapters.postgres.pool import begin
from adapters.postgres.users import PgUserRepository
from application.ports import UnitOfWork


class PostgresUnitOfWork(UnitOfWork):
    """One pooled connection, one transaction. Pool connections are in autocommit mode (a read costs one
    round trip); the unit of work opens a transaction block on entry, ``commit()`` ends it, and leaving
    the block without committing rolls it back before the connection goes back to the pool."""

    def __init__(self, pool: AsyncConnectionPool[AsyncConnection], bell: OutboxBell | None = None) -> None:
        self._pool, self._bell = pool, bell

    async def __aenter__(self) -> Self:
        self._borrowed = await begin(self._pool)
        conn = self._borrowed.conn
        self._open = True
        self.users = PgUserRepository(conn)
        self.articles = PgArticleRepository(conn)
        self.comments = PgCommentRepository(conn)
        self.outbox = PgOutbox(conn)
        self.notifications = PgNotificationRepository(conn)
        return self

    async def commit(self) -> None:
        self._open = False
        try:
            # One round trip: the recorded events and the COMMIT go out together.
            async with self._borrowed.conn.pipeline():
                await self.outbox.flush()
                await self._borrowed.transaction.aclose()  # leaves the transaction block normally: COMMIT
        finally:
            await self._borrowed.connection.aclose()
        if self.outbox.recorded and self._bell is not None:
            self._bell.ring()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._open:
            self._open = False
            try:
                # Rollback tells the transaction block to roll back and is swallowed by it.
                await self._borrowed.transaction.__aexit__(Rollback, Rollback(), None)
            finally:
                await self._borrowed.connection.aclose()
