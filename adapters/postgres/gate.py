"""Workaround: callers wait for a pooled connection at a semaphore, not in psycopg_pool's queue.

Delete when Conduit requires Python 3.12 or newer (``pool.POOL_CLASS`` already skips it there).

psycopg_pool waits for a connection through ``asyncio.wait_for``, which before Python 3.12 wraps every
wait in a task of its own, so with more requests than connections every waiting request costs a task
(docs/performance.md has what that cost an article read). Python 3.12 rebuilt ``wait_for`` on
``asyncio.timeout``, without the task.
tests/integration/test_pool.py pins the task per waiter, so a psycopg_pool that stops making them fails a
test there instead of keeping this module for nothing.

Behind the gate the pool hands out connections without waiting, except while it grows towards
``max_size``. The pool's contract is kept: ``getconn`` raises ``PoolTimeout`` after ``timeout`` seconds,
and every ``getconn`` is paired with a ``putconn``.
"""

import asyncio
from time import monotonic
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout


class GatedPool(AsyncConnectionPool[AsyncConnection]):
    def __init__(self, conninfo: str, **kwargs: Any) -> None:
        super().__init__(conninfo, **kwargs)
        self._gate = asyncio.Semaphore(self.max_size)

    async def getconn(self, timeout: float | None = None) -> AsyncConnection:  # noqa: ASYNC109 (psycopg's signature)
        timeout = self.timeout if timeout is None else timeout
        if self._gate.locked():
            started = monotonic()
            try:
                async with asyncio.timeout(timeout):
                    await self._gate.acquire()
            except TimeoutError:
                raise PoolTimeout(f"couldn't get a connection after {timeout:.2f} sec") from None
            timeout = max(timeout - (monotonic() - started), 0.001)
        else:
            await self._gate.acquire()
        try:
            return await super().getconn(timeout)
        except BaseException:
            self._gate.release()
            raise

    async def putconn(self, conn: AsyncConnection) -> None:
        try:
            await super().putconn(conn)
        finally:
            self._gate.release()
