"""The part every notification-signals adapter shares (in memory, over LISTEN/NOTIFY, over NATS): the open
streams' signals by recipient, and waking them by the payload every carrier uses, the recipients' ids
comma-separated or ``*`` for every stream. Carriers differ only in how the payload reaches the process."""

import asyncio
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Final

from application.live_notifications import Signal
from domain.ids import UserId

EVERYONE: Final = "*"


def payload_of(recipients: Iterable[UserId]) -> str:
    return ",".join(str(recipient) for recipient in sorted(set(recipients)))


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


class Subscribers:
    def __init__(self) -> None:
        self._signals: dict[UserId, set[_Signal]] = {}

    def __bool__(self) -> bool:
        return bool(self._signals)

    @contextmanager
    def added(self, recipient: UserId) -> Iterator[Signal]:
        """A signal for one stream of ``recipient``, until the block ends."""
        signal = _Signal()
        self._signals.setdefault(recipient, set()).add(signal)
        try:
            yield signal
        finally:
            mine = self._signals[recipient]
            mine.discard(signal)
            if not mine:
                del self._signals[recipient]

    def wake(self, payload: str) -> None:
        if payload == EVERYONE:
            woken = [s for signals in self._signals.values() for s in signals]
        else:
            ids = (UserId(int(part)) for part in payload.split(",") if part.isdigit())
            woken = [s for user in ids for s in self._signals.get(user, ())]
        for signal in woken:
            signal.event.set()
