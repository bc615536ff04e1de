"""The relay: an event handler that publishes each outbox event to JetStream and returns once JetStream
has stored it (its ack), so the worker marks an event relayed only when the broker has it.

The outbox id is the message id: an event sent twice (a relay that died after the ack, before marking it)
is stored once. When the broker cannot be reached or does not ack in time, ``BrokerUnavailable``: the
worker gives the batch back, unmarked, and tries again shortly; it is not the event's failure.
"""

import logging
from typing import Final

from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js import JetStreamContext

from adapters.nats.client import connect
from adapters.nats.stream import EVENTS, ensure_streams
from adapters.nats.wire import MESSAGE_ID, encode, subject_of
from application.errors import BrokerUnavailable
from application.events import StoredEvent

log = logging.getLogger("conduit.relay")

ACK_SECONDS: Final = 5.0


class JetStreamRelay:
    def __init__(self, url: str) -> None:
        self._url = url
        self._client: Client | None = None
        self._js: JetStreamContext | None = None

    async def open(self) -> None:
        """Connect and make sure the streams are there; ``BrokerUnavailable`` if the broker is not."""
        client = await connect(self._url, "conduit-relay")
        try:
            js = client.jetstream()
            await ensure_streams(js)
        except (NatsError, OSError) as error:
            await client.close()
            raise BrokerUnavailable(f"JetStream at {self._url}: {type(error).__name__}") from error
        self._client, self._js = client, js

    async def __call__(self, stored: StoredEvent) -> None:
        if self._js is None:
            await self.open()
        assert self._js is not None
        try:
            ack = await self._js.publish(
                subject_of(stored),
                encode(stored),
                timeout=ACK_SECONDS,
                stream=EVENTS.name,
                headers={MESSAGE_ID: str(stored.id)},
            )
        except (NatsError, OSError) as error:
            raise BrokerUnavailable(
                f"JetStream did not store event {stored.id}: {type(error).__name__}"
            ) from error
        if ack.duplicate:
            log.info("event %s was in the stream already (sent before)", stored.id)

    async def aclose(self) -> None:
        client, self._client, self._js = self._client, None, None
        if client is not None:
            try:
                await client.drain()  # what was published is flushed first
            except (NatsError, OSError):
                await client.close()
