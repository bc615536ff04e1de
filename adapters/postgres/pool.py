"""The process's one connection pool, and the reads that borrow a connection from it for one statement.

The pool is psycopg_pool's, built closed (``new_pool``) and opened for the application's lifetime by
``opened``. Each connection runs in autocommit mode: a read is one statement, and units of work open their
own transaction block (``transaction.py``).
"""

import select
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.errors import translated_errors
from adapters.postgres.gate import GatedPool
from adapters.postgres.kept_cursors import KeptCursorsConnection, cursor_for
from adapters.postgres.session import SessionSettings, connect
from adapters.postgres.statements import Statement

Pool: TypeAlias = AsyncConnectionPool[AsyncConnection]

# How long the pool keeps retrying one failed connection attempt before giving it up. Its retries back
# off exponentially (1 s, 2 s, 4 s, ...), so a long outage would leave the next retry tens of seconds
# away from the server's return; given up after a second, an attempt is instead started afresh, at once
# (``_try_again``). tests/e2e/test_outage.py measures the recovery.
RECONNECT_SECONDS = 1.0
Params: TypeAlias = Sequence[Any] | Mapping[str, Any]
R = TypeVar("R")


def new_pool(
    conninfo: str,
    *,
    min_size: int,
    max_size: int,
    acquire_timeout: float,
    session: SessionSettings,
    pooled: bool = False,
    prepare_threshold: int | None,
) -> Pool:
    """The process's pool, not yet open: ``opened()`` opens it for the application's lifetime.

    ``pooled``: ``conninfo`` is a transaction pooler (PgBouncer), where ``session`` comes from the role's
    defaults, not from the startup packet (session.py).
    """
    kwargs: dict[str, Any] = {
        "autocommit": True,
        "prepare_threshold": prepare_threshold,
        "application_name": "conduit",
    }
    if not pooled:
        kwargs["options"] = session.startup_options()
    return GatedPool(
        conninfo,
        min_size=min_size,
        max_size=max_size,
        timeout=acquire_timeout,
        reconnect_timeout=RECONNECT_SECONDS,
        reconnect_failed=_try_again,
        open=False,
        connection_class=KeptCursorsConnection,
        kwargs=kwargs,
    )


async def _try_again(pool: Pool) -> None:
    """A given-up attempt leaves the pool short of a connection, and psycopg_pool starts another only for
    a caller that comes later: one already waiting (a worker's only caller, say) would wait out its whole
    timeout. ``check()`` starts one now if the pool has room, so attempts go on, a second apart, for as
    long as the server is away."""
    await pool.check()


@asynccontextmanager
async def opened(pool: Pool, session: SessionSettings, *, pooled: bool = False) -> AsyncIterator[Pool]:
    """Open ``pool`` for the block and close it afterwards; fails fast when the server cannot be reached,
    and refuses a session not as ``session`` says (``StorageMisconfigured``)."""
    # One connection first, made as the pool makes them: a wrong URL, a server that is down or a pooler
    # that refuses a startup parameter fails now, with libpq's own message, instead of as a pool that
    # never fills; and what the session runs with is read back once.
    assert isinstance(pool.conninfo, str)
    assert isinstance(pool.kwargs, dict)
    made_as_pooled = {name: value for name, value in pool.kwargs.items() if name != "options"}
    probe = await connect(
        pool.conninfo, session, pooled=pooled, connect_timeout=max(1, int(pool.timeout)), **made_as_pooled
    )
    await probe.close()
    with translated_errors():
        await pool.open(wait=True, timeout=pool.timeout)
    try:
        yield pool
    finally:
        await pool.close()


@dataclass(frozen=True, slots=True)
class PoolReading:
    """The pool as it is now, and what befell it since the previous reading."""

    size: int  # connections open or being opened
    idle: int  # of those, ready to be borrowed
    waiting: int  # callers waiting for a connection
    max_size: int
    connection_errors: int  # failed attempts to connect, since the previous reading


def pop_reading(pool: Pool) -> PoolReading:
    """Read the pool's figures (psycopg_pool's ``pop_stats``, which starts its counters afresh): one caller
    per pool, or the counts are split between callers."""
    stats = pool.pop_stats()
    return PoolReading(
        size=stats.get("pool_size", 0),
        idle=stats.get("pool_available", 0),
        waiting=stats.get("requests_waiting", 0) + (pool.waiting if isinstance(pool, GatedPool) else 0),
        max_size=pool.max_size,
        connection_errors=stats.get("connections_errors", 0),
    )


async def read(pool: Pool, statement: Statement[R], params: Params | None = None) -> list[R]:
    """The rows of one statement, run on a connection borrowed for it alone."""
    with translated_errors():
        conn = await borrow(pool)
        try:
            cursor = await cursor_for(conn, statement).execute(statement.query, params, binary=True)
            return await cursor.fetchall()
        finally:
            await pool.putconn(conn)


async def run(pool: Pool, statement: Statement[Any], params: Params | None = None) -> None:
    """One statement that returns no rows, committed on its own, on a connection borrowed for it alone."""
    with translated_errors():
        conn = await borrow(pool)
        try:
            await cursor_for(conn, statement).execute(statement.query, params)
        finally:
            await pool.putconn(conn)


async def borrow(pool: Pool) -> AsyncConnection:
    """A connection from the pool that the server has not closed; ``pool.putconn`` gives it back.

    After the server restarts, every idle pooled connection is dead. Each one found is closed (the pool
    replaces closed connections) and another is taken at once. psycopg_pool's own ``check`` callback would
    do the same with a round trip per connection, and waits a second, doubling, after each second failed
    check (tests/integration/test_pool.py pins that), so a restart would keep requests waiting.
    """
    for _ in range(pool.max_size):
        conn = await pool.getconn()
        if not dropped_by_server(conn):
            return conn
        await conn.close()
        await pool.putconn(conn)
    return await pool.getconn()


# An idle pooled connection hears from the server unprompted only when it is being closed: a terminated
# backend sends its FATAL error, then leaves the shared process list, then closes the socket.
_HANGUP = select.POLLHUP | select.POLLERR | select.POLLNVAL | getattr(select, "POLLRDHUP", 0)


def dropped_by_server(conn: AsyncConnection) -> bool:
    """Whether the server has closed ``conn``, or is closing it, judged by one poll of its socket (no round
    trip): anything to read on an idle connection, or a hang-up, counts."""
    if conn.closed:
        return True
    poller = select.poll()
    poller.register(conn.pgconn.socket, select.POLLIN | _HANGUP)
    return bool(poller.poll(0))
