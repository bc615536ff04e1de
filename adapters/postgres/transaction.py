"""Workaround: a transaction in pipeline mode opened and closed by plain BEGIN and COMMIT statements.

Delete when psycopg's ``conn.transaction()`` inside ``conn.pipeline()`` neither syncs the pipeline after
BEGIN nor before COMMIT. Today it syncs on the way in and twice on the way out (it nests two pipeline
blocks around the transaction), three round trips a unit of work would otherwise not pay;
tests/integration/test_transaction.py counts them from libpq's trace and fails once they are gone.

In pipeline mode a statement is sent when it is executed and waited for only when its result is read.
So BEGIN travels with the first statement, statements whose results nobody reads travel with the next one
that is read, and COMMIT with whatever is still unsent, the reads that answer the write just before it: a
unit of work pays one round trip per result it needs before committing, plus one to commit. Server errors
surface when results are read, or at the commit.

A ROLLBACK, however sent, makes psycopg forget the connection's prepared statements, so only failures
roll back; a unit of work that completes commits.
"""

from collections.abc import Sequence
from contextlib import AsyncExitStack, suppress
from typing import Any, TypeVar

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg.pq import TransactionStatus

from adapters.postgres.errors import translated_errors
from adapters.postgres.kept_cursors import cursor_for
from adapters.postgres.pool import Params, Pool, borrow
from adapters.postgres.statements import Statement

R = TypeVar("R")

BEGIN: Statement[Any] = Statement("BEGIN", prepared=False)
COMMIT: Statement[Any] = Statement("COMMIT", prepared=False)
ROLLBACK: Statement[Any] = Statement("ROLLBACK", prepared=False)
# Where the primary's log is once the COMMIT is in it: a replica that has replayed this far has the change.
# Never prepared: prepared behind a COMMIT that failed (a spent write budget), psycopg later named a
# statement the server did not have (tests/e2e/test_write_budget.py, reads on a replica, found it).
POSITION: Statement[tuple[int]] = Statement(
    "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint", prepared=False
)


class PipelinedTransaction:
    """A pooled connection in pipeline mode, inside a transaction block, until ``commit`` or ``rollback``."""

    def __init__(self, pool: Pool, conn: AsyncConnection) -> None:
        self.conn, self._pool = conn, pool
        self._pipeline = AsyncExitStack()
        self._done = False
        self.committed_at: int | None = None

    @classmethod
    async def begin(cls, pool: Pool) -> "PipelinedTransaction":
        """Borrow a connection, put it in pipeline mode and queue BEGIN on it."""
        with translated_errors():
            transaction = cls(pool, await borrow(pool))
            try:
                await transaction._pipeline.enter_async_context(transaction.conn.pipeline())
                await transaction.send(BEGIN)
            except BaseException:
                await transaction.rollback()
                raise
        return transaction

    async def send(self, statement: Statement[R], params: Params | None = None) -> AsyncCursor[R]:
        """Queue ``statement``; its rows, if read, come back when the pipeline next waits."""
        with translated_errors():
            return await self._send(cursor_for(self.conn, statement), statement, params)

    async def _send(
        self, cursor: AsyncCursor[R], statement: Statement[R], params: Params | None
    ) -> AsyncCursor[R]:
        prepare = None if statement.prepared else False
        return await cursor.execute(statement.query, params, prepare=prepare, binary=True)

    async def send_many(self, statement: Statement[Any], params: Sequence[Params]) -> None:
        """Queue ``statement`` once per set of parameters; nobody reads the results."""
        with translated_errors():
            await cursor_for(self.conn, statement).executemany(statement.query, params)

    async def one(self, statement: Statement[R], params: Params | None = None) -> R | None:
        """Run ``statement`` and wait for its first row (None: it returned none)."""
        cursor = await self.send(statement, params)
        with translated_errors():
            return await cursor.fetchone()

    async def all(self, statement: Statement[R], params: Params | None = None) -> list[R]:
        """Run ``statement`` and wait for all its rows."""
        cursor = await self.send(statement, params)
        with translated_errors():
            return await cursor.fetchall()

    async def commit(
        self, reads: Sequence[tuple[Statement[Any], Params]] = (), *, position: bool = False
    ) -> list[list[Any]]:
        """Send what is queued with the COMMIT and wait; raises the first error of any unread statement.

        ``position``: ask, behind the COMMIT and in the same round trip, where it left the primary's log
        (``committed_at``; None when the answer was lost with the connection).

        ``reads`` go out just before the COMMIT, in the same round trip, inside the transaction, so they see
        its changes; their rows come back in order. Read before the COMMIT, not after it, so that a COMMIT
        whose result arrives has its reads' results ahead of it: a change that committed always has its
        answer, even when the server goes away right after (tests/e2e/test_outage.py stops it under
        writes). A failed read fails the transaction with it.
        """
        try:
            with translated_errors():
                cursors: list[AsyncCursor[Any]] = []
                for statement, params in reads:
                    # Every read's rows come back at the sync: a statement read twice needs a second
                    # cursor for its second result (kept_cursors.py).
                    twice = any(earlier is statement for earlier, _ in reads[: len(cursors)])
                    cursor = (
                        self.conn.cursor(row_factory=statement.rows)
                        if twice
                        else cursor_for(self.conn, statement)
                    )
                    cursors.append(await self._send(cursor, statement, params))
                committing = await self.send(COMMIT)
                located = await self.send(POSITION) if position else None
                try:
                    await self._pipeline.aclose()  # syncs: every result is in, every error raised
                except psycopg.OperationalError:
                    # The connection failed on the way out. If the COMMIT's own answer had arrived, the
                    # change is made and the reads' answers, which came before it, are in: the unit of
                    # work succeeded; the connection is of no further use.
                    if committing.statusmessage != "COMMIT":
                        raise
                    found = [await cursor.fetchall() for cursor in cursors]
                    await self.conn.close()
                    return found
                if located is not None:
                    self.committed_at = (await located.fetchall())[0][0]
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
                await self._send(cursor_for(self.conn, ROLLBACK), ROLLBACK, None)
            await self._settle()
        finally:
            await self._give_back()

    async def _settle(self) -> None:
        # Errors of unread statements are dropped here: the failure is already known. Such an error aborts
        # the rest of the pipeline, its COMMIT or ROLLBACK included, so roll back again outside it: the
        # connection must go back to the pool idle.
        with suppress(psycopg.Error):
            await self._pipeline.aclose()
        if not self.conn.broken and self.conn.info.transaction_status != TransactionStatus.IDLE:
            with suppress(psycopg.Error):
                await self._send(cursor_for(self.conn, ROLLBACK), ROLLBACK, None)

    async def _give_back(self) -> None:
        if not self._done:
            self._done = True
            await self._pool.putconn(self.conn)
