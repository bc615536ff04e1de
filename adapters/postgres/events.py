"""The transactional outbox on PostgreSQL: recording events, and consuming them.

Consumers claim due events with ``FOR UPDATE SKIP LOCKED`` inside a transaction that lasts for the batch:
several consumers never hold the same event, and if one dies its transaction ends and the events are free
again at once. They sleep on ``LISTEN conduit_outbox`` (``OutboxBell`` NOTIFYs after each commit that recorded
events) and poll as a fallback.
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import psycopg
from psycopg import AsyncConnection, sql
from psycopg_pool import PoolClosed, PoolTimeout

from adapters.postgres.pool import Pool, begin, execute
from application.events import EventBatch, EventSource, StoredEvent
from application.ports import Clock, Outbox
from domain.events import EVENT_NAMES, EVENT_TYPES, DomainEvent

log = logging.getLogger(__name__)

CHANNEL = "conduit_outbox"
NOTIFY = sql.SQL("NOTIFY {}").format(sql.Identifier(CHANNEL))

INSERT_EVENT = """
INSERT INTO outbox (topic, payload, created_at, available_at)
VALUES (%(topic)s, %(payload)s, %(now)s, %(now)s)
"""

# Times come from the application's Clock, not from the database's now(): one clock for every store.
CLAIM = """
SELECT id, topic, payload, created_at, failures FROM outbox
WHERE status = 'pending' AND available_at <= %(now)s
ORDER BY available_at, id
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED
"""

MARK_DONE = "UPDATE outbox SET status = 'done', processed_at = %(now)s WHERE id = ANY(%(ids)s::bigint[])"

MARK_FAILED = """
UPDATE outbox SET failures = failures + 1, last_error = %(error)s,
    status = CASE WHEN %(retry_at)s::timestamptz IS NULL THEN 'dead' ELSE 'pending' END,
    available_at = coalesce(%(retry_at)s::timestamptz, available_at),
    processed_at = CASE WHEN %(retry_at)s::timestamptz IS NULL THEN %(now)s::timestamptz END
WHERE id = %(id)s
"""

PRUNE = "DELETE FROM outbox WHERE status = 'done' AND processed_at < %(cutoff)s"


def encode(event: DomainEvent) -> tuple[str, str]:
    # Events hold only flat values: a shallow dict, not dataclasses.asdict (a recursive deep copy, ~40 us).
    payload = {field.name: getattr(event, field.name) for field in fields(event)}
    return EVENT_NAMES[type(event)], json.dumps(payload)


class PgOutbox(Outbox):
    """Events are written when the unit of work commits, in the same round trip as the COMMIT."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._pending: list[dict[str, object]] = []
        self.recorded = False  # the unit of work rings the bell after committing when this is set

    async def add(self, event: DomainEvent, now: datetime) -> None:
        topic, payload = encode(event)
        self._pending.append({"topic": topic, "payload": payload, "now": now})

    async def flush(self) -> None:
        """Queue the recorded events' INSERTs (called inside the commit's pipeline)."""
        # Nobody reads these results: the kept cursor serves every event.
        for event in self._pending:
            await execute(self._conn, INSERT_EVENT, event)
        self.recorded, self._pending = bool(self._pending), []


class OutboxBell:
    """Wakes the consumers (``NOTIFY conduit_outbox``) after a transaction that recorded events commits.

    Not inside the transaction: PostgreSQL lets one notifying transaction commit at a time, which would
    serialise every write that records an event. At most one NOTIFY per ``interval``: rings meanwhile are
    folded into the next one (a woken consumer takes every due event anyway), so a burst of a thousand
    commits a second costs a hundred NOTIFYs, not a thousand. A ring lost to a crash only delays delivery
    until the consumers' next poll.
    """

    def __init__(self, pool: Pool, interval: float = 0.01) -> None:
        self._pool, self._interval = pool, interval
        self._sending: asyncio.Task[None] | None = None
        self._again = False

    def ring(self) -> None:
        if self._sending is None or self._sending.done():
            self._sending = asyncio.get_running_loop().create_task(self._send())
        else:
            self._again = True

    async def _send(self) -> None:
        while True:
            self._again = False
            try:
                async with self._pool.connection() as conn:
                    await conn.execute(NOTIFY)
            except (psycopg.Error, PoolTimeout, PoolClosed) as error:
                log.debug("outbox NOTIFY not sent (%s); consumers will poll", error)
                return
            await asyncio.sleep(self._interval)
            if not self._again:
                return


@dataclass
class _Batch(EventBatch):
    events: Sequence[StoredEvent]
    conn: AsyncConnection
    clock: Clock
    finished: list[int]

    async def done(self, event_id: int) -> None:
        self.finished.append(event_id)  # recorded together when the batch ends: one statement, not N

    async def failed(self, event_id: int, error: str, retry_at: datetime | None) -> None:
        params = {"id": event_id, "error": error, "retry_at": retry_at, "now": self.clock.now()}
        await self.conn.execute(MARK_FAILED, params)


class PgEventSource(EventSource):
    def __init__(self, pool: Pool, conninfo: str, clock: Clock) -> None:
        self._pool, self._conninfo, self._clock = pool, conninfo, clock
        self._listener: AsyncConnection | None = None

    @asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[EventBatch]:
        transaction = await begin(self._pool)
        conn = transaction.conn
        try:
            cursor = await conn.execute(CLAIM, {"limit": limit, "now": self._clock.now()})
            rows = await cursor.fetchall()
            events, unknown = [], []
            for event_id, topic, payload, created_at, failures in rows:
                event_type = EVENT_TYPES.get(topic)
                if event_type is None:
                    unknown.append(event_id)
                else:
                    events.append(StoredEvent(event_id, event_type(**payload), created_at, failures))
            batch = _Batch(events, conn, self._clock, [])
            for event_id in unknown:
                await batch.failed(event_id, f"unknown topic in event {event_id}", None)
            yield batch
            if batch.finished:
                await conn.execute(MARK_DONE, {"ids": batch.finished, "now": self._clock.now()})
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
        async with self._pool.connection() as conn:
            cursor = await conn.execute(PRUNE, {"cutoff": self._clock.now() - older_than})
            return cursor.rowcount

    async def aclose(self) -> None:
        if self._listener is not None:
            with suppress(psycopg.Error):
                await self._listener.close()
            self._listener = None

    async def _listening(self) -> AsyncConnection:
        if self._listener is None or self._listener.closed:
            self._listener = await AsyncConnection.connect(self._conninfo, autocommit=True)
            await self._listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
        return self._listener
