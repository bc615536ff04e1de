"""The transactional outbox on PostgreSQL, the consuming side.

Consumers claim due events with ``FOR UPDATE SKIP LOCKED`` inside a transaction that lasts for the batch:
several consumers never hold the same event, and if one dies its transaction ends and the events are free
again at once. They sleep on ``LISTEN conduit_outbox`` (``outbox.OutboxBell`` NOTIFYs after each commit
that recorded events) and poll as a fallback. Times come from the Clock port, as in every store.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg import AsyncConnection, sql

from adapters.postgres.errors import translated_errors
from adapters.postgres.outbox import CHANNEL
from adapters.postgres.pool import Pool, read
from adapters.postgres.statements import Statement
from adapters.postgres.transaction import PipelinedTransaction
from application.events import EventBatch, EventSource, StoredEvent
from application.ports import Clock
from domain.events import EVENT_TYPES

log = logging.getLogger(__name__)

LISTEN = sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL))


@dataclass(slots=True)  # a row, read and dropped: cheaper to build unfrozen
class _Claimed:
    id: int
    topic: str
    payload: dict[str, Any]
    created_at: datetime
    failures: int


CLAIM = Statement(
    """
    SELECT id, topic, payload, created_at, failures FROM outbox
    WHERE status = 'pending' AND available_at <= %(now)s
    ORDER BY available_at, id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
    """,
    _Claimed,
)

MARK_DONE = Statement(
    "UPDATE outbox SET status = 'done', processed_at = %(now)s WHERE id = ANY(%(ids)s::bigint[])"
)

MARK_FAILED = Statement(
    """
    UPDATE outbox SET failures = failures + 1, last_error = %(error)s,
        status = CASE WHEN %(retry_at)s::timestamptz IS NULL THEN 'dead' ELSE 'pending' END,
        available_at = coalesce(%(retry_at)s::timestamptz, available_at),
        processed_at = CASE WHEN %(retry_at)s::timestamptz IS NULL THEN %(now)s::timestamptz END
    WHERE id = %(id)s
    """
)


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int  # recorded and not yet handled, retries included
    oldest: datetime | None  # when the oldest of them was recorded


# Pending events are the ones outbox_due_idx covers: the scan is as long as the backlog, not the table.
BACKLOG = Statement(
    "SELECT count(*) AS pending, min(created_at) AS oldest FROM outbox WHERE status = 'pending'", Backlog
)

PRUNE = Statement("DELETE FROM outbox WHERE status = 'done' AND processed_at < %(cutoff)s RETURNING id")


@dataclass
class _Batch(EventBatch):
    events: Sequence[StoredEvent]
    transaction: PipelinedTransaction
    clock: Clock
    finished: list[int]

    async def done(self, event_id: int) -> None:
        self.finished.append(event_id)  # recorded together when the batch ends: one statement, not N

    async def failed(self, event_id: int, error: str, retry_at: datetime | None) -> None:
        params = {"id": event_id, "error": error, "retry_at": retry_at, "now": self.clock.now()}
        await self.transaction.send(MARK_FAILED, params)


class PgEventSource(EventSource):
    def __init__(self, pool: Pool, conninfo: str, clock: Clock) -> None:
        self._pool, self._conninfo, self._clock = pool, conninfo, clock
        self._listener: AsyncConnection | None = None

    @asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[EventBatch]:
        transaction = await PipelinedTransaction.begin(self._pool)
        try:
            claimed = await transaction.all(CLAIM, {"limit": limit, "now": self._clock.now()})
            batch = _Batch([], transaction, self._clock, [])
            events = []
            for row in claimed:
                event_type = EVENT_TYPES.get(row.topic)
                if event_type is None:
                    await batch.failed(row.id, f"unknown topic in event {row.id}", None)
                else:
                    events.append(
                        StoredEvent(row.id, event_type(**row.payload), row.created_at, row.failures)
                    )
            batch.events = events
            yield batch
            if batch.finished:
                await transaction.send(MARK_DONE, {"ids": batch.finished, "now": self._clock.now()})
        except BaseException:
            await transaction.rollback()
            raise
        await transaction.commit()

    async def wait(self, seconds: float) -> None:
        try:
            listener = await self._listening()
            async for _ in listener.notifies(timeout=seconds, stop_after=1):
                break
            # Drain what piled up meanwhile: one wake-up is enough for any number of inserts.
            async for _ in listener.notifies(timeout=0):
                pass
        except psycopg.Error as error:
            # The server went away (restart, failover): poll until a new listener can connect.
            log.warning("outbox listener lost (%s); polling", error)
            await self.aclose()
            await asyncio.sleep(min(seconds, 1.0))

    async def prune(self, older_than: timedelta) -> int:
        """Forget events handled longer ago than ``older_than`` (dead ones stay for inspection)."""
        return len(await read(self._pool, PRUNE, {"cutoff": self._clock.now() - older_than}))

    async def aclose(self) -> None:
        if self._listener is not None:
            with suppress(psycopg.Error):
                await self._listener.close()
            self._listener = None

    async def _listening(self) -> AsyncConnection:
        if self._listener is None or self._listener.closed:
            self._listener = await AsyncConnection.connect(self._conninfo, autocommit=True)
            await self._listener.execute(LISTEN)
        return self._listener


def read_backlog(conninfo: str, *, timeout_seconds: int) -> Backlog:
    """The outbox's backlog, over a connection of its own (for a process that has no pool, or must not
    wait behind its own work); ``StorageUnavailable`` if the server does not answer within the timeout."""
    options = f"-c statement_timeout={timeout_seconds * 1000}"
    with (
        translated_errors(),
        psycopg.connect(conninfo, connect_timeout=timeout_seconds, autocommit=True, options=options) as conn,
    ):
        row = conn.execute(BACKLOG.query).fetchone()
    assert row is not None  # an aggregate always has its row
    return Backlog(pending=int(row[0]), oldest=row[1])
