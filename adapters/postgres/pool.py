"""The process's one connection pool, opened and closed by whoever owns the application's lifetime."""

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

Pool = AsyncConnectionPool[AsyncConnection]
Params = Sequence[Any] | Mapping[str, Any]
Query = str | bytes | psycopg.sql.SQL | psycopg.sql.Composed


def new_pool(
    conninfo: str,
    *,
    min_size: int,
    max_size: int,
    acquire_timeout: float,
    statement_timeout_ms: int,
    prepare_threshold: int | None,
) -> Pool:
    """The process's pool, not yet open: ``opened()`` opens it for the application's lifetime."""
    return AsyncConnectionPool(
        conninfo,
        min_size=min_size,
        max_size=max_size,
        timeout=acquire_timeout,
        open=False,
        kwargs={
            # Reads run as single autocommit statements; units of work open their own transaction block.
            "autocommit": True,
            "prepare_threshold": prepare_threshold,
            "application_name": "conduit",
            # A runaway statement is cancelled by the server instead of holding a connection forever;
            # UTC sessions hand back timestamps that need no conversion before they are rendered.
            # Prepared statements always run their cached (generic) plan: left to choose, PostgreSQL kept
            # re-planning the list queries on every execution (0.44 ms of server CPU each instead of
            # 0.13 ms). The statements are written for it (page sizes as literals) and
            # tests/integration/test_read_side.py checks those plans use their indexes.
            "options": " ".join(
                (
                    f"-c statement_timeout={statement_timeout_ms}",
                    "-c timezone=UTC",
                    "-c plan_cache_mode=force_generic_plan",
                )
            ),
        },
    )


@asynccontextmanager
async def opened(pool: Pool) -> AsyncIterator[Pool]:
    """Open ``pool`` for the block and close it afterwards; fails fast when the server cannot be reached."""
    # One direct connection first: a wrong URL or a server that is down fails now, with libpq's own
    # message, instead of as a pool that never fills.
    assert isinstance(pool.conninfo, str)
    probe = await AsyncConnection.connect(pool.conninfo, connect_timeout=max(1, int(pool.timeout)))
    await probe.close()
    await pool.open(wait=True, timeout=pool.timeout)
    try:
        yield pool
    finally:
        await pool.close()


async def fetch(pool: Pool, query: Query, params: Params | None = None) -> list[tuple[Any, ...]]:
    """Run one read statement on a pooled connection.

    After the server restarts, idle pooled connections are dead; the first statement on one fails before
    doing anything. Such a connection is discarded and the statement re-run on another, so a restart costs
    no request an error. A server that stays away surfaces as PoolTimeout.
    """
    for attempt in range(pool.max_size + 1):
        conn: AsyncConnection | None = None
        try:
            async with pool.connection() as conn:
                cursor = await conn.execute(query, params)
                return await cursor.fetchall()
        except psycopg.OperationalError:
            if conn is None or not conn.broken or attempt == pool.max_size:
                raise
    raise AssertionError("unreachable")


@dataclass(slots=True)
class Borrowed:
    """A pooled connection inside a transaction block. Leaving ``transaction`` commits (or, with an
    exception, rolls back); leaving ``connection`` afterwards gives the connection back to the pool."""

    conn: AsyncConnection
    transaction: AsyncExitStack
    connection: AsyncExitStack


async def begin(pool: Pool) -> Borrowed:
    """Borrow a connection and open a transaction block on it.

    BEGIN is the first statement, so a connection that died with a server restart fails having done
    nothing; it is discarded (the pool drops broken connections when they come back) and another tried.
    """
    for attempt in range(pool.max_size + 1):
        connection, transaction = AsyncExitStack(), AsyncExitStack()
        conn = await connection.enter_async_context(pool.connection())
        try:
            await transaction.enter_async_context(conn.transaction())
        except BaseException as error:
            await connection.aclose()
            if not isinstance(error, psycopg.OperationalError) or not conn.broken or attempt == pool.max_size:
                raise
            continue
        return Borrowed(conn, transaction, connection)
    raise AssertionError("unreachable")
