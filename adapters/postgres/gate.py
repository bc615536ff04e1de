"""Workaround: callers wait for a pooled connection at a semaphore, not in psycopg_pool's queue.

Delete when waiting in psycopg_pool's own queue costs no more than waiting at a semaphore:
tests/integration/test_pool.py counts the Python calls one waiting caller costs each way, and fails
once the difference is gone.

When every connection is busy, psycopg_pool queues a waiter object per caller and wakes it through a
condition and ``asyncio.wait_for`` (before Python 3.12 that wraps every wait in a task of its own). A
semaphore with one place per connection is less work per waiting request, on 3.11 and on 3.12 alike
(docs/performance.md has the measurements). Behind the gate the pool hands out connections without
waiting, except while it grows towards ``max_size``. The pool's contract is kept: ``getconn`` raises
``PoolTimeout`` after ``timeout`` seconds, and every ``getconn`` is paired with a ``putconn``.
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
        self.waiting = 0  # callers at the gate: psycopg_pool's own count never sees them

    async def getconn(self, timeout: float | None = None) -> AsyncConnection:  # noqa: ASYNC109 (psycopg's signature)
        timeout = self.timeout if timeout is None else timeout
        if self._gate.locked():
            started = monotonic()
            self.waiting += 1
            try:
                async with asyncio.timeout(timeout):
                    await self._gate.acquire()
            except TimeoutError:
                raise PoolTimeout(f"couldn't get a connection after {timeout:.2f} sec") from None
            finally:
                self.waiting -= 1
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
