"""A notification stream as an ASGI response: Server-Sent Events framing, and the stream's lifetime.

The stream's first step (subscribing, reading what the client missed) runs before the response starts,
so a failure there (the database away, say) is still an ordinary error response. After that, the stream
ends when its events end (the token expired or was revoked), when the client goes away (its disconnect
is listened for: uvicorn speaks ASGI 2.3, and Starlette's own listening is not used here), or when the
database fails under it, or when its process begins a graceful shutdown (entrypoints/http/shutdown_notice.py):
the client reconnects with ``Last-Event-ID`` and misses nothing. Its slot among the user's streams is freed
however it ends.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping

from fastapi import Response
from starlette.types import Receive, Scope, Send

from application.errors import StorageUnavailable
from application.live_notifications import Heartbeat, NotificationStream
from application.notifications import NotificationView
from entrypoints.http.rendering import notification_json
from entrypoints.http.shutdown_notice import ShutdownNotice

log = logging.getLogger(__name__)
KEEP_ALIVE = b": keep-alive\n\n"
# Proxies that buffer responses (nginx) must pass each event on at once.
_HEADERS = {"X-Accel-Buffering": "no"}
_END = {"type": "http.response.body", "body": b"", "more_body": False}


def framed(item: NotificationView | Heartbeat) -> bytes:
    if isinstance(item, Heartbeat):
        return KEEP_ALIVE
    return b"id: %d\nevent: notification\ndata: %s\n\n" % (item.id, notification_json(item))


class EventStream(Response):
    media_type = "text/event-stream"

    def __init__(
        self,
        stream: NotificationStream,
        events: AsyncIterator[NotificationView | Heartbeat],
        first: NotificationView | Heartbeat,
        headers: Mapping[str, str],
        shutdown: ShutdownNotice,
    ) -> None:
        super().__init__(headers={**_HEADERS, **headers})
        # Response counts an empty body; a stream has no length (uvicorn refuses a body past it).
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self._stream, self._events, self._first = stream, events, first
        self._shutdown, self._started = shutdown, False

    @classmethod
    async def opened(
        cls,
        stream: NotificationStream,
        headers: Mapping[str, str],
        shutdown: ShutdownNotice,
    ) -> "EventStream":
        """The response, once the stream has taken its first step."""
        events = stream.events()
        try:
            first = await anext(events)
        except BaseException:
            await _closed(events)
            stream.close()
            raise
        return cls(stream, events, first, headers, shutdown)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sending = asyncio.ensure_future(self._send(send))
        listening = asyncio.ensure_future(_disconnected(receive))
        stopping = asyncio.ensure_future(self._shutdown.wait())
        shutting_down = False
        try:
            done, _ = await asyncio.wait({sending, listening, stopping}, return_when=asyncio.FIRST_COMPLETED)
            shutting_down = done == {stopping}
        finally:
            for task in (sending, listening, stopping):
                task.cancel()
            outcomes = await asyncio.gather(sending, listening, stopping, return_exceptions=True)
            await _closed(self._events)
            self._stream.close()
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                raise outcome  # a bug: the edge middleware logs it
        if shutting_down:  # the body ends as any stream's does, for the client to reconnect elsewhere
            if not self._started:
                await self._start(send)
            await send(_END)

    async def _start(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        self._started = True

    async def _send(self, send: Send) -> None:
        await self._start(send)
        await send({"type": "http.response.body", "body": framed(self._first), "more_body": True})
        try:
            async for item in self._events:
                await send({"type": "http.response.body", "body": framed(item), "more_body": True})
        except StorageUnavailable as error:
            log.warning("notification stream ended: storage unavailable (%s)", error)
        await send(_END)


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _closed(events: AsyncIterator[object]) -> None:
    close = getattr(events, "aclose", None)
    if close is not None:
        await close()
