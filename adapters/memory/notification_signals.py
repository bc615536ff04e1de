"""Notification signals within one process: the in-memory twin of adapters/postgres/notification_signals.py.

The in-memory unit of work calls ``notify`` once a delivery that added notifications has committed.
"""

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from adapters.signalling import Subscribers, payload_of
from application.live_notifications import NotificationSignals, Signal
from domain.ids import UserId


class InMemoryNotificationSignals(NotificationSignals):
    def __init__(self) -> None:
        self._subscribers = Subscribers()

    @asynccontextmanager
    async def subscribe(self, recipient: UserId) -> AsyncIterator[Signal]:
        with self._subscribers.added(recipient) as signal:
            yield signal

    def notify(self, recipients: Iterable[UserId]) -> None:
        self._subscribers.wake(payload_of(recipients))
