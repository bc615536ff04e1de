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
from application.errors import StorageUnavailable
from application.live_notifications import NotificationSignals, Signal
from domain.ids import UserId

log = logging.getLogger(__name__)

CHANNEL: Final = "conduit_notifications"
# The payload when the recipients' ids would not fit in NOTIFY's 8000 bytes: every stream reads.
EVERYONE: Final = "*"
LISTEN = sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL))
LONGEST_PAUSE_SECONDS: Final = 1.0


class _Signal(Signal):
    def __init__(self) -> None:
        self.event = asyncio.Event()

    async def wait(self, seconds: float) -> bool:
        if not self.event.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(self.event.wait(), seconds)
        signalled = self.event.is_set()
        self.event.clear()
        return signalled


class PgNotificationSignals(NotificationSignals):
    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._signals: dict[UserId, set[_Signal]] = {}
        self._listening: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()

    @asynccontextmanager
    async def subscribe(self, recipient: UserId) -> AsyncIterator[Signal]:
        signal = _Signal()
        self._signals.setdefault(recipient, set()).add(signal)
        try:
            await self._listen()
            yield signal
        finally:
            mine = self._signals[recipient]
            mine.discard(signal)
            if not mine:
                del self._signals[recipient]
            if not self._signals and self._listening is not None:
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
                        self._wake(notify.payload)
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
                self._wake(EVERYONE)  # nobody listened for a while: every stream reads what it missed
        finally:
            with suppress(psycopg.Error):
                await conn.close()

    def _wake(self, payload: str) -> None:
        if payload == EVERYONE:
            woken = [s for signals in self._signals.values() for s in signals]
        else:
            ids = (UserId(int(part)) for part in payload.split(",") if part.isdigit())
            woken = [s for user in ids for s in self._signals.get(user, ())]
        for signal in woken:
            signal.event.set()
