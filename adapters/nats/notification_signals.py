"""Notification signals over NATS core subjects, when Conduit has a broker: `conduit consume`, once a
delivery has committed, publishes its recipients' ids on ``conduit.notifications`` (``encode``); each API
process subscribes once, however many streams it serves, and wakes the streams of those recipients.

Core NATS, not JetStream: a signal only says "read the inbox now"; one lost while an API process was
disconnected is made up for by waking every stream when the connection comes back, and each stream reads
what it missed from the database (the inbox is the record, the signal is a nudge).
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from typing import Final

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError

from adapters.nats.client import connect
from adapters.signalling import EVERYONE, Subscribers, payload_of
from application.live_notifications import NotificationSignals, Signal
from domain.ids import UserId

log = logging.getLogger(__name__)

SUBJECT: Final = "conduit.notifications"


def encode(recipients: Iterable[UserId]) -> bytes:
    return payload_of(recipients).encode()


class NatsNotificationSignals(NotificationSignals):
    def __init__(self, url: str) -> None:
        self._url = url
        self._subscribers = Subscribers()
        self._client: Client | None = None
        self._starting = asyncio.Lock()

    @asynccontextmanager
    async def subscribe(self, recipient: UserId) -> AsyncIterator[Signal]:
        try:
            with self._subscribers.added(recipient) as signal:
                await self._subscribed()
                yield signal
        finally:
            if not self._subscribers and self._client is not None:
                client, self._client = self._client, None
                with suppress(NatsError, OSError):
                    await client.close()

    async def _subscribed(self) -> None:
        """Return once this process subscribes; the first stream connects, the others wait for it."""
        async with self._starting:
            if self._client is not None and not self._client.is_closed:
                return
            client = await connect(self._url, "conduit-streams", reconnected=self._reconnected)
            await client.subscribe(SUBJECT, cb=self._heard)
            self._client = client

    async def _heard(self, msg: Msg) -> None:
        self._subscribers.wake(msg.data.decode(errors="replace"))

    async def _reconnected(self) -> None:
        log.info("notification signals: NATS is back; every stream reads what it missed")
        self._subscribers.wake(EVERYONE)
