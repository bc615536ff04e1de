"""Notification signals over PostgreSQL's LISTEN/NOTIFY: the delivering transaction NOTIFYs
``conduit_notifications`` with its recipients' ids (adapters/postgres/notifications.py), and each API
process hears it on one connection of its own, however many streams it serves, and wakes the streams of
those recipients.

The listener is a session, so it connects to the direct URL (through PgBouncer in transaction mode its
notifications would go to a server connection nobody reads). It connects when the process's first stream
subscribes and closes when the last one ends. When it is lost (a restart, a failover) it reconnects, a
little more slowly each time up to once a second, and then wakes every stream: what was committed while
nobody listened is read then.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Final

import psycopg
from psycopg import AsyncConnection, sql

from adapters.postgres.errors import translated_errors
from adapters.signalling import EVERYONE, Subscribers
from application.errors import StorageUnavailable
from application.live_notifications import NotificationSignals, Signal
from domain.ids import UserId

log = logging.getLogger(__name__)

CHANNEL: Final = "conduit_notifications"
LISTEN = sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL))
LONGEST_PAUSE_SECONDS: Final = 1.0


class PgNotificationSignals(NotificationSignals):
    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._subscribers = Subscribers()
        self._listening: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()

    @asynccontextmanager
    async def subscribe(self, recipient: UserId) -> AsyncIterator[Signal]:
        try:
            with self._subscribers.added(recipient) as signal:
                await self._listen()
                yield signal
        finally:
            if not self._subscribers and self._listening is not None:
                self._listening.cancel()  # its connection closes as it ends
                self._listening = None

    async def _listen(self) -> None:
        """Return once this process LISTENs; the first subscriber connects, the others wait for it."""
        async with self._starting:
            if self._listening is not None and not self._listening.done():
                return
            conn = await self._connect()
            self._listening = asyncio.get_running_loop().create_task(self._hear(conn))

    async def _connect(self) -> AsyncConnection:
        with translated_errors():
            conn = await AsyncConnection.connect(self._conninfo, autocommit=True)
            try:
                await conn.execute(LISTEN)
            except BaseException:
                await conn.close()
                raise
        return conn

    async def _hear(self, conn: AsyncConnection) -> None:
        pause = 0.1
        try:
            while True:
                try:
                    async for notify in conn.notifies():
                        self._subscribers.wake(notify.payload)
                except psycopg.Error as error:
                    log.warning("notification listener lost (%s); reconnecting", error)
                with suppress(psycopg.Error):
                    await conn.close()
                while True:
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
                    try:
                        conn = await self._connect()
                        break
                    except (psycopg.Error, StorageUnavailable) as error:
                        log.warning("notification listener not back yet (%s)", error)
                pause = 0.1
                # Nobody listened for a while: every stream reads what it missed.
                self._subscribers.wake(EVERYONE)
        finally:
            with suppress(psycopg.Error):
                await conn.close()
