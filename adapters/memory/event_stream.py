"""The in-memory twin of the JetStream relay (adapters/nats/relay.py): events kept in the order relayed,
each id once, as JetStream's duplicate window keeps them."""

from application.events import StoredEvent


class InMemoryEventStream:
    def __init__(self) -> None:
        self.events: list[StoredEvent] = []
        self._ids: set[int] = set()

    async def __call__(self, stored: StoredEvent) -> None:
        if stored.id not in self._ids:
            self._ids.add(stored.id)
            self.events.append(stored)

    async def aclose(self) -> None:
        """Nothing to let go of; here as the relay has it."""
