"""Connecting to NATS: one way for every Conduit process that does."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Final

import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError

from adapters.nats.stream import ensure_streams
from application.errors import BrokerUnavailable

log = logging.getLogger("conduit.nats")

CONNECT_SECONDS: Final = 2.0


async def connect(url: str, name: str, *, reconnected: Callable[[], Awaitable[None]] | None = None) -> Client:
    """A client that reconnects by itself, for ever, a little apart (then calls ``reconnected``);
    ``BrokerUnavailable`` when the broker cannot be reached now."""
    # With unlimited reconnects, nats-py also retries the first connection for ever: bounded here, so a
    # broker that is away is BrokerUnavailable now and the worker's own retries take over.
    try:
        async with asyncio.timeout(CONNECT_SECONDS):
            return await nats.connect(
                url,
                name=name,
                connect_timeout=CONNECT_SECONDS,
                reconnect_time_wait=0.5,
                max_reconnect_attempts=-1,
                allow_reconnect=True,
                error_cb=_said,
                reconnected_cb=reconnected,
            )
    except (NatsError, OSError, TimeoutError) as error:
        raise BrokerUnavailable(f"NATS at {url}: {type(error).__name__}") from error


async def _said(error: Exception) -> None:
    """nats-py's errors (a lost connection, a failed reconnect), as one line each, not a traceback."""
    log.info("NATS: %s: %s", type(error).__name__, error)


async def prepare_streams(url: str) -> None:
    """Create or update the streams, over a connection of its own; ``BrokerUnavailable`` if NATS is not
    there."""
    client = await connect(url, "conduit-setup")
    try:
        await ensure_streams(client.jetstream())
    except (NatsError, OSError) as error:
        raise BrokerUnavailable(f"JetStream at {url}: {type(error).__name__}") from error
    finally:
        await client.close()
