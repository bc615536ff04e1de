"""Server-Sent Events for the tests: a stream read event by event, from an ASGI app in-process (httpx's
ASGI transport hands a response over only once it has ended, which a stream never does by itself) or
from a live server over httpx."""

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message


@dataclass
class Event:
    event: str | None = None
    id: str | None = None
    data: str = ""
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.data)


class EventParser:
    """Splits a byte stream into events (and comment-only blocks, returned as events with no data)."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[Event]:
        self._buffer += chunk
        found = []
        while b"\n\n" in self._buffer:
            block, self._buffer = self._buffer.split(b"\n\n", 1)
            event = Event()
            for line in block.decode().split("\n"):
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "":
                    event.comments.append(value)
                elif name == "data":
                    event.data = f"{event.data}\n{value}" if event.data else value
                elif name in ("event", "id"):
                    setattr(event, name, value)
            found.append(event)
        return found


class AsgiStream:
    """One GET request to an ASGI app, its response read as it comes."""

    def __init__(self, app: ASGIApp, url: str, headers: Mapping[str, str]) -> None:
        parts = urlsplit(url)
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": parts.path,
            "raw_path": parts.path.encode(),
            "query_string": parts.query.encode(),
            "root_path": "",
            "headers": [(b"host", b"conduit")]
            + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("conduit", 80),
        }
        self._app = app
        self._messages: asyncio.Queue[Message] = asyncio.Queue()
        self._gone = asyncio.Event()
        self._parser = EventParser()
        self._pending: list[Event] = []
        self.status = 0
        self.headers: dict[str, str] = {}
        self.ended = False
        self.body = b""

    async def __aenter__(self) -> "AsgiStream":
        self._task = asyncio.ensure_future(self._app(self.scope, self._receive, self._messages.put))
        start = await asyncio.wait_for(self._messages.get(), 10)
        assert start["type"] == "http.response.start", start
        self.status = start["status"]
        self.headers = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}
        if self.status != 200:
            while not self.ended:
                await self._read(10)
        return self

    async def __aexit__(self, *_: object) -> None:
        self._gone.set()
        await asyncio.wait_for(self._task, 10)

    async def _receive(self) -> Message:
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def _read(self, within: float) -> None:
        message = await asyncio.wait_for(self._messages.get(), within)
        self.body += message.get("body", b"")
        self._pending += self._parser.feed(message.get("body", b""))
        self.ended = not message.get("more_body", False)

    def json(self) -> Any:
        return json.loads(self.body)

    async def next(self, within: float = 5.0) -> Event:
        """The next event or comment block; ``TimeoutError`` when none comes in time, or the stream ended."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not self._pending:
            if self.ended:
                raise EOFError("the stream ended")
            await self._read(max(0.0, deadline - loop.time()))
        return self._pending.pop(0)

    async def notification(self, within: float = 5.0) -> Event:
        """The next event that is not a comment."""
        while True:
            event = await self.next(within)
            if event.event is not None:
                return event

    async def live(self, within: float = 5.0) -> list[Event]:
        """The events up to the first keep-alive: what the stream sends before it is live."""
        before = []
        while True:
            event = await self.next(within)
            if event.event is None and "keep-alive" in event.comments:
                return before
            before.append(event)

    async def end(self, within: float = 5.0) -> None:
        """Read until the stream ends (``TimeoutError`` if it does not)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not self.ended:
            await self._read(max(0.0, deadline - loop.time()))


async def parsed_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[Event]:
    parser = EventParser()
    async for chunk in chunks:
        for event in parser.feed(chunk):
            yield event
