"""The outbox and its consumer over the in-memory store (for unit tests and the in-memory dev server)."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from adapters.memory.store import InMemoryStore, OutboxRecord, State
from application.events import EventBatch, EventSource, StoredEvent
from application.ports import Clock, Outbox
from domain.events import DomainEvent


class InMemoryOutbox(Outbox):
    def __init__(self, state: State) -> None:
        self._state = state

    async def add(self, event: DomainEvent, now: datetime) -> None:
        self._state.last_outbox_id += 1
        self._state.outbox[self._state.last_outbox_id] = OutboxRecord(
            self._state.last_outbox_id, event, now, now
        )


@dataclass
class _Batch(EventBatch):
    events: Sequence[StoredEvent]
    outcomes: dict[int, tuple[str, str | None, datetime | None]] = field(default_factory=dict)

    async def done(self, event_id: int) -> None:
        self.outcomes[event_id] = ("done", None, None)

    async def failed(self, event_id: int, error: str, retry_at: datetime | None) -> None:
        self.outcomes[event_id] = ("pending" if retry_at else "dead", error, retry_at)


class InMemoryEventSource(EventSource):
    """Claims are exclusive within the process, like SKIP LOCKED; outcomes apply when the batch ends."""

    def __init__(self, store: InMemoryStore, clock: Clock) -> None:
        self._store, self._clock = store, clock
        self._claimed: set[int] = set()

    @asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[EventBatch]:
        now = self._clock.now()
        due = sorted(
            (r for r in self._store.state.outbox.values() if r.status == "pending" and r.available_at <= now),
            key=lambda r: (r.available_at, r.id),
        )
        mine = [r for r in due if r.id not in self._claimed][:limit]
        self._claimed.update(r.id for r in mine)
        batch = _Batch([StoredEvent(r.id, r.event, r.created_at, r.failures) for r in mine])
        try:
            yield batch
            async with self._store.lock:
                ended = self._clock.now()
                for event_id, (status, error, retry_at) in batch.outcomes.items():
                    record = self._store.state.outbox[event_id]
                    record.status = status
                    if status != "pending":
                        record.processed_at = ended
                    if error is not None:
                        record.failures += 1
                        record.last_error = error
                    if retry_at is not None:
                        record.available_at = retry_at
        finally:
            self._claimed.difference_update(r.id for r in mine)

    async def wait(self, seconds: float) -> None:
        return None  # tests drive the consumer step by step

    async def prune(self, older_than: timedelta) -> int:
        cutoff = self._clock.now() - older_than
        async with self._store.lock:
            outbox = self._store.state.outbox
            old = [
                i
                for i, r in outbox.items()
                if r.status == "done" and r.processed_at is not None and r.processed_at < cutoff
            ]
            for event_id in old:
                del outbox[event_id]
        return len(old)

    async def aclose(self) -> None:
        return None
