from types import TracebackType
from typing import Self

from adapters.postgres.articles import PgArticleRepository
from adapters.postgres.comments import PgCommentRepository
from adapters.postgres.errors import translated_errors
from adapters.postgres.events import OutboxBell, PgOutbox
from adapters.postgres.notifications import PgNotificationRepository
from adapters.postgres.pool import Pool, begin
from adapters.postgres.queries import PgViewsAfterCommit
from adapters.postgres.users import PgUserRepository
from application.ports import UnitOfWork


class PostgresUnitOfWork(UnitOfWork):
    """One pooled connection, one transaction, in pipeline mode (see ``pool.Transaction``): statements go
    out as they are executed, and the unit of work waits only for the results it reads and for the COMMIT.
    Leaving the block without committing rolls back before the connection goes back to the pool."""

    def __init__(self, pool: Pool, bell: OutboxBell | None = None) -> None:
        self._pool, self._bell = pool, bell

    async def __aenter__(self) -> Self:
        self._transaction = await begin(self._pool)
        conn = self._transaction.conn
        self._open = True
        self.users = PgUserRepository(conn)
        self.articles = PgArticleRepository(conn)
        self.comments = PgCommentRepository(conn)
        self.outbox = PgOutbox(conn)
        self.notifications = PgNotificationRepository(conn)
        self.views = PgViewsAfterCommit()
        return self

    async def commit(self) -> None:
        self._open = False
        # The recorded events go out with the COMMIT, and so do statements nobody read: their constraint
        # errors surface here.
        try:
            await self.outbox.flush()
        except BaseException:
            await self._transaction.rollback()
            raise
        reads = self.views.reads
        with translated_errors():
            found = await self._transaction.commit([(query, params) for query, params, _ in reads])
        for (_, _, resolve), rows in zip(reads, found, strict=True):
            resolve(rows)
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
            await self._transaction.rollback()
