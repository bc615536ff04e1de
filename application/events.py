"""Consuming the outbox: claim recorded events, hand each to its handler, retry failures with backoff,
and set aside (dead-letter) an event that keeps failing so the others still flow. Delivery is at least
once; handlers are idempotent, so an event handled twice has the effect of once."""

import logging
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from application.errors import BrokerUnavailable, StorageUnavailable
from application.ports import Clock
from domain.events import DomainEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    event: DomainEvent
    occurred_at: datetime
    failures: int  # earlier attempts that failed


class EventBatch(Protocol):
    events: Sequence[StoredEvent]

    async def done(self, event_id: int) -> None: ...

    async def failed(self, event_id: int, error: str, retry_at: datetime | None) -> None:
        """Count a failure; try again from ``retry_at``, or never (dead letter) when it is None."""
        ...


class EventSource(Protocol):
    def claim(self, limit: int) -> AbstractAsyncContextManager[EventBatch]:
        """Up to ``limit`` due events no other consumer holds, held until the block ends. Outcomes recorded
        in the batch take effect when the block ends normally; if it fails, or the process dies, the events
        are released for another attempt."""
        ...

    async def wait(self, seconds: float) -> None:
        """Return when new events may have arrived, or after ``seconds`` at most."""
        ...

    async def prune(self, older_than: timedelta) -> int:
        """Forget events handled longer ago than ``older_than``; dead letters stay for inspection."""
        ...

    async def aclose(self) -> None: ...


class EventHandler(Protocol):
    async def __call__(self, stored: StoredEvent) -> None: ...


class EventObserver(Protocol):
    """Hears what an operator watches for: an event set aside after its last attempt failed."""

    def dead_lettered(self, topic: str) -> None: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    first_delay: timedelta = timedelta(seconds=1)
    longest_delay: timedelta = timedelta(minutes=5)

    def next_attempt(self, failures: int, now: datetime) -> datetime | None:
        """When to try again after ``failures`` failed attempts; None once they are all used up."""
        if failures >= self.max_attempts:
            return None
        return now + self.delay_after(failures)

    def delay_after(self, failures: int) -> timedelta:
        """How long to wait before the next attempt, after ``failures`` failed ones (at least one)."""
        return min(self.first_delay * (1 << (failures - 1)), self.longest_delay)


class ProcessEvents:
    def __init__(
        self,
        source: EventSource,
        handler: EventHandler,
        clock: Clock,
        retry: RetryPolicy,
        observer: EventObserver | None = None,
    ) -> None:
        self._source, self._handler, self._clock, self._retry = source, handler, clock, retry
        self._observer = observer

    async def __call__(self, limit: int) -> int:
        """Handle one batch; returns how many events it held (0: nothing was due)."""
        async with self._source.claim(limit) as batch:
            for stored in batch.events:
                try:
                    await self._handler(stored)
                except (StorageUnavailable, BrokerUnavailable):
                    # Not the event's failure: the batch goes back, unmarked, for the next attempt.
                    raise
                except Exception as error:  # one failing event must not stop the others
                    failures = stored.failures + 1
                    retry_at = self._retry.next_attempt(failures, self._clock.now())
                    log.warning(
                        "event %s (%s) failed (attempt %s): %r%s",
                        stored.id,
                        type(stored.event).__name__,
                        failures,
                        error,
                        "" if retry_at else "; dead-lettered",
                    )
                    await batch.failed(stored.id, f"{type(error).__name__}: {error}"[:2000], retry_at)
                    if retry_at is None and self._observer is not None:
                        self._observer.dead_lettered(type(stored.event).__name__)
                else:
                    await batch.done(stored.id)
            return len(batch.events)
