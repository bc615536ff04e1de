"""The transactional outbox on PostgreSQL, the writing side: events recorded in the unit of work's
transaction, and a bell that wakes the consumers after it commits."""

import asyncio
import json
import logging
from dataclasses import fields
from datetime import datetime

import psycopg
from psycopg import sql
from psycopg_pool import PoolClosed, PoolTimeout

from adapters.postgres.pool import Pool
from adapters.postgres.statements import Statement
from adapters.postgres.transaction import PipelinedTransaction
from application.ports import Outbox
from domain.events import EVENT_NAMES, DomainEvent

log = logging.getLogger(__name__)

CHANNEL = "conduit_outbox"
NOTIFY = sql.SQL("NOTIFY {}").format(sql.Identifier(CHANNEL))

INSERT_EVENT = Statement(
    """
    INSERT INTO outbox (topic, payload, created_at, available_at)
    VALUES (%(topic)s, %(payload)s, %(now)s, %(now)s)
    """
)


def encode(event: DomainEvent) -> tuple[str, str]:
    # Events hold only flat values: a shallow dict, not dataclasses.asdict (a recursive deep copy).
    payload = {field.name: getattr(event, field.name) for field in fields(event)}
    return EVENT_NAMES[type(event)], json.dumps(payload)


class PgOutbox(Outbox):
    """Events are written when the unit of work commits, in the same round trip as the COMMIT."""

    def __init__(self, transaction: PipelinedTransaction) -> None:
        self._transaction = transaction
        self._pending: list[dict[str, object]] = []
        self.recorded = False  # the unit of work rings the bell after committing when this is set

    async def add(self, event: DomainEvent, now: datetime) -> None:
        topic, payload = encode(event)
        self._pending.append({"topic": topic, "payload": payload, "now": now})

    async def flush(self) -> None:
        """Queue the recorded events' INSERTs (called inside the commit's pipeline)."""
        if self._pending:
            await self._transaction.send_many(INSERT_EVENT, self._pending)
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
