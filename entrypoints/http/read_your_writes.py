"""The edge of read-your-writes (adapters/postgres/consistency.py): each request gets a fence, opened with
the position its cookie carries; a response to a request that wrote carries its position back.

A layer of its own, installed only when reads may go to a replica: without one nothing is fenced. The
cookie lives as long as a replica in rotation may lack the write, is HttpOnly and signed, and holds no
personal data: a position in the primary's log. A client that keeps cookies has its writes followed by
its reads on every process; one that does not, on the process that took the write (by its user).
"""

import math

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.postgres.consistency import COOKIE, RecentWrites

_COOKIE_PREFIX = f"{COOKIE}=".encode()


class ReadYourWritesMiddleware:
    def __init__(self, app: ASGIApp, *, writes: RecentWrites) -> None:
        self.app, self.writes = app, writes
        self._attributes = f"; Max-Age={math.ceil(writes.keep_seconds)}; Path=/api; HttpOnly; SameSite=Lax"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fence = self.writes.fence(_carried(scope["headers"]))

        async def send_position(message: Message) -> None:
            if message["type"] == "http.response.start":
                sealed = self.writes.remember(fence)
                if sealed is not None:
                    cookie = f"{COOKIE}={sealed}{self._attributes}".encode()
                    message["headers"] = [*message.get("headers", ()), (b"set-cookie", cookie)]
            await send(message)

        await self.app(scope, receive, send_position)


def _carried(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"cookie":
            for pair in value.split(b";"):
                pair = pair.strip()
                if pair.startswith(_COOKIE_PREFIX):
                    return pair[len(_COOKIE_PREFIX) :].decode("ascii", "replace")
    return None
