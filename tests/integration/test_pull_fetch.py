"""Pins the nats-py behaviour `conduit consume` relies on: a pull fetch of its batch size (``BATCH``)
hands each message over as soon as it arrives, never holding one until the fetch's timeout. Messages
are published at random moments against fetches that keep expiring, which is where a fetch of a larger
batch has been seen to sit on a message it already has (nats-io/nats.py#933)."""

import asyncio
import random
import time

import nats

from adapters.nats.embedded import EmbeddedNats
from entrypoints.consume.app import BATCH

MESSAGES = 40
FETCH_SECONDS = 0.2  # short, so that many fetches expire while the messages come
HANDED_OVER_WITHIN = FETCH_SECONDS / 2


async def test_a_fetch_of_the_consumers_batch_size_hands_each_message_over_at_once(
    nats_broker: EmbeddedNats,
) -> None:
    client = await nats.connect(nats_broker.url)
    try:
        jetstream = client.jetstream()
        await jetstream.add_stream(name="PINNED", subjects=["pinned.>"])
        subscription = await jetstream.pull_subscribe("pinned.>", durable="pinned")
        published: dict[bytes, float] = {}
        waits: list[float] = []

        async def fetching() -> None:
            while len(waits) < MESSAGES:
                try:
                    messages = await subscription.fetch(batch=BATCH, timeout=FETCH_SECONDS)
                except nats.errors.TimeoutError:
                    continue
                arrived = time.perf_counter()
                for message in messages:
                    waits.append(arrived - published[message.data])
                    await message.ack()

        fetcher = asyncio.ensure_future(fetching())
        for n in range(MESSAGES):
            await asyncio.sleep(random.uniform(0, 1.5 * FETCH_SECONDS))
            published[str(n).encode()] = time.perf_counter()
            await jetstream.publish("pinned.message", str(n).encode())
        await asyncio.wait_for(fetcher, 10)
    finally:
        await client.close()
    assert len(waits) == MESSAGES
    assert max(waits) < HANDED_OVER_WITHIN, sorted(waits)[-5:]
