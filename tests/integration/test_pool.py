"""The gated pool: callers beyond its connections wait at its gate, never in psycopg's own queue; its
connections keep a cursor per statement."""

import asyncio
from contextlib import AbstractAsyncContextManager
from time import monotonic

import psycopg
import pytest
from psycopg_pool import PoolTimeout

from adapters.postgres.pool import KEPT_CURSORS, GatedPool, PooledConnection, fetch, new_pool, opened

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


async def test_a_connection_keeps_a_cursor_per_statement_across_reads_and_failures(pg_url: str) -> None:
    pair, array, failing = "SELECT %s::int, %s::text", "SELECT %s::text, %s::int[]", "SELECT 1 / %s::int"
    async with full_pool(pg_url, size=1) as pool:
        assert await fetch(pool, pair, (1, "one")) == [(1, "one")]
        async with pool.connection() as conn:
            assert isinstance(conn, PooledConnection)
            kept = conn.cursor_for(pair)
        with pytest.raises(psycopg.errors.DivisionByZero):
            await fetch(pool, failing, (0,))
        # Interleaved statements, after a failure on the same connection.
        assert await fetch(pool, array, ("two", [2, 3])) == [("two", [2, 3])]
        assert await fetch(pool, pair, (3, "three")) == [(3, "three")]
        assert await fetch(pool, "SELECT 1 WHERE false") == []
        async with pool.connection() as conn:
            assert isinstance(conn, PooledConnection)
            assert conn.cursor_for(pair) is kept
            assert conn.cursor_for(array) is not kept
            await kept.close()  # someone closed it: the next read gets a new one
        assert await fetch(pool, pair, (4, "four")) == [(4, "four")]


async def test_statements_built_per_call_are_not_kept_beyond_the_cap(pg_url: str) -> None:
    first = "SELECT 0"
    async with full_pool(pg_url, size=1) as pool:
        assert await fetch(pool, first) == [(0,)]
        built = [f"SELECT {n}" for n in range(1, KEPT_CURSORS + 10)]
        for n, statement in enumerate(built, start=1):
            assert await fetch(pool, statement) == [(n,)]
        async with pool.connection() as conn:
            assert isinstance(conn, PooledConnection)
            assert conn.cursor_for(first) is conn.cursor_for(first)
            late = built[-1]
            assert conn.cursor_for(late) is not conn.cursor_for(late)
