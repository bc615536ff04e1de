"""The process's one connection pool, opened and closed by whoever owns the application's lifetime."""

import asyncio
import select
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from time import monotonic
from typing import Any

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg.pq import TransactionStatus
from psycopg_pool import AsyncConnectionPool, PoolTimeout

Pool = AsyncConnectionPool[AsyncConnection]
Params = Sequence[Any] | Mapping[str, Any]
Query = str | bytes | psycopg.sql.SQL | psycopg.sql.Composed
Rows = list[tuple[Any, ...]]


KEPT_CURSORS = 32  # per connection: the statements run on it, with room for a few built per call


class PooledConnection(AsyncConnection):
    """A pooled connection that keeps a cursor per statement, for statements whose result is read before
    the statement runs again on the connection, or never read.

    psycopg gives a cursor fresh adapters whenever it runs another statement than its last: a dumper looked
    up per parameter and a loader per result column, about 12 us a read here, a sixth of its time in
    psycopg. A cursor kept per statement keeps them, however the statements interleave. A pooled connection
    has one borrower at a time, so under that rule no two results meet on one cursor. Each kept cursor
    holds its statement's last result until the statement runs again.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept: dict[int, AsyncCursor[Any]] = {}

    def cursor_for(self, statement: Query) -> AsyncCursor[Any]:
        # Statements are module constants (or composed once and cached), so their ids stand for them; a
        # statement built per call would only miss the cache, and the cap bounds what is kept.
        cursor = self._kept.get(id(statement))
        if cursor is None or cursor.closed:
            if len(self._kept) >= KEPT_CURSORS:
                return self.cursor()
            cursor = self._kept[id(statement)] = self.cursor()
        return cursor


def cursor_for(conn: AsyncConnection, statement: Query) -> AsyncCursor[Any]:
    """The connection's kept cursor for ``statement`` (see ``PooledConnection``), or a new one."""
    return conn.cursor_for(statement) if isinstance(conn, PooledConnection) else conn.cursor()


async def execute(
    conn: AsyncConnection, statement: Query, params: Params | None = None, *, prepare: bool | None = None
) -> AsyncCursor[Any]:
    """``conn.execute`` on the connection's kept cursor for ``statement``: for a statement whose result is
    read before it runs again on the connection (as a repository reads its rows at once), or never read."""
    return await cursor_for(conn, statement).execute(statement, params, prepare=prepare)


class GatedPool(Pool):
    """psycopg's pool, entered through a gate with one place per connection.

    When every connection is busy, a caller waits at the gate (an ``asyncio.Semaphore``) instead of in
    the pool's own queue, so behind the gate the pool hands out connections without waiting (except while
    it grows towards ``max_size``). The pool's queue waits on a condition through ``asyncio.wait_for``,
    which on Python 3.11 wraps every wait in a task of its own: with 32 requests sharing 10 connections
    that was about a fifth of the CPU of a ``GET /api/articles/{slug}``. The gate keeps the pool's
    contract: ``getconn`` raises ``PoolTimeout`` after ``timeout`` seconds, and every ``getconn`` is paired
    with a ``putconn`` (``connection()`` pairs them).
    """

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


