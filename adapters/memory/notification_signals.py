"""Notification signals within one process: the in-memory twin of adapters/postgres/notification_signals.py.

The in-memory unit of work calls ``notify`` once a delivery that added notifications has committed.
"""

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress

from application.live_notifications import NotificationSignals, Signal
from domain.ids import UserId


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


class InMemoryNotificationSignals(NotificationSignals):
    def __init__(self) -> None:
        self._signals: dict[UserId, set[_Signal]] = {}

    @asynccontextmanager
    async def subscribe(self, recipient: UserId) -> AsyncIterator[Signal]:
        signal = _Signal()
        self._signals.setdefault(recipient, set()).add(signal)
        try:
            yield signal
        finally:
            mine = self._signals[recipient]
            mine.discard(signal)
            if not mine:
                del self._signals[recipient]

    def notify(self, recipients: Iterable[UserId]) -> None:
        for recipient in set(recipients):
            for signal in self._signals.get(recipient, ()):
                signal.event.set()
