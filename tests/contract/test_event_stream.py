"""The relay's contract, on the in-memory twin and on a real JetStream: an event relayed is in the stream
in order, with its id, once however often it is relayed."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import nats
import pytest

from adapters.memory.event_stream import InMemoryEventStream
from adapters.nats.embedded import EmbeddedNats
from adapters.nats.relay import JetStreamRelay
from adapters.nats.stream import EVENTS
from adapters.nats.wire import decode
from application.events import EventHandler, StoredEvent
from domain.events import UserFollowed
from domain.ids import UserId

AT = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass
class Stream:
    relay: EventHandler
    read: Callable[[], Awaitable[list[StoredEvent]]]


@pytest.fixture(params=["memory", "jetstream"])
async def stream(request: pytest.FixtureRequest) -> AsyncIterator[Stream]:
    if request.param == "memory":
        twin = InMemoryEventStream()

        async def read_twin() -> list[StoredEvent]:
            return list(twin.events)

        yield Stream(twin, read_twin)
        return
    broker: EmbeddedNats = request.getfixturevalue("nats_broker")
    relay = JetStreamRelay(broker.url)

    async def read_jetstream() -> list[StoredEvent]:
        client = await nats.connect(broker.url)
        try:
            js = client.jetstream()
            count = (await js.stream_info(str(EVENTS.name))).state.messages
            return [decode((await js.get_msg(str(EVENTS.name), seq)).data) for seq in range(1, count + 1)]
        finally:
            await client.close()

    try:
        yield Stream(relay, read_jetstream)
    finally:
        await relay.aclose()


def follow(event_id: int) -> StoredEvent:
    return StoredEvent(event_id, UserFollowed(UserId(1), UserId(event_id + 1)), AT, 0)


async def test_events_are_kept_in_order_each_id_once(stream: Stream) -> None:
    for event_id in (10, 11, 10, 12, 11):
        await stream.relay(follow(event_id))
    assert [stored.id for stored in await stream.read()] == [10, 11, 12]
    assert (await stream.read())[1] == follow(11)