def new_pool(
    conninfo: str,
    *,
    min_size: int,
    max_size: int,
    acquire_timeout: float,
    statement_timeout_ms: int,
    prepare_threshold: int | None,
) -> GatedPool:
    """The process's pool, not yet open: ``opened()`` opens it for the application's lifetime."""
    return GatedPool(
        conninfo,
        connection_class=PooledConnection,
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


async def fetch(pool: Pool, query: Query, params: Params | None = None) -> Rows:
    """Run one read statement on a pooled connection.

    After the server restarts, idle pooled connections are dead; the first statement on one fails before
    doing anything. Such a connection is discarded and the statement re-run on another, so a restart costs
    no request an error. A server that stays away surfaces as PoolTimeout.
    """
    for attempt in range(pool.max_size + 1):
        conn: AsyncConnection | None = None
        try:
            # getconn/putconn rather than connection(): its context managers cost a read ~5% of its CPU.
            conn = await pool.getconn()
            try:
                cursor = await execute(conn, query, params)
                return await cursor.fetchall()
            finally:
                await pool.putconn(conn)
        except psycopg.OperationalError:
            if conn is None or not conn.broken or attempt == pool.max_size:
                raise
    raise AssertionError("unreachable")


BEGIN, COMMIT, ROLLBACK = b"BEGIN", b"COMMIT", b"ROLLBACK"


class Transaction:
    """A pooled connection inside a transaction block, in pipeline mode.

    In pipeline mode a statement is sent when it is executed but waited for only when its result is read,
    so BEGIN travels with the first statement, statements whose results nobody reads travel with the next
    one that is read, and the COMMIT with whatever is still unsent: a unit of work pays one round trip per
    answer it needs, plus one to commit. Server errors surface when results are read, or at the commit.

    BEGIN, COMMIT and ROLLBACK are plain statements: psycopg's conn.transaction() syncs after BEGIN and
    again before COMMIT in pipeline mode (two round trips more). A ROLLBACK, however sent, makes psycopg
    forget the connection's prepared statements (so every hot statement on it is planned from scratch
    again): units of work that end normally commit, even read-only ones, and only failures roll back.
    """

    def __init__(self, pool: Pool, conn: AsyncConnection) -> None:
        self.conn, self._pool = conn, pool
        self._pipeline: AbstractAsyncContextManager[Any] | None = None
        self._borrowed = True

    async def start(self) -> None:
        """Enter pipeline mode and queue BEGIN; on failure, hand the connection back and raise."""
        try:
            pipeline = self.conn.pipeline()
            await pipeline.__aenter__()
            self._pipeline = pipeline
            await execute(self.conn, BEGIN, prepare=False)
        except BaseException:
            await self._settle()
            await self._give_back()
            raise

    async def commit(self, reads: Sequence[tuple[Query, Params]] = ()) -> list[Rows]:
        """Send what is queued with the COMMIT and wait; raises the first error of any unread statement.

        ``reads`` go out behind the COMMIT, in the same round trip, and see what it committed; their rows
        come back in order. (A failed COMMIT aborts them with it.)
        """
        try:
            await execute(self.conn, COMMIT, prepare=False)
            cursors: list[AsyncCursor[Any]] = []
            for query, params in reads:
                # Every read's rows come back after the COMMIT: a statement read twice needs a second cursor.
                twice = any(earlier is query for earlier, _ in reads[: len(cursors)])
                cursor = self.conn.cursor() if twice else cursor_for(self.conn, query)
                cursors.append(await cursor.execute(query, params))
            await self._leave_pipeline()
            return [await cursor.fetchall() for cursor in cursors]
        except BaseException:
            await self._settle()
            raise
        finally:
            await self._give_back()

    async def rollback(self) -> None:
        """Abandon the transaction, on the way out of a failure that is already being raised."""
        try:
            with suppress(psycopg.Error):
                await execute(self.conn, ROLLBACK, prepare=False)
            await self._settle()
        finally:
            await self._give_back()

    async def _settle(self) -> None:
        # Errors of unread statements are dropped here: the failure is already known. Such an error aborts
        # the rest of the pipeline, its COMMIT or ROLLBACK included, so roll back again outside it: the
        # connection must go back to the pool idle.
        with suppress(psycopg.Error):
            await self._leave_pipeline()
        if not self.conn.broken and self.conn.info.transaction_status != TransactionStatus.IDLE:
            with suppress(psycopg.Error):
                await execute(self.conn, ROLLBACK, prepare=False)

    # The pipeline and the borrowed connection are let go at most once each, whichever way the unit of
    # work ends. (Two AsyncExitStacks did this before: 1.3% of a publish's instructions.)
    async def _leave_pipeline(self) -> None:
        if self._pipeline is not None:
            pipeline, self._pipeline = self._pipeline, None
            await pipeline.__aexit__(None, None, None)

    async def _give_back(self) -> None:
        if self._borrowed:
            self._borrowed = False
            await self._pool.putconn(self.conn)


async def begin(pool: Pool) -> Transaction:
    """Borrow a connection, put it in pipeline mode and queue BEGIN on it.

    After a server restart, idle pooled connections are dead. BEGIN is not sent on its own, so a dead
    connection is recognised before use instead, without a round trip (``dropped_by_server``), closed
    (the pool replaces closed connections when they come back) and another one tried.
    """
    for attempt in range(pool.max_size + 1):
        conn = await pool.getconn()
        if attempt < pool.max_size and dropped_by_server(conn):
            await conn.close()
            await pool.putconn(conn)
            continue
        transaction = Transaction(pool, conn)
        await transaction.start()
        return transaction
    raise AssertionError("unreachable")


# A pooled connection is idle: the server speaks to it unprompted only to say goodbye. A terminated backend
# sends its FATAL error, then leaves the shared process list, then closes the socket; so the message can
# be all there is to read for a while after the backend has left pg_stat_activity (seen under load).
_HANGUP = select.POLLHUP | select.POLLERR | select.POLLNVAL | getattr(select, "POLLRDHUP", 0)


def dropped_by_server(conn: AsyncConnection) -> bool:
    """Whether the server has closed ``conn``, or is closing it, judged without a round trip: one poll of its
    socket. Anything to read, or a hang-up, counts; the connection is then replaced."""
    if conn.closed:
        return True
    poller = select.poll()
    poller.register(conn.pgconn.socket, select.POLLIN | _HANGUP)
    return bool(poller.poll(0))
