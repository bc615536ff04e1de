"""Live notifications: each new one in the recipient's inbox, pushed to their open streams as it arrives.

A stream subscribes to the recipient's signals first and reads the inbox second, so a notification
committed meanwhile is either in that read or signalled after it: none is lost between them. Each signal
says only "the inbox of these users may have grown"; the stream then reads what is newer than the last
one it sent, so signals may be lost, merged or spurious (a listener reconnecting signals everyone) at no
cost but a read. Whatever carries them (PostgreSQL LISTEN/NOTIFY, a process's memory, a broker) is the
``NotificationSignals`` port's business.
"""

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from application.errors import RateLimited
from application.notifications import NotificationView
from application.ports import Clock
from application.views import REVOCATION_SECONDS, SecurityStamps
from domain.ids import UserId
from domain.users import SecurityStamp

# Notifications read per statement while catching up; a stream resumed far back reads several pages.
CATCH_UP_PAGE: Final = 100
# A client refused for too many streams may retry this much later (streams end at any moment).
CAPPED_RETRY_SECONDS: Final = 5


class Signal(Protocol):
    async def wait(self, seconds: float) -> bool:
        """True once the recipient's inbox may have grown since the previous call returned True (or since
        subscribing), False when ``seconds`` pass first."""
        ...


class NotificationSignals(Protocol):
    def subscribe(self, recipient: UserId) -> AbstractAsyncContextManager[Signal]:
        """Hear of new notifications for ``recipient`` from when the block is entered (entering waits until
        signals are really heard, so nothing committed after it is missed) until it ends.
        ``StorageUnavailable`` when the signals cannot be heard at all."""
        ...


class NewNotifications(Protocol):
    async def after(self, recipient: UserId, after_id: int, limit: int) -> tuple[NotificationView, ...]:
        """The recipient's notifications with ids above ``after_id``, oldest first, at most ``limit``; read
        where the signals come from (the primary), not from a replica that may not have them yet."""
        ...

    async def newest_id(self, recipient: UserId) -> int:
        """The id of the recipient's newest notification (0: none), read where ``after`` reads."""
        ...

    async def recipients_of(self, event_id: int) -> tuple[UserId, ...]:
        """Who has a notification of the event (for a signal sent once its delivery has committed)."""
        ...


@dataclass(frozen=True, slots=True)
class StreamGrant:
    """Who may stream, on the strength of which token: the stream lasts while the token would be honoured."""

    user_id: UserId
    security_stamp: SecurityStamp  # the user's when the token was issued
    expires_at: datetime  # the token's expiry


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Nothing new: the stream says it is alive (a proxy closes a connection that stays silent)."""


class StreamConnections:
    """Open streams per user in this process, at most ``per_user`` each. Per process, not shared: a user
    behind N API processes may hold up to N times as many, and nothing outlives a process that dies."""

    def __init__(self, per_user: int) -> None:
        self._per_user = per_user
        self._open: dict[UserId, int] = {}

    def take(self, user_id: UserId) -> Callable[[], None]:
        """One more stream for the user, and the function that ends it (callable more than once);
        ``RateLimited`` when the user has ``per_user`` already."""
        if self._open.get(user_id, 0) >= self._per_user:
            raise RateLimited(
                f"too many notification streams open (at most {self._per_user})",
                CAPPED_RETRY_SECONDS,
                "streams",
            )
        self._open[user_id] = self._open.get(user_id, 0) + 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                left = self._open[user_id] - 1
                if left:
                    self._open[user_id] = left
                else:
                    del self._open[user_id]

        return release

    def open(self, user_id: UserId) -> int:
        return self._open.get(user_id, 0)


class NotificationStream:
    """One client's stream: what ``events`` yields, until the grant ends; ``close`` frees its slot."""

    def __init__(
        self,
        grant: StreamGrant,
        after_id: int | None,
        release: Callable[[], None],
        use: "OpenNotificationStream",
    ) -> None:
        self._grant, self._last, self.close, self._use = grant, after_id, release, use

    async def events(self) -> AsyncIterator[NotificationView | Heartbeat]:
        """Every notification after the starting id (none given: after the newest when subscribed), then a
        heartbeat (the stream is live), then each new one as it arrives, with a heartbeat whenever
        ``heartbeat_seconds`` pass without anything sent. Ends, without an error, when the token
        expires or is revoked (checked at least every ``REVOCATION_SECONDS``) or its user is gone."""
        use, grant = self._use, self._grant
        try:
            async with use.signals.subscribe(grant.user_id) as signal:
                if self._last is None:
                    self._last = await use.queries.newest_id(grant.user_id)
                async for view in self._newer():
                    yield view
                yield Heartbeat()
                beat_at = time.monotonic() + use.heartbeat_seconds
                while await self._honoured():
                    until_expiry = (grant.expires_at - use.clock.now()).total_seconds()
                    until_beat = beat_at - time.monotonic()
                    wait = max(0.0, min(until_beat, until_expiry, REVOCATION_SECONDS))
                    if await signal.wait(wait):
                        async for view in self._newer():
                            yield view
                            beat_at = time.monotonic() + use.heartbeat_seconds
                    elif time.monotonic() >= beat_at:
                        yield Heartbeat()
                        beat_at = time.monotonic() + use.heartbeat_seconds
        finally:
            self.close()

    async def _newer(self) -> AsyncIterator[NotificationView]:
        while True:
            last = self._last or 0
            page = await self._use.queries.after(self._grant.user_id, last, CATCH_UP_PAGE)
            for view in page:
                self._last = view.id
                yield view
            if len(page) < CATCH_UP_PAGE:
                return

    async def _honoured(self) -> bool:
        grant = self._grant
        if self._use.clock.now() >= grant.expires_at:
            return False
        return await self._use.stamps.current(grant.user_id) == grant.security_stamp


class OpenNotificationStream:
    def __init__(
        self,
        signals: NotificationSignals,
        queries: NewNotifications,
        stamps: SecurityStamps,
        clock: Clock,
        connections: StreamConnections,
        heartbeat_seconds: float,
    ) -> None:
        self.signals, self.queries, self.stamps, self.clock = signals, queries, stamps, clock
        self.connections, self.heartbeat_seconds = connections, heartbeat_seconds

    def __call__(self, grant: StreamGrant, after_id: int | None) -> NotificationStream:
        """A stream of the grant's user's notifications after ``after_id`` (None: only those to come);
        ``RateLimited`` when the user has too many streams open."""
        return NotificationStream(grant, after_id, self.connections.take(grant.user_id), self)
