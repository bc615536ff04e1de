from contextlib import AsyncExitStack
from types import TracebackType
from typing import Self

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.users import PgUserRepository
from application.ports import UnitOfWork


class PostgresUnitOfWork(UnitOfWork):
    """One pooled connection, one transaction: the first statement opens it, ``commit()`` ends it,
    and leaving the block rolls back whatever was not committed before the connection goes back."""

    def __init__(self, pool: AsyncConnectionPool[AsyncConnection]) -> None:
        self._pool = pool

    async def __aenter__(self) -> Self:
        self._stack = AsyncExitStack()
        self._conn = await self._stack.enter_async_context(self._pool.connection())
        self.users = PgUserRepository(self._conn)
        return self

    async def commit(self) -> None:
        await self._conn.commit()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self._conn.rollback()
        finally:
            await self._stack.aclose()
