"""The gated pool: callers beyond its connections wait at its gate, never in psycopg's own queue; its
connections keep one cursor for reads."""

import asyncio
from contextlib import AbstractAsyncContextManager
from time import monotonic

import psycopg
import pytest
from psycopg_pool import PoolTimeout

from adapters.postgres.pool import GatedPool, PooledConnection, fetch, new_pool, opened

pytestmark = pytest.mark.postgres


def full_pool(url: str, size: int, acquire_timeout: float = 10) -> AbstractAsyncContextManager[GatedPool]:
    """A pool opened with all its connections, so it never grows (growing is the one time it queues)."""
    pool = new_pool(
        url,
        min_size=size,
        max_size=size,
        acquire_timeout=acquire_timeout,
        statement_timeout_ms=10_000,
        prepare_threshold=5,
    )
    return opened(pool)


def queued(pool: GatedPool) -> int:
    return pool.get_stats().get("requests_queued", 0)


async def test_callers_beyond_the_connections_all_get_one_in_turn(pg_url: str) -> None:
    async with full_pool(pg_url, size=2) as pool:
        answers = await asyncio.gather(
            *(fetch(pool, "SELECT %s::int, pg_backend_pid(), pg_sleep(0.02)", (n,)) for n in range(8))
        )
        assert sorted(rows[0][0] for rows in answers) == list(range(8))
        assert len({rows[0][1] for rows in answers}) <= 2
        assert queued(pool) == 0


async def test_a_caller_that_finds_no_free_connection_in_time_gets_pool_timeout(pg_url: str) -> None:
    async with full_pool(pg_url, size=1, acquire_timeout=0.2) as pool:
        async with pool.connection():
            started = monotonic()
            with pytest.raises(PoolTimeout):
                await fetch(pool, "SELECT 1")
            assert 0.15 < monotonic() - started < 2
        # The caller that gave up left its place: the next one gets the connection at once.
        assert await fetch(pool, "SELECT 1") == [(1,)]


async def test_a_cancelled_waiter_gives_its_place_back(pg_url: str) -> None:
    async with full_pool(pg_url, size=1, acquire_timeout=1) as pool:
        async with pool.connection():
            waiter = asyncio.create_task(fetch(pool, "SELECT 1"))
            await asyncio.sleep(0.05)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
        # No place lost (these would time out) and none gained (two would meet in psycopg's queue).
        answers = await asyncio.gather(*(fetch(pool, "SELECT pg_sleep(0.01), 1") for _ in range(4)))
        assert [rows[0][1] for rows in answers] == [1] * 4
        assert queued(pool) == 0


async def test_reads_on_a_connection_share_one_cursor_and_survive_a_failed_one(pg_url: str) -> None:
    async with full_pool(pg_url, size=1) as pool:
        assert await fetch(pool, "SELECT %s::int, %s::text", (1, "one")) == [(1, "one")]
        async with pool.connection() as conn:
            assert isinstance(conn, PooledConnection)
            reader = conn.reader()
        with pytest.raises(psycopg.errors.DivisionByZero):
            await fetch(pool, "SELECT 1 / %s::int", (0,))
        # Different parameter and column types through the same cursor, after a failure on it.
        assert await fetch(pool, "SELECT %s::text, %s::int[]", ("two", [2, 3])) == [("two", [2, 3])]
        assert await fetch(pool, "SELECT 1 WHERE false") == []
        async with pool.connection() as conn:
            assert isinstance(conn, PooledConnection)
            assert conn.reader() is reader
            reader_closed_by_someone = conn.reader()
            await reader_closed_by_someone.close()
        assert await fetch(pool, "SELECT %s::int", (4,)) == [(4,)]
