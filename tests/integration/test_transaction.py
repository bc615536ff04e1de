"""The psycopg behaviour adapters/postgres/transaction.py works around: conn.transaction() in pipeline mode
syncs the pipeline where explicit BEGIN and COMMIT statements do not."""

import tempfile
from collections.abc import Awaitable, Callable

import pytest
from psycopg import AsyncConnection
from psycopg.pq import Trace

pytestmark = pytest.mark.postgres


async def syncs(url: str, unit_of_work: Callable[[AsyncConnection], Awaitable[None]]) -> int:
    """How many Sync messages the client sends for ``unit_of_work`` in pipeline mode (from libpq's trace)."""
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        with tempfile.TemporaryFile("w+") as trace:
            conn.pgconn.trace(trace.fileno())
            conn.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)
            async with conn.pipeline():
                await unit_of_work(conn)
            conn.pgconn.untrace()
            trace.seek(0)
            return sum(1 for line in trace if line.startswith("F\t") and "\tSync" in line)


async def with_transaction_block(conn: AsyncConnection) -> None:
    async with conn.transaction():
        await conn.execute("SELECT 1")


async def with_statements(conn: AsyncConnection) -> None:
    for statement in ("BEGIN", "SELECT 1", "COMMIT"):
        await conn.execute(statement, prepare=False)


async def test_psycopg_transaction_blocks_sync_the_pipeline_three_times_more(pg_url: str) -> None:
    """If this fails, conn.transaction() no longer costs a pipelined unit of work extra round trips, and
    PipelinedTransaction can go back to it."""
    assert await syncs(pg_url, with_statements) == 1
    assert await syncs(pg_url, with_transaction_block) == 4
