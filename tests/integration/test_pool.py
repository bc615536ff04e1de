"""The pool: callers beyond its connections wait at the gate, never in psycopg_pool's own queue; and the
psycopg_pool behaviours that adapters/postgres/gate.py and pool.borrow work around."""

import asyncio
import sys
from contextlib import AbstractAsyncContextManager
from time import monotonic
from types import FrameType

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from adapters.postgres.gate import GatedPool
from adapters.postgres.pool import Pool, new_pool, opened, read
from adapters.postgres.session import SessionSettings
from adapters.postgres.statements import Statement

pytestmark = pytest.mark.postgres

SLOW_PAIR = Statement("SELECT %s::int, pg_backend_pid(), pg_sleep(0.02)")
ONE = Statement("SELECT 1")
SESSION = SessionSettings(statement_timeout_ms=10_000)


def full_pool(url: str, size: int, acquire_timeout: float = 10) -> AbstractAsyncContextManager[Pool]:
    """A pool opened with all its connections, so it never grows (growing is the one time it queues)."""
    pool = new_pool(
        url,
        min_size=size,
        max_size=size,
        acquire_timeout=acquire_timeout,
        session=SESSION,
        prepare_threshold=5,
    )
    return opened(pool, SESSION)


def queued(pool: Pool) -> int:
    return pool.get_stats().get("requests_queued", 0)


async def test_callers_beyond_the_connections_all_get_one_in_turn(pg_url: str) -> None:
    async with full_pool(pg_url, size=2) as pool:
        answers = await asyncio.gather(*(read(pool, SLOW_PAIR, (n,)) for n in range(8)))
        assert sorted(rows[0][0] for rows in answers) == list(range(8))
        assert len({rows[0][1] for rows in answers}) <= 2
        assert queued(pool) == 0, "callers waited in psycopg_pool's queue, not at the gate"


async def test_a_caller_that_finds_no_free_connection_in_time_gets_pool_timeout(pg_url: str) -> None:
    async with full_pool(pg_url, size=1, acquire_timeout=0.2) as pool:
        async with pool.connection():
            started = monotonic()
            with pytest.raises(PoolTimeout):
                await pool.getconn()
            assert 0.15 < monotonic() - started < 2
        # The caller that gave up left its place: the next one gets the connection at once.
        assert await read(pool, ONE) == [(1,)]


async def test_a_cancelled_waiter_gives_its_place_back(pg_url: str) -> None:
    async with full_pool(pg_url, size=1, acquire_timeout=1) as pool:
        async with pool.connection():
            waiter = asyncio.create_task(read(pool, ONE))
            await asyncio.sleep(0.05)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
        # No place lost (these would time out) and none gained (two would meet in psycopg's queue).
        answers = await asyncio.gather(*(read(pool, Statement("SELECT pg_sleep(0.01), 1")) for _ in range(4)))
        assert [rows[0][1] for rows in answers] == [1] * 4
        assert queued(pool) == 0


async def calls_per_waiting_caller(pool: AsyncConnectionPool[AsyncConnection]) -> float:
    """Python calls in the pool, the gate and asyncio for each caller that waits for the one connection."""
    waiting, calls = 8, 0

    def count(frame: FrameType, event: str, arg: object) -> None:
        nonlocal calls
        where = frame.f_code.co_filename
        if event == "call" and ("psycopg_pool" in where or "asyncio" in where or where.endswith("gate.py")):
            calls += 1

    async with pool:
        await pool.wait()
        held = await pool.getconn()
        sys.setprofile(count)
        try:
            waiters = [asyncio.create_task(pool.getconn(timeout=5)) for _ in range(waiting)]
            await asyncio.sleep(0.05)
            await pool.putconn(held)
            for waiter in waiters:
                await pool.putconn(await waiter)
        finally:
            sys.setprofile(None)
    return calls / waiting


async def test_waiting_in_psycopg_pools_queue_costs_more_than_at_the_gate(pg_url: str) -> None:
    """Pins what gate.py works around: if this fails, psycopg_pool's queue is no dearer than the gate."""
    plain = await calls_per_waiting_caller(AsyncConnectionPool(pg_url, min_size=1, max_size=1, open=False))
    gated = await calls_per_waiting_caller(GatedPool(pg_url, min_size=1, max_size=1, open=False))
    assert plain - gated >= 15, (plain, gated)


async def test_psycopg_pool_backs_off_after_a_second_failed_check(pg_url: str) -> None:
    """Pins why pool.borrow polls connections itself instead of passing ``check=``: once a second
    connection fails its check in one getconn, psycopg_pool waits about a second before the next."""
    failed: list[int] = []

    async def fail_twice(conn: AsyncConnection) -> None:
        if len(failed) < 2:
            failed.append(conn.info.backend_pid)
            raise ConnectionError("pretend the server closed it")

    pool = AsyncConnectionPool[AsyncConnection](pg_url, min_size=3, max_size=3, open=False, check=fail_twice)
    async with pool:
        await pool.wait()
        started = monotonic()
        async with pool.connection():
            waited = monotonic() - started
    assert len(failed) == 2
    assert waited > 0.5
